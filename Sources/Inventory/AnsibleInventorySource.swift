import FleetCore

/// Hosts read from an Ansible inventory in YAML form (`all:` / `hosts:` / `children:` / `vars:`).
///
/// Group variables apply from the outermost group inwards and host variables last, as Ansible does. The connection
/// variables Ansible defines (`ansible_host`, `ansible_port`, `ansible_user`, `ansible_ssh_private_key_file`) map to
/// the inventory's fields; `fleet_audit_tags` (a mapping) adds tags. Everything else keeps the inventory's defaults.
struct AnsibleInventorySource {
    var file: String
    /// Only hosts that belong (directly or through children) to this group; `all` by default.
    var group: String

    struct Host {
        var name: String
        var address: String
        var port: Int?
        var user: String?
        var identityFile: String?
        var tags: [String: String]
        var groups: [String]
        var line: Int?
        /// `-J` / `-o ProxyJump=` in `ansible_ssh_common_args` or `ansible_ssh_extra_args`.
        var proxyJump: [JumpSpecification]? = nil
        /// `-o ProxyCommand=` there.
        var proxyCommand: String? = nil
        /// `ansible_become: true` is sudo (Ansible's default become method).
        var become: Become? = nil

        /// The inventory keys these variables set, which win over ssh_config as a host entry's own keys do.
        var explicitKeys: Set<String> {
            var keys: Set<String> = []
            if port != nil { keys.insert("port") }
            if user != nil { keys.insert("user") }
            if identityFile != nil { keys.insert("identity_file") }
            if proxyJump != nil { keys.insert("proxy_jump") }
            if proxyCommand != nil { keys.insert("proxy_command") }
            return keys
        }
    }

    private struct Variables {
        var values: [String: YAMLNode] = [:]

        func merged(with other: [String: YAMLNode]) -> Variables {
            Variables(values: values.merging(other) { $1 })
        }
    }

    private struct Collected {
        var order: [String] = []
        var hostNodes: [String: YAMLNode] = [:]
        var variables: [String: Variables] = [:]
        var groups: [String: [String]] = [:]
    }

    func hosts() throws(YAMLFileError) -> [Host] {
        let root = try YAMLNode.load(path: file)
        var collected = Collected()
        for (groupName, groupNode) in try root.mappingEntries() {
            try walk(group: groupName, node: groupNode, inherited: Variables(), ancestors: [], into: &collected)
        }
        var result: [Host] = []
        for name in collected.order {
            let groups = collected.groups[name, default: []]
            guard group == "all" || groups.contains(group) else { continue }
            let variables = collected.variables[name, default: Variables()].values
            let address = try variables["ansible_host"]?.nonEmptyString() ?? name
            var tags: [String: String] = [:]
            if let node = variables["fleet_audit_tags"] { tags = try node.stringMap() }
            result.append(
                Host(
                    name: EC2InstancesSource.safeName(name), address: address,
                    port: try variables["ansible_port"]?.integer(in: 1...65535),
                    user: try variables["ansible_user"]?.nonEmptyString(),
                    identityFile: try variables["ansible_ssh_private_key_file"]?.nonEmptyString(),
                    tags: tags, groups: groups.filter { $0 != "all" && $0 != "ungrouped" },
                    line: collected.hostNodes[name]?.line))
        }
        return result
    }

    /// A `vars:` or host mapping. A key given twice (`vars: {1: a, "1": b}`) is an error naming file, line and
    /// field, raised by `mappingEntries`; the dictionary is built without `uniqueKeysWithValues`, which would trap
    /// if that guarantee ever slipped.
    private static func variables(_ node: YAMLNode) throws(YAMLFileError) -> [String: YAMLNode] {
        Dictionary(try node.mappingEntries(), uniquingKeysWith: { _, last in last })
    }

    private func walk(
        group: String, node: YAMLNode, inherited: Variables, ancestors: [String], into collected: inout Collected
    ) throws(YAMLFileError) {
        guard !ancestors.contains(group) else { throw node.error("group '\(group)' contains itself") }
        if node.isNull { return }
        let fields = try node.mapping(allowedKeys: ["hosts", "children", "vars"])
        var variables = inherited
        if let varsNode = fields["vars"], !varsNode.isNull {
            variables = variables.merged(with: try Self.variables(varsNode))
        }
        let lineage = ancestors + [group]
        if let hostsNode = fields["hosts"], !hostsNode.isNull {
            for (hostName, hostNode) in try hostsNode.mappingEntries() {
                if collected.hostNodes[hostName] == nil {
                    collected.order.append(hostName)
                    collected.hostNodes[hostName] = hostNode
                }
                var hostVariables = collected.variables[hostName, default: Variables()].merged(with: variables.values)
                if !hostNode.isNull {
                    hostVariables = hostVariables.merged(with: try Self.variables(hostNode))
                }
                collected.variables[hostName] = hostVariables
                for name in lineage where !collected.groups[hostName, default: []].contains(name) {
                    collected.groups[hostName, default: []].append(name)
                }
            }
        }
        if let childrenNode = fields["children"], !childrenNode.isNull {
            for (childName, childNode) in try childrenNode.mappingEntries() {
                try walk(group: childName, node: childNode, inherited: variables, ancestors: lineage, into: &collected)
            }
        }
    }
}
