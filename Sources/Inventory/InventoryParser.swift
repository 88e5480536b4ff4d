import FleetCore
import Foundation
import YAMLInput

/// Turns inventory YAML into `Inventory`, validating every field. See inventory/README.md for the format.
struct InventoryParser {
    let file: String
    let baseDirectory: String
    /// Which ssh_config to read (the command line's `--ssh-config`, or what the inventory and the home folder say).
    var sshConfigChoice: SSHConfigChoice = .fromInventory
    /// `~` and the home folder's `.ssh/config`.
    var homeDirectory: String = NSHomeDirectory()

    private static let topKeys: Set<String> = ["defaults", "groups", "hosts", "ec2_instances", "ansible_inventory"]
    private static let ec2Keys: Set<String> = ["file", "name_tag", "address", "tags"]
    private static let ansibleKeys: Set<String> = ["file", "group"]
    private static let connectionKeys: Set<String> = [
        "user", "port", "identity_file", "passphrase_env", "use_agent", "known_hosts", "host_key_checking", "metadata",
        "timeouts", "redis", "tags", "become", "proxy_jump", "proxy_command",
    ]
    /// Inventory-wide settings: meaningful once, not per host.
    private static let defaultsOnlyKeys: Set<String> = [
        "ssh_config", "max_sessions_per_bastion", "max_connections_per_bastion",
    ]
    private static let hostKeys = connectionKeys.union(["name", "address", "groups", "vpc_id", "security_group_ids"])
    private static let redisKeys: Set<String> = ["port", "password_env", "password_file", "username"]
    private static let timeoutKeys: Set<String> = ["connect", "handshake", "auth", "command", "host"]

    /// Settings a host inherits from `defaults` unless it sets its own.
    struct Settings {
        var user = "ec2-user"
        var port = 22
        var identityFile: String?
        var passphraseEnvironmentVariable: String?
        var useAgent: Bool?
        var knownHostsFile: String? = NSString(string: "~/.ssh/known_hosts").expandingTildeInPath
        var hostKeyChecking = HostKeyChecking.strict
        var metadata = MetadataEndpoint.ec2Default
        var deadlines = PhaseDeadlines()
        var redis: [RedisInstanceSpec] = []
        var tags: [String: String] = [:]
        var become = Become.none
        /// `proxy_jump`, first hop first; nil when not set.
        var proxyJump: [JumpSpecification]?
        /// `proxy_command`, `%` tokens not yet expanded; nil when not set.
        var proxyCommand: String?
        /// Keys set at this level (the host's own entry, or an Ansible host's variables), which win over
        /// ssh_config; `timeouts.connect` for a connect deadline. Empty for `defaults`, which ssh_config overrides.
        var explicit: Set<String> = []
    }

    func parse(_ text: String) throws(YAMLFileError) -> Inventory {
        let root = try YAMLNode.parse(text, file: file)
        let top = try root.mapping(allowedKeys: Self.topKeys)
        var defaults = Settings()
        var bastionLimits = BastionLimits()
        var parser = self
        if let node = top["defaults"], !node.isNull {
            let fields = try node.mapping(allowedKeys: Self.connectionKeys.union(Self.defaultsOnlyKeys))
            defaults = try settings(from: fields, inheriting: defaults)
            defaults.explicit = []
            if let node = fields["max_sessions_per_bastion"] {
                bastionLimits.maxSessionsPerBastion = try node.integer(in: 1...1024)
            }
            if let node = fields["max_connections_per_bastion"] {
                bastionLimits.maxConnectionsPerBastion = try node.integer(in: 1...4096)
            }
            // The command line's --ssh-config wins over the inventory's, which wins over ~/.ssh/config.
            if let node = fields["ssh_config"], sshConfigChoice.yieldsToInventory {
                parser.sshConfigChoice = try sshConfigChoice(node)
            }
        }
        let loaded = try parser.loadSSHConfig()
        let sshConfig = loaded?.0
        parser.resolver = loaded?.1
        return try parser.parseHosts(
            top: top, root: root, defaults: defaults, bastionLimits: bastionLimits, sshConfig: sshConfig)
    }

    /// Set once the ssh_config is read; nil when none is in use.
    var resolver: SSHConfigResolver?

