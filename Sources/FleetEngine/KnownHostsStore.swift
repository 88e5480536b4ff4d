import FleetCore
import Foundation
import SSHClient
import Synchronization

/// known_hosts files for one run: each read once, shared by every session that names it, and appended to (for
/// `accept-new`) under a lock so concurrent sessions never interleave lines.
final class KnownHostsStore: Sendable {
    private let files = Mutex<[String: KnownHosts]>([:])

    func knownHosts(at path: String) -> KnownHosts {
        files.withLock { files in
            if let loaded = files[path] { return loaded }
            let loaded = KnownHosts.load(path: path)
            files[path] = loaded
            return loaded
        }
    }

    /// Records a newly accepted key, in memory and in the file. Returns an error message when the file cannot be
    /// written (the session then fails: a key that cannot be recorded was not really accepted).
    func append(host: String, port: Int, key: HostKey, to path: String) -> String? {
        files.withLock { files in
            let line = KnownHosts.line(host: host, port: port, key: key) + "\n"
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            if !FileManager.default.fileExists(atPath: path) {
                guard
                    FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
                else { return "cannot create \(path)" }
            }
            guard let handle = FileHandle(forWritingAtPath: path) else { return "cannot write \(path)" }
            defer { try? handle.close() }
            do {
                let end = try handle.seekToEnd()
                // Keep the file line-structured even if its last line had no newline.
                if end > 0 {
                    try handle.seek(toOffset: end - 1)
                    let last = try handle.read(upToCount: 1)
                    try handle.seekToEnd()
                    if last != Data("\n".utf8) { try handle.write(contentsOf: Data("\n".utf8)) }
                }
                try handle.write(contentsOf: Data(line.utf8))
            } catch {
                return "cannot append to \(path): \(error.localizedDescription)"
            }
            var updated = files[path] ?? KnownHosts.load(path: path)
            updated.append(
                KnownHosts.Entry(
                    marker: .none, hosts: KnownHosts.hostName(host, port: port), key: key,
                    line: (updated.entries.last?.line ?? 0) + 1))
            files[path] = updated
            return nil
        }
    }
}
