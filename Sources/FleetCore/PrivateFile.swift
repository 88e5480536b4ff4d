import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Files only the auditor's own user can read: runs, evidence and reports hold what hosts hold (configs, client
/// addresses, process lists), so each file is created 0600 and each directory 0700, whatever the process umask.
///
/// Writes are atomic (a temporary file beside the target, then rename(2)), so a reader never sees half a file and a
/// crash keeps the previous version. The temporary file is opened with O_EXCL and O_NOFOLLOW: a symlink planted
/// where it would go is never followed.
public enum PrivateFile {
    public struct WriteError: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var operation: String
        public var errno: Int32
        public var description: String { "\(operation) \(path): \(String(cString: strerror(errno)))" }
    }

    public static let fileMode: mode_t = 0o600
    public static let directoryMode: mode_t = 0o700

    public static func write(_ data: Data, to path: String) throws(WriteError) {
        let result = data.withUnsafeBytes { bytes in Result { () throws(WriteError) in try write(bytes, to: path) } }
        try result.get()
    }

    /// Writes the text's own UTF-8 storage, without a copy into `Data` (a report of a thousand hosts is tens of
    /// megabytes).
    public static func write(_ text: String, to path: String) throws(WriteError) {
        var text = text
        let result = text.withUTF8 { utf8 in
            Result { () throws(WriteError) in try write(UnsafeRawBufferPointer(utf8), to: path) }
        }
        try result.get()
    }

    /// The atomic write itself: a private temporary file beside `path`, then rename(2).
    private static func write(_ bytes: UnsafeRawBufferPointer, to path: String) throws(WriteError) {
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: .min ... .max))"
        do {
            // The mode given to open(2) is reduced by the umask; a private file is 0600 whatever the umask says.
            try writeNew(bytes, to: temporary, setMode: true)
        } catch {
            // A file that could not be created is not ours to remove.
            if error.operation != createOperation { unlink(temporary) }
            throw error
        }
        if rename(temporary, path) != 0 {
            let failure = WriteError(path: path, operation: "rename", errno: errno)
            unlink(temporary)
            throw failure
        }
    }

    static let createOperation = "create"

    /// Creates `path` (which must not exist) 0600 and writes `bytes` into it, retrying interrupted writes; the caller
    /// makes it visible (rename) or removes it. `setMode`: the umask reduces 0600, so the mode is set again once the
    /// file is open.
    private static func writeNew(_ bytes: UnsafeRawBufferPointer, to path: String, setMode: Bool)
        throws(WriteError)
    {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, fileMode)
        guard descriptor >= 0 else { throw WriteError(path: path, operation: createOperation, errno: errno) }
        defer { close(descriptor) }
        if let base = bytes.baseAddress {
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw WriteError(path: path, operation: "write", errno: errno)
                }
                offset += written
            }
        }
        if setMode, fchmod(descriptor, fileMode) != 0 { throw WriteError(path: path, operation: "chmod", errno: errno) }
    }

    /// Creates `path` and any missing parents as 0700 directories; existing directories are left as they are.
    public static func makeDirectory(_ path: String) throws(WriteError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try makeDirectory(parent) }
        guard mkdir(path, directoryMode) == 0 else {
            if errno == EEXIST { return }
            throw WriteError(path: path, operation: "create the directory", errno: errno)
        }
        // mkdir(2)'s mode is reduced by the umask too.
        if chmod(path, directoryMode) != 0 { throw WriteError(path: path, operation: "chmod", errno: errno) }
    }
}