    private func parseHosts(
        top: [String: YAMLNode], root: YAMLNode, defaults: Settings, bastionLimits: BastionLimits,
        sshConfig: SSHConfig?
    ) throws(YAMLFileError) -> Inventory {
        guard top["hosts"] != nil || top["ec2_instances"] != nil || top["ansible_inventory"] != nil else {
            throw root.error("missing 'hosts': list the hosts to audit (see inventory/example.yaml)")
        }
        var hosts: [InventoryHost] = []
        var lineOfName: [String: Int?] = [:]
        func add(_ host: InventoryHost, at node: YAMLNode) throws(YAMLFileError) {
            if let firstLine = lineOfName[host.name] {
                let previous = firstLine.map { " (first at line \($0))" } ?? ""
                throw node.error("host name '\(host.name)' is used twice\(previous)")
            }
            lineOfName[host.name] = host.line
            hosts.append(host)
        }
        if let hostsNode = top["hosts"] {
            for item in try hostsNode.sequence() { try add(try self.host(from: item, defaults: defaults), at: item) }
        }
        if let sourcesNode = top["ec2_instances"] {
            for item in try sourcesNode.sequence() {
                for host in try ec2Hosts(from: item, defaults: defaults) { try add(host, at: item) }
            }
        }
        if let sourcesNode = top["ansible_inventory"] {
            for item in try sourcesNode.sequence() {
                for host in try ansibleHosts(from: item, defaults: defaults) { try add(host, at: item) }
            }
        }
        if hosts.isEmpty { throw root.error("the inventory selects no hosts") }
        if let groupsNode = top["groups"], !groupsNode.isNull {
            try applyGroups(groupsNode, to: &hosts)
        }
        var inventory = Inventory(sourcePath: file, digest: "", hosts: hosts)
        inventory.bastionLimits = bastionLimits
        inventory.sshConfigPath = sshConfig?.path
        inventory.warnings = sshConfig?.warnings ?? []
        return inventory
    }

