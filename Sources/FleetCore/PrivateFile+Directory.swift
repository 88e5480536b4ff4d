import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension PrivateFile {
    /// One file of a directory written whole: its name (a single path component the caller validated) and bytes.
    public struct NamedFile: Sendable {
        public var name: String
        public var data: Data

        public init(name: String, data: Data) {
            self.name = name
            self.data = data
        }
    }

    /// Writes `files` as the new directory `path`, which appears whole: they are written into a hidden staging
    /// directory beside it (`.NAME.tmp-PID-RANDOM`, 0700, made with mkdir(2), so nothing planted there is reused),
    /// which one rename(2) then makes `path`. A reader sees no directory or the complete one, never half a file; a
    /// crash leaves only the staging directory, under a name no reader looks for. Writing each file atomically
    /// (`write(_:to:)`) costs a temporary name and a rename per file; here the directory's one rename covers them all.
    ///
    /// When `path` already exists with content (the same host recorded again), it is updated file by file with
    /// `write(_:to:)`, as before: files it holds that `files` does not name stay.
    public static func writeDirectory(_ files: [NamedFile], to path: String) throws(WriteError) {
        let slash = path.lastIndex(of: "/")
        let parent = slash.map { String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let staging = parent + "/.\(base).tmp-\(getpid())-\(UInt32.random(in: .min ... .max))"
        guard mkdir(staging, directoryMode) == 0 else {
            throw WriteError(path: staging, operation: "create the directory", errno: errno)
        }
        var written: [String] = []
        do throws(WriteError) {
            // mkdir(2)'s and open(2)'s modes are reduced by the umask. The new directory's mode shows whether it
            // took any of 0700's bits: when it took none, it takes none of 0600's either and each file is created
            // 0600 with no fchmod(2). (A umask changed by another thread meanwhile could only make a file stricter,
            // never readable by others; fleet-audit never changes its umask.)
            var status = stat()
            guard stat(staging, &status) == 0 else { throw WriteError(path: staging, operation: "stat", errno: errno) }
            let umaskKeepsModes = status.st_mode & 0o777 == directoryMode
            if !umaskKeepsModes, chmod(staging, directoryMode) != 0 {
                throw WriteError(path: staging, operation: "chmod", errno: errno)
            }
            // A name given twice is written once, with its last content: what writing the files in turn would leave.
            let lastIndexByName = Dictionary(files.enumerated().map { ($1.name, $0) }, uniquingKeysWith: max)
            for (index, file) in files.enumerated() where lastIndexByName[file.name] == index {
                let filePath = staging + "/" + file.name
                written.append(filePath)
                try writeNew(file.data, to: filePath, setMode: !umaskKeepsModes)
            }
            if rename(staging, path) == 0 { return }
            // rename(2) replaces only an empty directory: ENOTEMPTY or EEXIST when it holds files, ENOTDIR when it is
            // a file or a symbolic link.
            let failure = errno
            guard failure == ENOTEMPTY || failure == EEXIST || failure == ENOTDIR else {
                throw WriteError(path: path, operation: "rename", errno: failure)
            }
        } catch {
            removeStaging(staging, files: written)
            throw error
        }
        removeStaging(staging, files: written)
        try makeDirectory(path)
        for file in files { try write(file.data, to: path + "/" + file.name) }
    }

    private static func removeStaging(_ staging: String, files: [String]) {
        for file in files { unlink(file) }
        rmdir(staging)
    }
}
