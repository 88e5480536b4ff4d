#if canImport(Glibc)
    import Glibc
#endif

/// Standard output or standard error, written with write(2) straight from a string's UTF-8 storage.
///
/// Foundation's `FileHandle.write(_:)` traps when the write fails, and the engine ignores SIGPIPE (for its
/// sockets), so a reader that went away (`fleet-audit exec … | head`, `2>&1 | head`) turned into a Swift runtime
/// crash in the middle of a run. Here a failed write is a result the caller decides about.
public enum StandardStream: Sendable {
    case output
    case error

    private var descriptor: Int32 { self == .output ? STDOUT_FILENO : STDERR_FILENO }

    /// Writes all of `text`, retrying interrupted and partial writes. False when the descriptor refused it; `errno`
    /// then says why (EPIPE: the reader is gone).
    @discardableResult
    public func write(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard var next = UnsafeRawPointer(bytes.baseAddress) else { return true }
            var left = bytes.count
            while left > 0 {
                let written = Glibc.write(descriptor, next, left)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return false }
                next += written
                left -= written
            }
            return true
        }
    }
}