    private func host(from node: YAMLNode, defaults: Settings) throws(YAMLFileError) -> InventoryHost {
        let fields = try node.mapping(allowedKeys: Self.hostKeys)
        guard let nameNode = fields["name"] else { throw node.error("every host needs a 'name'") }
        let name = try nameNode.nonEmptyString()
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }),
            !name.hasPrefix(".")
        else {
            // Host names become file names in the run directory: keep them to a safe alphabet.
            throw nameNode.error("'\(name)' may use only letters, digits, '.', '_' and '-', and not start with '.'")
        }
        guard let addressNode = fields["address"] else { throw node.error("host '\(name)' needs an 'address'") }
        let address = try addressNode.nonEmptyString()
        var settings = try self.settings(from: fields, inheriting: defaults)
        settings.explicit = Set(fields.keys)
        if let timeouts = fields["timeouts"], case .mapping(let mapping) = timeouts.node,
            mapping.keys.contains(where: { $0.string == "connect" })
        {
            settings.explicit.insert("timeouts.connect")
        }
        var groups: [String] = []
        if let groupsNode = fields["groups"] { groups = try groupsNode.stringList() }
        var securityGroups: [String] = []
        if let node = fields["security_group_ids"] { securityGroups = try node.stringList() }
        var host = InventoryHost(
            name: name, address: address, port: settings.port, user: settings.user,
            identityFile: settings.identityFile, passphraseEnvironmentVariable: settings.passphraseEnvironmentVariable,
            useAgent: settings.useAgent ?? (settings.identityFile == nil),
            knownHostsFile: settings.knownHostsFile, hostKeyChecking: settings.hostKeyChecking,
            deadlines: settings.deadlines, tags: settings.tags, groups: groups, redis: settings.redis,
            metadata: settings.metadata, vpcID: try fields["vpc_id"]?.nonEmptyString(),
            securityGroupIDs: securityGroups, line: node.line, become: settings.become)
        try applyRoute(to: &host, settings: settings, defaults: defaults, at: node)
        return host
    }

    /// Hosts from an `ec2_instances` entry: `aws ec2 describe-instances` output plus the inventory's defaults.
    private func ec2Hosts(from node: YAMLNode, defaults: Settings) throws(YAMLFileError) -> [InventoryHost] {
        let fields = try node.mapping(allowedKeys: Self.ec2Keys)
        guard let fileNode = fields["file"] else {
            throw node.error("needs 'file': the JSON that `aws ec2 describe-instances` printed")
        }
        let source = EC2InstancesSource(
            file: resolvePath(try fileNode.nonEmptyString()),
            nameTag: try fields["name_tag"]?.nonEmptyString() ?? "Name",
            useAddress: try fields["address"]?.oneOf(EC2InstancesSource.AddressKind.self) ?? .private,
            requiredTags: try fields["tags"]?.stringMap() ?? [:])
        return try source.instances().map { (instance) throws(YAMLFileError) in
            var host = InventoryHost(
                name: instance.name, address: instance.address, port: defaults.port, user: defaults.user,
                identityFile: defaults.identityFile,
                passphraseEnvironmentVariable: defaults.passphraseEnvironmentVariable,
                useAgent: defaults.useAgent ?? (defaults.identityFile == nil), knownHostsFile: defaults.knownHostsFile,
                hostKeyChecking: defaults.hostKeyChecking, deadlines: defaults.deadlines,
                tags: defaults.tags.merging(instance.tags) { $1 }, groups: [], redis: defaults.redis,
                metadata: defaults.metadata, vpcID: instance.vpcID, securityGroupIDs: instance.securityGroupIDs,
                line: node.line, become: defaults.become)
            try applyRoute(to: &host, settings: defaults, defaults: defaults, at: node)
            return host
        }
    }

    /// Hosts from an `ansible_inventory` entry: an Ansible YAML inventory plus the inventory's defaults.
    private func ansibleHosts(from node: YAMLNode, defaults: Settings) throws(YAMLFileError) -> [InventoryHost] {
        let fields = try node.mapping(allowedKeys: Self.ansibleKeys)
        guard let fileNode = fields["file"] else {
            throw node.error("needs 'file': an Ansible inventory (YAML, INI, or ansible-inventory --list JSON)")
        }
        let source = AnsibleInventorySource(
            file: resolvePath(try fileNode.nonEmptyString()), group: try fields["group"]?.nonEmptyString() ?? "all")
        return try source.hosts().map { (host) throws(YAMLFileError) in
            var settings = defaults
            settings.explicit = host.explicitKeys
            if let jumps = host.proxyJump { settings.proxyJump = jumps }
            if let command = host.proxyCommand { settings.proxyCommand = command }
            var built = InventoryHost(
                name: host.name, address: host.address, port: host.port ?? defaults.port,
                user: host.user ?? defaults.user,
                identityFile: host.identityFile.map(resolvePath) ?? defaults.identityFile,
                passphraseEnvironmentVariable: defaults.passphraseEnvironmentVariable,
                useAgent: defaults.useAgent ?? ((host.identityFile ?? defaults.identityFile) == nil),
                knownHostsFile: defaults.knownHostsFile, hostKeyChecking: defaults.hostKeyChecking,
                deadlines: defaults.deadlines, tags: defaults.tags.merging(host.tags) { $1 }, groups: host.groups,
                redis: defaults.redis, metadata: defaults.metadata, vpcID: nil, securityGroupIDs: [], line: host.line,
                become: host.become ?? defaults.become)
            try applyRoute(to: &built, settings: settings, defaults: defaults, at: node)
            return built
        }
    }

    private func settings(from fields: [String: YAMLNode], inheriting inherited: Settings) throws(YAMLFileError)
        -> Settings
    {
        var settings = inherited
        if let node = fields["user"] { settings.user = try node.nonEmptyString() }
        if let node = fields["port"] { settings.port = try node.integer(in: 1...65535) }
        if let node = fields["identity_file"] { settings.identityFile = resolvePath(try node.nonEmptyString()) }
        if let node = fields["passphrase_env"] {
            settings.passphraseEnvironmentVariable = try environmentVariableName(node)
        }
        if let node = fields["use_agent"] { settings.useAgent = try node.bool() }
        if let node = fields["known_hosts"] { settings.knownHostsFile = resolvePath(try node.nonEmptyString()) }
        if let node = fields["host_key_checking"] { settings.hostKeyChecking = try node.oneOf(HostKeyChecking.self) }
        if let node = fields["become"] { settings.become = try node.oneOf(Become.self) }
        if let node = fields["metadata"] { settings.metadata = try metadataEndpoint(node) }
        if let node = fields["timeouts"] { settings.deadlines = try deadlines(node, inheriting: settings.deadlines) }
        if let node = fields["redis"] { settings.redis = try redisInstances(node) }
        if let node = fields["tags"] { settings.tags = inherited.tags.merging(try node.stringMap()) { $1 } }
        if let node = fields["proxy_jump"] {
            let text = try node.nonEmptyString()
            if text.lowercased() == "none" {
                settings.proxyJump = []
            } else {
                do {
                    settings.proxyJump = try JumpSpecification.list(text)
                } catch {
                    throw node.error(error.message)
                }
            }
            settings.proxyCommand = nil
        }
        if let node = fields["proxy_command"] {
            if fields["proxy_jump"] != nil { throw node.error("set proxy_jump or proxy_command, not both") }
            let command = try node.nonEmptyString()
            do {
                // Checked here so that an unknown token is reported at its line, not when a host is built.
                _ = try SSHConfigResolver.percentExpand(command, tokens: ["h": "", "p": "", "r": "", "n": ""])
            } catch {
                throw node.error(error.message + "; write %% for a literal %")
            }
            settings.proxyCommand = command.lowercased() == "none" ? nil : command
            settings.proxyJump = command.lowercased() == "none" ? [] : nil
        }
        return settings
    }

    private func environmentVariableName(_ node: YAMLNode) throws(YAMLFileError) -> String {
        let name = try node.nonEmptyString()
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw node.error("'\(name)' is not an environment variable name (name the variable, never the secret)")
        }
        return name
    }

    private func metadataEndpoint(_ node: YAMLNode) throws(YAMLFileError) -> MetadataEndpoint {
        let text = try node.string()
        if ["off", "false", "no", "none"].contains(text.lowercased()) { return .off }
        guard text.hasPrefix("http://"), text.count > "http://".count else {
            throw node.error("expected 'off' or an http:// URL of the instance metadata service, found '\(text)'")
        }
        return .url(text.hasSuffix("/") ? String(text.dropLast()) : text)
    }

    private func deadlines(_ node: YAMLNode, inheriting inherited: PhaseDeadlines) throws(YAMLFileError)
        -> PhaseDeadlines
    {
        let fields = try node.mapping(allowedKeys: Self.timeoutKeys)
        var deadlines = inherited
        let seconds: ClosedRange<Double> = 0.1...86_400
        if let node = fields["connect"] { deadlines.connect = try node.double(in: seconds) }
        if let node = fields["handshake"] { deadlines.handshake = try node.double(in: seconds) }
        if let node = fields["auth"] { deadlines.authentication = try node.double(in: seconds) }
        if let node = fields["command"] { deadlines.command = try node.double(in: seconds) }
        if let node = fields["host"] { deadlines.host = try node.double(in: seconds) }
        return deadlines
    }

    private func redisInstances(_ node: YAMLNode) throws(YAMLFileError) -> [RedisInstanceSpec] {
        var instances: [RedisInstanceSpec] = []
        for item in try node.sequence() {
            let fields = try item.mapping(allowedKeys: Self.redisKeys)
            guard let portNode = fields["port"] else { throw item.error("each redis instance needs a 'port'") }
            let port = try portNode.integer(in: 1...65535)
            if instances.contains(where: { $0.port == port }) { throw portNode.error("port \(port) is listed twice") }
            var spec = RedisInstanceSpec(port: port)
            if let node = fields["password_env"] {
                spec.passwordEnvironmentVariable = try environmentVariableName(node)
            }
            if let node = fields["password_file"] { spec.passwordFile = resolvePath(try node.nonEmptyString()) }
            if spec.passwordEnvironmentVariable != nil, spec.passwordFile != nil {
                throw item.error("set password_env or password_file, not both")
            }
            if let node = fields["username"] { spec.username = try node.nonEmptyString() }
            instances.append(spec)
        }
        return instances
    }

    private func applyGroups(_ node: YAMLNode, to hosts: inout [InventoryHost]) throws(YAMLFileError) {
        for (group, members) in try node.mappingEntries() {
            for member in try members.sequence() {
                let name = try member.nonEmptyString()
                guard let index = hosts.firstIndex(where: { $0.name == name }) else {
                    throw member.error("group '\(group)' names host '\(name)', which the inventory does not list")
                }
                if !hosts[index].groups.contains(group) { hosts[index].groups.append(group) }
            }
        }
    }

    /// `~` expands to the home directory; relative paths are relative to the inventory file's folder.
    func resolvePath(_ path: String) -> String {
        let expanded = NSString(string: path).expandingTildeInPath
        if expanded.hasPrefix("/") { return expanded }
        return (NSString(string: baseDirectory).appendingPathComponent(expanded) as NSString).standardizingPath
    }
}
