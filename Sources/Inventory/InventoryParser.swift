import FleetCore
import Foundation

/// Turns inventory YAML into `Inventory`, validating every field. See inventory/README.md for the format.
struct InventoryParser {
    let file: String
    let baseDirectory: String

    private static let topKeys: Set<String> = ["defaults", "groups", "hosts", "ec2_instances", "ansible_inventory"]
    private static let ec2Keys: Set<String> = ["file", "name_tag", "address", "tags"]
    private static let ansibleKeys: Set<String> = ["file", "group"]
    private static let connectionKeys: Set<String> = [
        "user", "port", "identity_file", "passphrase_env", "use_agent", "known_hosts", "host_key_checking", "metadata",
        "timeouts", "redis", "tags", "become",
    ]
    private static let hostKeys = connectionKeys.union(["name", "address", "groups", "vpc_id", "security_group_ids"])
    private static let redisKeys: Set<String> = ["port", "password_env", "password_file", "username"]
    private static let timeoutKeys: Set<String> = ["connect", "handshake", "auth", "command", "host"]

    /// Settings a host inherits from `defaults` unless it sets its own.
    private struct Settings {
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
    }

    func parse(_ text: String) throws(YAMLFileError) -> Inventory {
        let root = try YAMLNode.parse(text, file: file)
        let top = try root.mapping(allowedKeys: Self.topKeys)
        var defaults = Settings()
        if let node = top["defaults"], !node.isNull {
            defaults = try settings(from: node.mapping(allowedKeys: Self.connectionKeys), inheriting: defaults)
        }
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
        return Inventory(sourcePath: file, digest: "", hosts: hosts)
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
        let settings = try self.settings(from: fields, inheriting: defaults)
        var groups: [String] = []
        if let groupsNode = fields["groups"] { groups = try groupsNode.stringList() }
        var securityGroups: [String] = []
        if let node = fields["security_group_ids"] { securityGroups = try node.stringList() }
        return InventoryHost(
            name: name, address: address, port: settings.port, user: settings.user,
            identityFile: settings.identityFile, passphraseEnvironmentVariable: settings.passphraseEnvironmentVariable,
            useAgent: settings.useAgent ?? (settings.identityFile == nil),
            knownHostsFile: settings.knownHostsFile, hostKeyChecking: settings.hostKeyChecking,
            deadlines: settings.deadlines, tags: settings.tags, groups: groups, redis: settings.redis,
            metadata: settings.metadata, vpcID: try fields["vpc_id"]?.nonEmptyString(),
            securityGroupIDs: securityGroups, line: node.line, become: settings.become)
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
        return try source.instances().map { instance in
            InventoryHost(
                name: instance.name, address: instance.address, port: defaults.port, user: defaults.user,
                identityFile: defaults.identityFile,
                passphraseEnvironmentVariable: defaults.passphraseEnvironmentVariable,
                useAgent: defaults.useAgent ?? (defaults.identityFile == nil), knownHostsFile: defaults.knownHostsFile,
                hostKeyChecking: defaults.hostKeyChecking, deadlines: defaults.deadlines,
                tags: defaults.tags.merging(instance.tags) { $1 }, groups: [], redis: defaults.redis,
                metadata: defaults.metadata, vpcID: instance.vpcID, securityGroupIDs: instance.securityGroupIDs,
                line: node.line, become: defaults.become)
        }
    }

    /// Hosts from an `ansible_inventory` entry: an Ansible YAML inventory plus the inventory's defaults.
    private func ansibleHosts(from node: YAMLNode, defaults: Settings) throws(YAMLFileError) -> [InventoryHost] {
        let fields = try node.mapping(allowedKeys: Self.ansibleKeys)
        guard let fileNode = fields["file"] else { throw node.error("needs 'file': an Ansible inventory in YAML") }
        let source = AnsibleInventorySource(
            file: resolvePath(try fileNode.nonEmptyString()), group: try fields["group"]?.nonEmptyString() ?? "all")
        return try source.hosts().map { host in
            InventoryHost(
                name: host.name, address: host.address, port: host.port ?? defaults.port,
                user: host.user ?? defaults.user,
                identityFile: host.identityFile.map(resolvePath) ?? defaults.identityFile,
                passphraseEnvironmentVariable: defaults.passphraseEnvironmentVariable,
                useAgent: defaults.useAgent ?? ((host.identityFile ?? defaults.identityFile) == nil),
                knownHostsFile: defaults.knownHostsFile, hostKeyChecking: defaults.hostKeyChecking,
                deadlines: defaults.deadlines, tags: defaults.tags.merging(host.tags) { $1 }, groups: host.groups,
                redis: defaults.redis, metadata: defaults.metadata, vpcID: nil, securityGroupIDs: [], line: host.line,
                become: defaults.become)
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
    private func resolvePath(_ path: String) -> String {
        let expanded = NSString(string: path).expandingTildeInPath
        if expanded.hasPrefix("/") { return expanded }
        return (NSString(string: baseDirectory).appendingPathComponent(expanded) as NSString).standardizingPath
    }
}
