import CLibSSH2
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One non-blocking SSH session over a connected TCP socket: the only owner of a `LIBSSH2_SESSION`.
///
/// Every call returns at once: `.wouldBlock` means "call the same function again, with the same arguments, when the
/// socket is ready in the directions `prepareToWait()` returns" (libssh2's EAGAIN contract; call it just before
/// waiting, level-triggered). Not `Sendable`: a session lives and dies on the thread that created it, because libssh2
/// handles are not thread-safe.
public final class SSHSession {
    /// Set to nil once freed; every method checks it.
    private var handle: OpaquePointer?
    /// The connected socket; owned, closed with the session.
    public let socket: Int32
    private var socketClosed = false
    /// Agents opened on this session. libssh2 frees an agent with its session's allocator, so every agent must be
    /// freed before the session is; `abort()` releases them first (weak: the agent itself is their only owner).
    private var agents: [WeakAgent] = []

    private struct WeakAgent {
        weak var agent: SSHAgent?
    }

    /// Takes ownership of a connected (or connecting) non-blocking TCP socket.
    public init(takingOwnershipOf socket: Int32) throws(SSHError) {
        self.socket = socket
        guard LibSSH2Library.ensureInitialized() else {
            Glibc.close(socket)
            throw SSHError(code: .session, message: "libssh2 could not initialise its crypto backend")
        }
        guard let session = fa_session_init(socket) else {
            Glibc.close(socket)
            throw SSHError(code: .session, libssh2Error: "LIBSSH2_ERROR_ALLOC", message: "cannot allocate a session")
        }
        handle = session
        libssh2_session_set_blocking(session, 0)
        fa_session_use_socket_callbacks(session)
    }

    deinit { abort() }

    // MARK: Errors and EAGAIN, in one place

    /// Turns a libssh2 return code into an operation result.
    func operation(_ returnCode: Int32, _ code: SSHError.Code) -> SSHOperation<Void> {
        resultOfLength(Int(returnCode), code).map { _ in () }
    }

    /// A byte count (or 0) as success; a negative value is libssh2's error code.
    func resultOfLength(_ returnValue: Int, _ code: SSHError.Code) -> SSHOperation<Int> {
        returnValue >= 0 ? .done(returnValue) : pendingOrFailed(Int32(clamping: returnValue), code)
    }

    /// The one place that knows about EAGAIN. Also used directly by calls that return NULL both on EAGAIN and on
    /// failure, where the session's errno tells them apart.
    private func pendingOrFailed<Value>(_ errorNumber: Int32, _ code: SSHError.Code) -> SSHOperation<Value> {
        if errorNumber == LIBSSH2_ERROR_EAGAIN { return .wouldBlock }
        return .failed(lastError(code, fallback: errorNumber))
    }

    /// libssh2's last error for this session, with the constant's name and its message.
    func lastError(_ code: SSHError.Code, fallback: Int32) -> SSHError {
        guard let handle else {
            return SSHError(code: code, libssh2Error: SSHError.constantName(fallback), message: "session closed")
        }
        var messagePointer: UnsafeMutablePointer<CChar>?
        var length: Int32 = 0
        let errorCode = libssh2_session_last_error(handle, &messagePointer, &length, 0)
        let message = messagePointer.map { String(cString: $0) } ?? "no message"
        let constant = errorCode != 0 ? errorCode : fallback
        return SSHError(code: code, libssh2Error: SSHError.constantName(constant), message: message)
    }

    var rawHandle: OpaquePointer? { handle }

    // MARK: Handshake and host key

    /// Asks the server for one of these host key algorithms (those libssh2 supports), so the key it presents is one
    /// the known_hosts file can verify. Without a preference, libssh2's default order applies.
    public func preferHostKeyAlgorithms(_ algorithms: [String]) {
        let supported: Set = [
            "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa", "ssh-dss",
        ]
        let usable = algorithms.filter(supported.contains)
        guard let handle, !usable.isEmpty else { return }
        _ = libssh2_session_method_pref(handle, LIBSSH2_METHOD_HOSTKEY, usable.joined(separator: ","))
    }

