/// Everything the engine needs to reach one host and run one command there.
///
/// Built from an inventory host; a value, so it crosses threads freely.
public struct HostConnection: Sendable, Hashable, Codable {
    /// The inventory name, used in every result and report.
    public var name: String
    /// IP address or DNS name to connect to.
    public var address: String
    public var port: Int
    public var user: String
    public var authentication: Authentication
    /// OpenSSH known_hosts file used to verify (and, in `acceptNew`, record) host keys.
    public var knownHostsFile: String?
    public var hostKeyChecking: HostKeyChecking
    public var deadlines: PhaseDeadlines
    /// Bastions to pass through, first hop first (OpenSSH's ProxyJump): each is reached, verified and authenticated
    /// like any host, and carries the next hop's connection in a `direct-tcpip` channel. Empty: a direct route.
    public var jumps: [HostConnection]
    /// A command whose standard input and output carry the SSH connection (OpenSSH's ProxyCommand, `%h %p %r %n %%`
    /// already expanded), e.g. an AWS Systems Manager session. Nil: no proxy command. Never together with `jumps`.
    public var proxyCommand: String?

    public init(
        name: String, address: String, port: Int = 22, user: String,
        authentication: Authentication, knownHostsFile: String? = nil,
        hostKeyChecking: HostKeyChecking = .strict, deadlines: PhaseDeadlines = PhaseDeadlines(),
        jumps: [HostConnection] = [], proxyCommand: String? = nil
    ) {
        self.name = name
        self.address = address
        self.port = port
        self.user = user
        self.authentication = authentication
        self.knownHostsFile = knownHostsFile
        self.hostKeyChecking = hostKeyChecking
        self.deadlines = deadlines
        self.jumps = jumps
        self.proxyCommand = proxyCommand
    }
}

/// How the engine proves who it is. Never a password: keys or an agent only.
public struct Authentication: Sendable, Hashable, Codable {
    /// Private key file (ed25519, ecdsa or rsa). Tried before the agent when both are set.
    public var identityFile: String?
    /// Name of an environment variable (on the auditor's side) holding the key's passphrase.
    /// The name is stored, never the value.
    public var passphraseEnvironmentVariable: String?
    /// Whether to try the ssh-agent at `SSH_AUTH_SOCK`.
    public var useAgent: Bool
    /// Further key files (ssh_config's later `IdentityFile` lines), tried in order after `identityFile`.
    public var extraIdentityFiles: [String]
    /// OpenSSH's IdentitiesOnly: offer only the configured key files, never the agent's other keys.
    public var identitiesOnly: Bool
    /// OpenSSH's IdentityAgent: the agent socket for this host; nil means the engine's default (`SSH_AUTH_SOCK`).
    public var agentSocketPath: String?

    public init(
        identityFile: String? = nil, passphraseEnvironmentVariable: String? = nil, useAgent: Bool = false,
        extraIdentityFiles: [String] = [], identitiesOnly: Bool = false, agentSocketPath: String? = nil
    ) {
        self.identityFile = identityFile
        self.passphraseEnvironmentVariable = passphraseEnvironmentVariable
        self.useAgent = useAgent
        self.extraIdentityFiles = extraIdentityFiles
        self.identitiesOnly = identitiesOnly
        self.agentSocketPath = agentSocketPath
    }
}

/// What to do with the host key a server presents (OpenSSH's StrictHostKeyChecking, by another name).
public enum HostKeyChecking: String, Sendable, Hashable, Codable, CaseIterable {
    /// Unknown or changed keys refuse the host. The default.
    case strict
    /// Unknown keys are recorded in the known_hosts file; changed keys refuse the host.
    case acceptNew = "accept-new"
    /// No verification at all; every output says so.
    case off
}

/// Deadlines, in seconds, for every phase of one host's session. No phase may wait forever.
public struct PhaseDeadlines: Sendable, Hashable, Codable {
    public var connect: Double
    public var handshake: Double
    public var authentication: Double
    public var command: Double
    /// Upper bound on the whole host, from first connect to last byte.
    public var host: Double

    public init(
        connect: Double = 10, handshake: Double = 15, authentication: Double = 15, command: Double = 60,
        host: Double = 120
    ) {
        self.connect = connect
        self.handshake = handshake
        self.authentication = authentication
        self.command = command
        self.host = host
    }
}
