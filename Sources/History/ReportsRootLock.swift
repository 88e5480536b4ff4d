import FleetCore
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An advisory lock on the reports root (`DIR/.fleet-audit.lock`, `flock(2)`), held for a whole audit so two
/// runs never write the same runs directory and history at once.
///
/// `flock` locks belong to the open file description, so the kernel drops the lock when the holder exits, however
/// it exits (`kill -9` included): a crashed audit never leaves a stale lock. The file's text names the holder
/// (PID, command, since when) for the message of whoever waits; that text is informative only, the lock is the
/// `flock`.
public final class ReportsRootLock: Sendable {
    public static let fileName = ".fleet-audit.lock"

    public let path: String
    /// The open lock file; -1 once released. Guarded because `release()` may race with `deinit` callers.
    private let descriptor: Mutex<Int32>

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = Mutex(descriptor)
    }

    deinit { release() }

    /// Takes the lock on `root` (created if missing), waiting up to `timeout` seconds while another process
    /// holds it. `onWait` is called once, with the holder's description, when the lock is busy.
    public static func acquire(
        root: String, timeout: Double, purpose: String, onWait: (String) -> Void = { _ in }
    ) throws(HistoryError) -> ReportsRootLock {
        let path = root + "/" + fileName
        do {
            try PrivateFile.makeDirectory(root)
        } catch {
            throw HistoryError(.lockFile, path: root, message: "cannot create the reports root", underlying: "\(error)")
        }
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw HistoryError(
                .lockFile, path: path, message: "cannot open the lock file (is the reports root writable?)",
                underlying: String(cString: strerror(errno)))
        }
        let deadline = Date().addingTimeInterval(max(0, timeout))
        var told = false
        while true {
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { break }
            let failure = errno
            guard failure == EWOULDBLOCK || failure == EINTR else {
                close(descriptor)
                throw HistoryError(
                    .lockFile, path: path, message: "cannot lock the reports root",
                    underlying: String(cString: strerror(failure)))
            }
            if failure == EINTR { continue }
            if !told {
                onWait(holder(descriptor: descriptor))
                told = true
            }
            if Date() >= deadline {
                let holder = holder(descriptor: descriptor)
                close(descriptor)
                throw HistoryError(
                    .locked, path: path,
                    message: "the reports root is in use by \(holder); gave up after \(Int(timeout)) s. Wait for "
                        + "that run to finish, raise --lock-timeout, or use another --out")
            }
            usleep(100_000)
        }
        // Ours now: say who holds it, for whoever waits next.
        let text = "pid \(getpid()) (\(purpose), since \(ISO8601DateFormatter().string(from: Date())))\n"
        _ = ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        return ReportsRootLock(path: path, descriptor: descriptor)
    }

    /// Lets go of the lock (also done when the object goes away, or the process exits).
    public func release() {
        descriptor.withLock { descriptor in
            guard descriptor >= 0 else { return }
            // Closing the only descriptor of the open file description releases the flock.
            close(descriptor)
            descriptor = -1
        }
    }

    /// What the lock file says about its holder.
    private static func holder(descriptor: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        let text = count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : ""
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? "another process (the lock file does not name it)" : trimmed
    }
}