    /// Banner exchange and key exchange (RFC 4253 §4–7).
    public func handshake() -> SSHOperation<Void> {
        guard let handle else { return .failed(SSHError(code: .handshake, message: "session closed")) }
        return operation(libssh2_session_handshake(handle, socket), .handshake)
    }

    /// The key the server proved it holds during the handshake.
    public func hostKey() -> HostKey? {
        guard let handle else { return nil }
        var length = 0
        var type: Int32 = 0
        guard let pointer = libssh2_session_hostkey(handle, &length, &type), length > 0 else { return nil }
        let blob = pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
        guard let name = HostKey.typeName(inBlob: blob) else { return nil }
        return HostKey(type: name, blob: blob)
    }

    /// The server's identification string, e.g. `SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u6`.
    public var serverBanner: String? {
        guard let handle, let banner = libssh2_session_banner_get(handle) else { return nil }
        return String(cString: banner)
    }

    // MARK: Authentication

    /// The methods the server accepts for `user` (RFC 4252 §5.2). Empty when the server let the user in with "none".
    public func authenticationMethods(user: String) -> SSHOperation<[String]> {
        guard let handle else { return .failed(SSHError(code: .authentication, message: "session closed")) }
        if let list = libssh2_userauth_list(handle, user, UInt32(user.utf8.count)) {
            return .done(String(cString: list).split(separator: ",").map(String.init))
        }
        if libssh2_userauth_authenticated(handle) != 0 { return .done([]) }
        return pendingOrFailed(libssh2_session_last_errno(handle), .authentication)
    }

    public var isAuthenticated: Bool {
        guard let handle else { return false }
        return libssh2_userauth_authenticated(handle) != 0
    }

    /// Public-key authentication with a private key file; the public key is derived from it.
    public func authenticate(user: String, privateKeyFile: String, passphrase: String?) -> SSHOperation<Void> {
        guard let handle else { return .failed(SSHError(code: .authentication, message: "session closed")) }
        return operation(
            fa_userauth_publickey_fromfile(handle, user, privateKeyFile, passphrase ?? ""), .authentication)
    }

    /// Public-key authentication with a key decoded once per run: signs with it in memory (no file read, no decode).
    public func authenticate(user: String, decodedKey: DecodedPrivateKey) -> SSHOperation<Void> {
        guard let handle else { return .failed(SSHError(code: .authentication, message: "session closed")) }
        let returnCode = decodedKey.publicKeyBlob.withUnsafeBufferPointer {
            switch decodedKey.kind {
            case .ed25519: fa_userauth_publickey_ed25519(handle, user, $0.baseAddress, $0.count, decodedKey.key)
            case .ecdsa: fa_userauth_publickey_ecdsa(handle, user, $0.baseAddress, $0.count, decodedKey.key)
            }
        }
        return operation(returnCode, .authentication)
    }

    // MARK: Channels

    /// Opens a "session" channel (RFC 4254 §6.1).
    public func openChannel() -> SSHOperation<SSHChannel> {
        guard let handle else { return .failed(SSHError(code: .channel, message: "session closed")) }
        if let channel = fa_channel_open_session(handle) { return .done(SSHChannel(handle: channel, session: self)) }
        return pendingOrFailed(libssh2_session_last_errno(handle), .channel)
    }

    /// Opens a "direct-tcpip" channel (RFC 4254 §7.2): the server connects to `host:port` and the channel carries
    /// that TCP stream. A refusal is `LIBSSH2_ERROR_CHANNEL_FAILURE` whose message names the server's reason
    /// (`SSHError.channelOpenFailureReason`).
    public func openDirectTCPIP(host: String, port: Int) -> SSHOperation<SSHChannel> {
        guard let handle else { return .failed(SSHError(code: .channel, message: "session closed")) }
        if let channel = fa_channel_direct_tcpip(handle, host, Int32(port)) {
            return .done(SSHChannel(handle: channel, session: self))
        }
        return pendingOrFailed(libssh2_session_last_errno(handle), .channel)
    }

    func register(_ agent: SSHAgent) { agents.append(WeakAgent(agent: agent)) }

    // MARK: Waiting and teardown

