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

    /// Writes all of `text`. Nil when it was written; otherwise the errno that refused it (EPIPE: the reader is
    /// gone), taken at the failing call, before anything else can change `errno`.
    @discardableResult
    public func write(_ text: String) -> Int32? {
        var text = text
        return text.withUTF8 { bytes in FileDescriptorWriting.writeAll(UnsafeRawBufferPointer(bytes), to: descriptor) }
    }
}

/// The one write(2) loop: every byte, retrying interrupted and partial writes.
enum FileDescriptorWriting {
    /// Nil when every byte was written; otherwise the errno of the failing call (EIO for a write that took none).
    static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Int32? {
        guard let base = bytes.baseAddress else { return nil }
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
            if written < 0 {
                let error = errno
                if error == EINTR { continue }
                return error
            }
            if written == 0 { return EIO }
            offset += written
        }
        return nil
    }
}
