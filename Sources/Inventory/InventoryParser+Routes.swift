import FleetCore
import Foundation
import YAMLInput

/// Which ssh_config file an inventory is read with.
public enum SSHConfigChoice: Sendable, Hashable {
    /// The inventory's `defaults.ssh_config` if it has one, else none (the library's default: no hidden input).
    case fromInventory
    /// The inventory's `defaults.ssh_config`, else `~/.ssh/config` when it exists (the CLI without `--ssh-config`).
    case automatic
    /// No ssh_config at all (`--ssh-config none`).
    case none
    /// This file (`--ssh-config FILE`), whatever the inventory says.
    case file(String)

    /// `--ssh-config FILE` or `none` given on the command line: the choice is made and the inventory's is ignored.
    var yieldsToInventory: Bool {
        switch self {
        case .fromInventory, .automatic: return true
        case .none, .file: return false
        }
    }

    /// The command line's spelling: `none` or a file.
    public init(commandLine value: String?) {
        switch value {
        case nil: self = .automatic
        case "none"?: self = .none
        case let path?: self = .file(path)
        }
    }
}

/// How many sessions and TCP connections one bastion carries at once (`defaults.max_sessions_per_bastion`,
/// `defaults.max_connections_per_bastion`); read by the engine when it plans routes through ProxyJump hops.
public struct BastionLimits: Sendable, Hashable {
    /// Channels (`direct-tcpip`, one per host behind it) open at once through one SSH connection to a bastion.
    /// 8 stays under OpenSSH sshd's default `MaxSessions 10`, with room for an operator's own session.
    public var maxSessionsPerBastion = 8
    /// SSH connections open at once to one bastion. 10 is sshd's default `MaxStartups` first number: more
    /// unauthenticated connections at once and sshd starts dropping them.
    public var maxConnectionsPerBastion = 10

    public init(maxSessionsPerBastion: Int = 8, maxConnectionsPerBastion: Int = 10) {
        self.maxSessionsPerBastion = maxSessionsPerBastion
        self.maxConnectionsPerBastion = maxConnectionsPerBastion
    }
}

extension InventoryParser {
    /// A ProxyJump chain longer than this (counting hops a bastion's own ProxyJump adds) is an error: ssh would
    /// start one process per hop without end when a bastion jumps through itself.
    static let maximumJumpHops = 8

    func sshConfigChoice(_ node: YAMLNode) throws(YAMLFileError) -> SSHConfigChoice {
        let value = try node.nonEmptyString()
        return value == "none" ? .none : .file(resolvePath(value))
    }

    /// Reads the chosen ssh_config; nil when none is in use.
    func loadSSHConfig() throws(YAMLFileError) -> (SSHConfig, SSHConfigResolver)? {
        let path: String
        switch sshConfigChoice {
        case .none, .fromInventory:
            return nil
        case .automatic:
            path = homeDirectory + "/.ssh/config"
            guard FileManager.default.fileExists(atPath: path) else { return nil }
        case .file(let file):
            path = file
        }
        let config = try SSHConfig.load(path: path, homeDirectory: homeDirectory)
        return (config, SSHConfigResolver(config: config, homeDirectory: homeDirectory))
    }

    /// Applies ssh_config and the proxy keys to a host built from the inventory.
    ///
    /// Precedence: a key in the host's own entry (`settings.explicit`) wins over ssh_config, which wins over the
    /// inventory's `defaults`. ssh_config is looked up by the host's `address`, what one would type after `ssh`.
    func applyRoute(to host: inout InventoryHost, settings: Settings, defaults: Settings, at node: YAMLNode)
        throws(YAMLFileError)
    {
        let explicit = settings.explicit
        let typed = host.address
        var route: SSHConfigResolver.Route?
        var agent: SSHConfigResolver.Agent?
        if let resolver {
            let resolution = try resolver.resolve(
                host: host.address, user: explicit.contains("user") ? host.user : nil,
                port: explicit.contains("port") ? host.port : nil, fallbackUser: host.user, fallbackPort: host.port)
            host.address = resolution.hostName
            if !explicit.contains("user"), let user = resolution.user { host.user = user }
            if !explicit.contains("port"), let port = resolution.port { host.port = port }
            if !explicit.contains("identity_file"), let files = resolution.identityFiles {
                host.identityFile = files.first
                host.extraIdentityFiles = Array(files.dropFirst())
            }
            if let only = resolution.identitiesOnly { host.identitiesOnly = only }
            agent = resolution.agent
            if !explicit.contains("known_hosts"), let file = resolution.knownHostsFile { host.knownHostsFile = file }
            if !explicit.contains("host_key_checking"), let mode = resolution.hostKeyChecking {
                host.hostKeyChecking = mode
            }
            if !explicit.contains("timeouts.connect"), let seconds = resolution.connectTimeout {
                host.deadlines.connect = Double(seconds)
            }
            if !explicit.contains("proxy_jump"), !explicit.contains("proxy_command") { route = resolution.route }
        }
        applyAgent(agent, useAgent: settings.useAgent, explicit: explicit.contains("use_agent"), to: &host)
        if route == nil {
            if let command = settings.proxyCommand {
                route = .command(
                    (try? SSHConfigResolver.percentExpand(
                        command, tokens: ["h": host.address, "p": String(host.port), "r": host.user, "n": typed]))
                        ?? command)
            } else if let jumps = settings.proxyJump {
                route = jumps.isEmpty ? .direct : .jumps(jumps)
            }
        }
        switch route {
        case .jumps(let specifications)?:
            host.jumps = try hops(specifications, defaults: defaults, depth: 0, for: host.name, at: node)
        case .command(let command)?:
            host.proxyCommand = command
        case .direct?, nil:
            break
        }
    }