    /// Which directions the last `.wouldBlock` waits for. Neither set means "readable" (libssh2 only reports
    /// directions while an operation is pending). A question only: before waiting, ask `prepareToWait()`.
    public var blockDirections: (read: Bool, write: Bool) {
        guard let handle else { return (true, false) }
        let directions = libssh2_session_block_directions(handle)
        let read = directions & LIBSSH2_SESSION_BLOCK_INBOUND != 0
        let write = directions & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0
        return (read || !write, write)
    }

    /// `blockDirections`, for a caller that is about to wait on the socket: call it then, every time. Until this
    /// call, a read that follows one that found the socket empty returns EAGAIN without a system call; after it, the
    /// next read asks the kernel again (a caller that waited without it would find EAGAIN forever). Waiting for
    /// input, it also acknowledges what came in since our last send (TCP_QUICKACK), which the server's next packet
    /// may be waiting for, and it gives the kernel written bytes it refused while held (`holdingWrites`), asking for
    /// writability while any are left (shim.h, fa_session_prepare_wait).
    public func prepareToWait() -> (read: Bool, write: Bool) {
        let directions = blockDirections
        guard let handle else { return directions }
        let stillHeld = fa_session_prepare_wait(handle, socket, directions.read ? 1 : 0) != 0
        return (directions.read, directions.write || stillHeld)
    }

    /// Runs `body` with the session's packets held and given to the kernel in one write when it returns, so that
    /// packets libssh2 sends one after the other without a wait leave in one TCP segment (and one system call)
    /// instead of one each: over loopback every segment also costs the receiving sshd a wake-up. Packets larger than
    /// the 512-byte hold go out as before. Nothing stays held after `body` unless the kernel refused it, and then
    /// `prepareToWait()` asks for writability (shim.h, "Held writes").
    ///
    /// Inlinable so that each caller gets its own specialisation, not a generic call per libssh2 call.
    @inlinable
    public func holdingWrites<Result>(_ body: () -> Result) -> Result {
        holdWrites()
        defer { releaseWrites() }
        return body()
    }

    /// `holdingWrites` in two halves, for a caller that may end the session with the writes still held: `abort()`
    /// then gives them to the kernel together with the FIN.
    public func holdWrites() {
        if let handle { _ = fa_session_hold_writes(handle, socket, 1) }
    }

    /// Reads the handle again: the work since `holdWrites()` may have aborted the session, which frees it.
    public func releaseWrites() {
        if let handle { _ = fa_session_hold_writes(handle, socket, 0) }
    }

    /// Bytes that can still be held before a send would go to the kernel (0 outside `holdingWrites`): a caller that
    /// adds a small packet of its own to what is held checks this first, so the packet cannot meet a full socket.
    public var heldWriteRoom: Int {
        guard let handle else { return 0 }
        return fa_session_hold_room(handle, socket)
    }

    /// Polite goodbye (SSH_MSG_DISCONNECT). Optional: `abort()` is always safe.
    public func disconnect() -> SSHOperation<Void> {
        guard let handle else { return .done(()) }
        return operation(fa_session_disconnect(handle, "fleet-audit done"), .teardown)
    }

    /// Frees everything at once: shuts the socket down first so no libssh2 call can wait on it, frees the session
    /// (and with it any channel still open), then closes the socket. Idempotent.
    public func abort() {
        if !socketClosed {
            // Held writes (a finished session's close and disconnect) leave with the FIN, in one segment.
            if let handle { fa_session_shutdown(handle, socket) } else { shutdown(socket, Int32(SHUT_RDWR)) }
        }
        // Before the session: an agent left behind would keep its socket open for the life of the process.
        for entry in agents { entry.agent?.release() }
        agents.removeAll()
        if let handle {
            self.handle = nil
            // With the socket shut down, libssh2 cannot be waiting for the network; bound the retries anyway.
            var attempts = 0
            while fa_session_free(handle) == LIBSSH2_ERROR_EAGAIN && attempts < 16 { attempts += 1 }
        }
        if !socketClosed {
            socketClosed = true
            Glibc.close(socket)
        }
    }

    var isFreed: Bool { handle == nil }
}
