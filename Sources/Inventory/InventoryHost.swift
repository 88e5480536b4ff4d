import FleetCore
import Foundation

/// One host of the inventory, with defaults already applied and paths resolved.
public struct InventoryHost: Sendable, Hashable {
    public var name: String
    public var address: String
    public var port: Int
    public var user: String
    /// Absolute path of the private key file, if any.
    public var identityFile: String?
    /// Environment variable holding the key's passphrase (the name only; the value is read when connecting).
    public var passphraseEnvironmentVariable: String?
    /// Whether to try ssh-agent (`SSH_AUTH_SOCK`).
    public var useAgent: Bool
    /// ssh_config's further `IdentityFile`s, tried after `identityFile`, in order.
    public var extraIdentityFiles: [String] = []
    /// ssh_config's `IdentitiesOnly`: offer only the key files, not every key the agent holds.
    public var identitiesOnly = false
    /// ssh_config's `IdentityAgent` socket; nil for `SSH_AUTH_SOCK`.
    public var agentSocketPath: String?
    public var knownHostsFile: String?
    public var hostKeyChecking: HostKeyChecking
    public var deadlines: PhaseDeadlines
    public var tags: [String: String]
    public var groups: [String]
    /// Redis instances the inventory expects on this host (running ones are also discovered).
    public var redis: [RedisInstanceSpec]
    public var metadata: MetadataEndpoint
    public var vpcID: String?
    public var securityGroupIDs: [String]
    /// Line of the host's entry in the inventory file, for messages.
    public var line: Int?
    /// How reads that need privilege run (config files, /proc of redis-server, `ss -p`, firewall rules).
    public var become: Become = .none
    /// Bastions (ProxyJump) and proxy command (ProxyCommand) of the route to this host; see `HostConnection`.
    public var jumps: [HostConnection] = []
    public var proxyCommand: String?

    /// What the engine needs to reach this host.
    public var connection: HostConnection {
        HostConnection(
            name: name, address: address, port: port, user: user,
            authentication: Authentication(
                identityFile: identityFile, passphraseEnvironmentVariable: passphraseEnvironmentVariable,
                useAgent: useAgent, extraIdentityFiles: extraIdentityFiles, identitiesOnly: identitiesOnly,
                agentSocketPath: agentSocketPath),
            knownHostsFile: knownHostsFile, hostKeyChecking: hostKeyChecking, deadlines: deadlines, jumps: jumps,
            proxyCommand: proxyCommand)
    }

    /// Who this host is, as snapshots and reports name it.
    public var identity: HostIdentity {
        HostIdentity(
            name: name, address: address, port: port, tags: tags, groups: groups, vpcID: vpcID,
            securityGroupIDs: securityGroupIDs)
    }
}

/// A Redis instance listed in the inventory, with where its password comes from (never the password itself).
public struct RedisInstanceSpec: Sendable, Hashable {
    public var port: Int
    /// Environment variable on the auditor's side that holds the password.
    public var passwordEnvironmentVariable: String?
    /// File on the auditor's side whose first line is the password.
    public var passwordFile: String?
    /// ACL user name (Redis 6+), when not `default`.
    public var username: String?

    public init(
        port: Int, passwordEnvironmentVariable: String? = nil, passwordFile: String? = nil, username: String? = nil
    ) {
        self.port = port
        self.passwordEnvironmentVariable = passwordEnvironmentVariable
        self.passwordFile = passwordFile
        self.username = username
    }

    /// Reads the password from its reference. `nil` when the instance has no password reference.
    /// - Throws: `SecretError` naming the variable or file (never the value) when the reference cannot be read.
    public func resolvePassword(environment: [String: String] = ProcessInfo.processInfo.environment) throws(SecretError)
        -> String?
    {
        if let variable = passwordEnvironmentVariable {
            guard let value = environment[variable], !value.isEmpty else {
                throw SecretError(
                    reference: "environment variable \(variable)",
                    message:
                        "is not set; export it before running fleet-audit (the inventory names it for port \(port))")
            }
            return value
        }
        if let file = passwordFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw SecretError(reference: "file \(file)", message: "cannot be read (port \(port))")
            }
            let firstLine = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            guard !firstLine.isEmpty else { throw SecretError(reference: "file \(file)", message: "is empty") }
            return firstLine
        }
        return nil
    }
}

/// A secret reference that could not be resolved. Names the reference, never a value.
public struct SecretError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reference: String
    public var message: String
    public var description: String { "\(reference) \(message)" }
}

/// Where the collector asks for EC2 instance metadata, or that it must not ask at all.
public enum MetadataEndpoint: Sendable, Hashable {
    /// Never contact a metadata service (hosts not on EC2, loopback tests).
    case off
    /// Base URL of the IMDS, normally `http://169.254.169.254`.
    case url(String)

    public static let ec2Default = MetadataEndpoint.url("http://169.254.169.254")
}