    /// IdentityAgent: `none` turns the agent off, a socket or `SSH_AUTH_SOCK` turns it on; `use_agent` in the
    /// host's entry wins, and with neither the agent is used only when no key file is set (fleet-audit's default).
    private func applyAgent(
        _ agent: SSHConfigResolver.Agent?, useAgent: Bool?, explicit: Bool, to host: inout InventoryHost
    ) {
        if !explicit, let agent {
            switch agent {
            case .none: host.useAgent = false
            case .environment: host.useAgent = true
            case .socket(let path):
                host.useAgent = true
                host.agentSocketPath = path
            }
            return
        }
        host.useAgent = useAgent ?? (host.identityFile == nil)
    }

    /// ProxyJump hops as connections, first hop first. Each hop is looked up in ssh_config as `ssh -l USER -p PORT
    /// HOP` would be (its `user@` and `:port` win), falling back to the inventory's defaults; as OpenSSH does, only
    /// the first hop's own ProxyJump or ProxyCommand applies (the later ones are reached through the earlier).
    private func hops(
        _ specifications: [JumpSpecification], defaults: Settings, depth: Int, for name: String, at node: YAMLNode
    ) throws(YAMLFileError) -> [HostConnection] {
        var connections: [HostConnection] = []
        for (index, specification) in specifications.enumerated() {
            var hop = HostConnection(
                name: specification.description, address: specification.host,
                port: specification.port ?? defaults.port, user: specification.user ?? defaults.user,
                authentication: Authentication(
                    identityFile: defaults.identityFile,
                    passphraseEnvironmentVariable: defaults.passphraseEnvironmentVariable,
                    useAgent: defaults.useAgent ?? (defaults.identityFile == nil)),
                knownHostsFile: defaults.knownHostsFile, hostKeyChecking: defaults.hostKeyChecking,
                deadlines: defaults.deadlines)
            if let resolver {
                let resolution = try resolver.resolve(
                    host: specification.host, user: specification.user, port: specification.port,
                    fallbackUser: defaults.user, fallbackPort: defaults.port)
                hop.address = resolution.hostName
                if specification.user == nil, let user = resolution.user { hop.user = user }
                if specification.port == nil, let port = resolution.port { hop.port = port }
                if let files = resolution.identityFiles {
                    hop.authentication.identityFile = files.first
                    hop.authentication.extraIdentityFiles = Array(files.dropFirst())
                    if defaults.useAgent == nil { hop.authentication.useAgent = false }
                }
                if let only = resolution.identitiesOnly { hop.authentication.identitiesOnly = only }
                switch resolution.agent {
                case .none?: hop.authentication.useAgent = false
                case .environment?: hop.authentication.useAgent = true
                case .socket(let path)?:
                    hop.authentication.useAgent = true
                    hop.authentication.agentSocketPath = path
                case nil: break
                }
                if let file = resolution.knownHostsFile { hop.knownHostsFile = file }
                if let mode = resolution.hostKeyChecking { hop.hostKeyChecking = mode }
                if let seconds = resolution.connectTimeout { hop.deadlines.connect = Double(seconds) }
                if index == 0 {
                    switch resolution.route {
                    case .jumps(let inner)?:
                        guard depth + specifications.count + inner.count <= Self.maximumJumpHops else {
                            let location = resolution.routeLine.map { "\($0.file):\($0.line): " } ?? ""
                            let inner = inner.map(\.description).joined(separator: ",")
                            throw node.error(
                                "host '\(name)': the ProxyJump chain through \(specification) is longer than "
                                    + "\(Self.maximumJumpHops) hops (\(location)ProxyJump \(inner)); "
                                    + "does a bastion jump through itself?")
                        }
                        connections = try hops(
                            inner, defaults: defaults, depth: depth + specifications.count, for: name, at: node)
                    case .command(let command)?:
                        hop.proxyCommand = command
                    case .direct?, nil:
                        break
                    }
                }
            }
            connections.append(hop)
        }
        return connections
    }
}
