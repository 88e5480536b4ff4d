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
        let file = try AtomicWriter(path: path)
        try file.write(bytes)
        try file.commit()
    }

    static let createOperation = "create"

    /// A file written piece by piece and made visible whole: the pieces go to a private temporary file beside
    /// `path` (0600, `O_EXCL | O_NOFOLLOW`), and `commit()` renames it into place. A writer dropped before `commit()`
    /// removes its temporary file, so a failed or abandoned write leaves the previous version as it was.
    ///
    /// For a document of tens of megabytes (a thousand hosts' report.json) written as it is made: the whole text
    /// never has to be held, and the same small buffer is reused, where a fresh buffer of that size costs a page
    /// fault per 4 KiB (docs/benchmarks.md, "Reports written as they are made").
    public final class AtomicWriter {
        public let path: String
        private let temporary: String
        private var descriptor: Int32
        private var committed = false

        public init(path: String) throws(WriteError) {
            self.path = path
            temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: .min ... .max))"
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, PrivateFile.fileMode)
            // A file that could not be created is not ours to remove.
            guard descriptor >= 0 else {
                throw WriteError(path: temporary, operation: PrivateFile.createOperation, errno: errno)
            }
        }

        /// Appends `bytes`, retrying interrupted and partial writes.
        public func write(_ bytes: UnsafeRawBufferPointer) throws(WriteError) {
            guard !committed else { return }
            if let error = FileDescriptorWriting.writeAll(bytes, to: descriptor) {
                throw WriteError(path: temporary, operation: "write", errno: error)
            }
        }

        /// Appends the text's own UTF-8 storage.
        public func write(_ text: String) throws(WriteError) {
            var text = text
            let result = text.withUTF8 { utf8 in
                Result { () throws(WriteError) in try write(UnsafeRawBufferPointer(utf8)) }
            }
            try result.get()
        }

        /// Makes the file visible at `path` (replacing what was there) with mode 0600: open(2)'s mode is reduced
        /// by the umask, so it is set again. On failure the temporary file is gone and the writer is finished.
        public func commit() throws(WriteError) {
            guard !committed else { return }
            committed = true
            var failure: WriteError?
            if fchmod(descriptor, PrivateFile.fileMode) != 0 {
                failure = WriteError(path: temporary, operation: "chmod", errno: errno)
            }
            // close(2) reports a write the kernel could not finish; the descriptor is gone either way.
            if close(descriptor) != 0, failure == nil {
                failure = WriteError(path: temporary, operation: "write", errno: errno)
            }
            descriptor = -1
            if failure == nil, rename(temporary, path) != 0 {
                failure = WriteError(path: path, operation: "rename", errno: errno)
            }
            guard let failure else { return }
            discard()
            throw failure
        }

        private func discard() {
            if descriptor >= 0 { close(descriptor) }
            descriptor = -1
            unlink(temporary)
        }

        deinit {
            if !committed { discard() }
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
