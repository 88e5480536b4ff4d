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
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: .min ... .max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, fileMode)
        guard descriptor >= 0 else { throw WriteError(path: temporary, operation: "create", errno: errno) }
        var failure: WriteError?
        data.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = WriteError(path: temporary, operation: "write", errno: errno)
                    return
                }
                offset += written
            }
        }
        // The mode given to open(2) is reduced by the umask; a private file is 0600 whatever the umask says.
        if failure == nil, fchmod(descriptor, fileMode) != 0 {
            failure = WriteError(path: temporary, operation: "chmod", errno: errno)
        }
        close(descriptor)
        if failure == nil, rename(temporary, path) != 0 {
            failure = WriteError(path: path, operation: "rename", errno: errno)
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
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
