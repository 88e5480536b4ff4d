import CLibSSH2

/// An ssh-agent connection for one session (libssh2 agents belong to a session). The agent socket is local and
/// libssh2 talks to it blocking; the SSH side of each attempt is non-blocking like every other operation.
public final class SSHAgent {
    private var handle: OpaquePointer?
    private let session: SSHSession
    private var identities: [UnsafeMutablePointer<libssh2_agent_publickey>] = []

    /// Connects to the agent at `socketPath` (normally `$SSH_AUTH_SOCK`) and lists its keys.
    public init(session: SSHSession, socketPath: String) throws(SSHError) {
        self.session = session
        guard let sessionHandle = session.rawHandle, let agent = libssh2_agent_init(sessionHandle) else {
            throw SSHError(code: .authentication, message: "cannot create an ssh-agent client")
        }
        handle = agent
        session.register(self)
        libssh2_agent_set_identity_path(agent, socketPath)
        guard libssh2_agent_connect(agent) == 0 else {
            release()
            throw SSHError(code: .authentication, message: "cannot connect to ssh-agent at \(socketPath)")
        }
        guard libssh2_agent_list_identities(agent) == 0 else {
            release()
            throw SSHError(code: .authentication, message: "ssh-agent at \(socketPath) did not list its keys")
        }
        var previous: UnsafeMutablePointer<libssh2_agent_publickey>?
        while true {
            var next: UnsafeMutablePointer<libssh2_agent_publickey>?
            guard libssh2_agent_get_identity(agent, &next, previous) == 0, let identity = next else { break }
            identities.append(identity)
            previous = identity
        }
    }

    deinit { release() }

    /// Closes the agent socket and frees the agent. Called by the agent's deinit or, first, by its session's
    /// `abort()`: libssh2 frees an agent with its session's allocator, so it must go before the session (skipping it
    /// once the session was gone is how failed authentications used to leak one agent socket each).
    func release() {
        guard let handle else { return }
        self.handle = nil
        identities.removeAll()
        _ = libssh2_agent_disconnect(handle)
        libssh2_agent_free(handle)
    }

    /// How many keys the agent offers.
    public var identityCount: Int { identities.count }

    /// The comment of key `index` (often the file it came from), for messages.
    public func identityComment(_ index: Int) -> String {
        guard identities.indices.contains(index), let comment = identities[index].pointee.comment else { return "" }
        return String(cString: comment)
    }

    /// The public key blob of key `index` (RFC 4253 §6.6), to match it against an identity file's `.pub`.
    public func identityBlob(_ index: Int) -> [UInt8] {
        guard identities.indices.contains(index), let blob = identities[index].pointee.blob else { return [] }
        return Array(UnsafeBufferPointer(start: blob, count: identities[index].pointee.blob_len))
    }

    /// Tries key `index` for `user`.
    public func authenticate(user: String, identity index: Int) -> SSHOperation<Void> {
        guard let handle, !session.isFreed, identities.indices.contains(index) else {
            return .failed(SSHError(code: .authentication, message: "agent closed"))
        }
        return session.operation(libssh2_agent_userauth(handle, user, identities[index]), .authentication)
    }
}
