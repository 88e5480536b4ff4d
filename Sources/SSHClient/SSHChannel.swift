import CLibSSH2

#if canImport(Glibc)
    import Glibc
#endif

/// One channel of an `SSHSession`: runs one command, carries its standard streams and its exit status.
/// Owned by exactly one caller; freed with `free()` or, at the latest, with its session.
public final class SSHChannel {
    public enum Stream: Int32, Sendable {
        case stdout = 0
        /// SSH_EXTENDED_DATA_STDERR (RFC 4254 §5.2).
        case stderr = 1
    }

    private var handle: OpaquePointer?
    /// Keeps the session alive as long as the channel: a channel must be freed before its session.
    private let session: SSHSession
    /// The command bytes, kept so that a retried `exec` passes the very same arguments.
    private var pendingCommand: [CChar]?

    init(handle: OpaquePointer, session: SSHSession) {
        self.handle = handle
        self.session = session
    }

    deinit {
        // If the session was already freed, libssh2 freed this channel with it.
        if let handle, !session.isFreed { _ = libssh2_channel_free(handle) }
    }

    private var live: OpaquePointer? { session.isFreed ? nil : handle }

    private func closed(_ code: SSHError.Code) -> SSHError { SSHError(code: code, message: "channel closed") }

    /// Starts `command` (RFC 4254 §6.5 "exec").
    public func exec(_ command: String) -> SSHOperation<Void> {
        guard let handle = live else { return .failed(closed(.channel)) }
        if pendingCommand == nil { pendingCommand = Array(command.utf8CString) }
        let bytes = pendingCommand ?? []
        let returnCode = bytes.withUnsafeBufferPointer { buffer in
            fa_channel_exec(handle, buffer.baseAddress, UInt32(buffer.count - 1))
        }
        let outcome = session.operation(returnCode, .channel)
        if case .wouldBlock = outcome { return outcome }
        pendingCommand = nil
        return outcome
    }

    /// Reads available bytes of one stream into `buffer`. `.done(0)` means that stream reached end of file.
    public func read(_ stream: Stream, into buffer: UnsafeMutableRawBufferPointer) -> SSHOperation<Int> {
        guard let handle = live else { return .failed(closed(.transfer)) }
        let count = fa_channel_read(
            handle, stream.rawValue, buffer.baseAddress?.assumingMemoryBound(to: CChar.self), buffer.count)
        return session.resultOfLength(count, .transfer)
    }

    /// Writes some of `bytes` to the command's standard input; returns how many were taken.
    public func write(_ bytes: UnsafeRawBufferPointer) -> SSHOperation<Int> {
        guard let handle = live else { return .failed(closed(.transfer)) }
        let count = fa_channel_write(handle, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
        return session.resultOfLength(count, .transfer)
    }

    /// Tells the command its standard input is finished.
    public func sendEOF() -> SSHOperation<Void> {
        guard let handle = live else { return .failed(closed(.transfer)) }
        return session.operation(libssh2_channel_send_eof(handle), .transfer)
    }

    /// True once the server sent EOF on the channel (both streams are then finished once read empty).
    public var receivedEOF: Bool {
        guard let handle = live else { return true }
        return libssh2_channel_eof(handle) != 0
    }

    /// True when libssh2 already holds received data for this channel (read by another channel's call on the same
    /// session), so waiting for the socket would wait for bytes that already arrived. No I/O.
    public var hasQueuedData: Bool {
        guard let handle = live else { return false }
        return libssh2_poll_channel_read(handle, 0) != 0
    }

    /// Bytes the peer's window lets us send now (RFC 4254 §5.2). No I/O.
    public var writeWindow: Int {
        guard let handle = live else { return 0 }
        return Int(libssh2_channel_window_write_ex(handle, nil))
    }

    /// Sends our close and, with `waitClosed()`, waits for the server's, after which the exit status is known.
    public func close() -> SSHOperation<Void> {
        guard let handle = live else { return .failed(closed(.teardown)) }
        return session.operation(fa_channel_close(handle), .teardown)
    }

    public func waitClosed() -> SSHOperation<Void> {
        guard let handle = live else { return .failed(closed(.teardown)) }
        return session.operation(libssh2_channel_wait_closed(handle), .teardown)
    }

    /// The command's exit status (RFC 4254 §6.10); meaningful after `waitClosed()`.
    public var exitStatus: Int32 {
        guard let handle = live else { return -1 }
        return libssh2_channel_get_exit_status(handle)
    }

    /// The signal that ended the command, without the `SIG` prefix (e.g. `KILL`), if any.
    public func exitSignal() -> String? {
        guard let handle = live else { return nil }
        var signal: UnsafeMutablePointer<CChar>?
        var length = 0
        guard libssh2_channel_get_exit_signal(handle, &signal, &length, nil, nil, nil, nil) == 0, let signal else {
            return nil
        }
        defer { Glibc.free(signal) }
        return length > 0 ? String(cString: signal) : nil
    }

    /// Frees the channel now (it may need the network, hence the operation result).
    public func free() -> SSHOperation<Void> {
        guard let handle = live else {
            self.handle = nil
            return .done(())
        }
        let outcome = session.operation(libssh2_channel_free(handle), .teardown)
        if case .done = outcome { self.handle = nil }
        return outcome
    }
}
