import Inventory

/// Fills a target from AWS CLI JSON: `aws elasticache describe-replication-groups` (cluster mode, node type,
/// Multi-AZ, encryption) and `aws ec2 describe-security-groups` (the source hosts' inbound rules, for
/// network.security-group). Referenced from the target file's `aws:` section; paths are relative to it.
enum AWSTarget {
    static let keys: Set<String> = ["replication_groups", "replication_group_id", "security_groups"]

    static func apply(_ node: YAMLNode, to target: inout Target, baseDirectory: String) throws(YAMLFileError) {
        let fields = try node.mapping(allowedKeys: keys)
        func path(_ key: String) throws(YAMLFileError) -> String? {
            guard let value = try fields[key]?.nonEmptyString() else { return nil }
            return value.hasPrefix("/") ? value : baseDirectory + "/" + value
        }
        if let file = try path("replication_groups") {
            try applyReplicationGroup(file, id: try fields["replication_group_id"]?.nonEmptyString(), to: &target)
        }
        if let file = try path("security_groups") { try applySecurityGroups(file, to: &target) }
    }

    private static func entries(_ node: YAMLNode) throws(YAMLFileError) -> [String: YAMLNode] {
        Dictionary(try node.mappingEntries().map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    private static func applyReplicationGroup(_ file: String, id: String?, to target: inout Target)
        throws(YAMLFileError)
    {
        let root = try YAMLNode.load(path: file)
        guard let list = try entries(root)["ReplicationGroups"] else {
            throw root.error("not `aws elasticache describe-replication-groups` output: no 'ReplicationGroups'")
        }
        let groups = try list.sequence()
        var chosen: [String: YAMLNode]?
        for group in groups {
            let fields = try entries(group)
            let groupID = try fields["ReplicationGroupId"]?.string()
            if id == nil || groupID == id {
                chosen = fields
                break
            }
        }
        guard let group = chosen, id != nil || groups.count == 1 else {
            throw list.error(
                id.map { "no replication group '\($0)'" }
                    ?? "\(groups.count) replication groups: name one with replication_group_id")
        }
        if let name = try group["ReplicationGroupId"]?.string() { target.name = name }
        if let enabled = try group["ClusterEnabled"]?.bool() { target.clusterMode = enabled ? "enabled" : "disabled" }
        if let nodeType = try group["CacheNodeType"]?.string() { target.nodeType = nodeType }
        if let multiAZ = try group["MultiAZ"]?.string() { target.multiAZ = multiAZ == "enabled" }
        if let transit = try group["TransitEncryptionEnabled"]?.bool() { target.transitEncryption = transit }
        if let atRest = try group["AtRestEncryptionEnabled"]?.bool() { target.atRestEncryption = atRest }
        target.source += " + " + file
    }

    private static func applySecurityGroups(_ file: String, to target: inout Target) throws(YAMLFileError) {
        let root = try YAMLNode.load(path: file)
        guard let list = try entries(root)["SecurityGroups"] else {
            throw root.error("not `aws ec2 describe-security-groups` output: no 'SecurityGroups'")
        }
        for group in try list.sequence() {
            let fields = try entries(group)
            guard let id = try fields["GroupId"]?.string() else { continue }
            var rules: [InboundRule] = []
            for permission in try fields["IpPermissions"]?.sequence() ?? [] {
                let rule = try entries(permission)
                let proto = try rule["IpProtocol"]?.string() ?? ""
                guard proto == "tcp" || proto == "-1" else { continue }
                let from = proto == "-1" ? 0 : try rule["FromPort"]?.integer(in: 0...65535) ?? 0
                let to = proto == "-1" ? 65535 : try rule["ToPort"]?.integer(in: 0...65535) ?? from
                var cidrs: [String] = []
                for range in try rule["IpRanges"]?.sequence() ?? [] {
                    if let cidr = try entries(range)["CidrIp"]?.string() { cidrs.append(cidr) }
                }
                var sources: [String] = []
                for pair in try rule["UserIdGroupPairs"]?.sequence() ?? [] {
                    if let source = try entries(pair)["GroupId"]?.string() { sources.append(source) }
                }
                rules.append(InboundRule(fromPort: from, toPort: to, cidrs: cidrs, sourceGroups: sources))
            }
            target.sourceSecurityGroups[id] = rules
        }
    }
}
