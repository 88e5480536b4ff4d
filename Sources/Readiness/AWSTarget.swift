import YAMLInput

/// Fills a target from AWS CLI JSON: `aws elasticache describe-replication-groups` (cluster mode, node type,
/// Multi-AZ, encryption), `describe-cache-parameters` (databases, reserved memory), `describe-cache-subnet-groups`
/// with `aws ec2 describe-subnets` (VPC, subnet CIDRs), and `aws ec2 describe-security-groups` (the source hosts'
/// inbound rules, for network.security-group). Referenced from the target file's `aws:` section; paths are relative
/// to it. What AWS says wins over the same key in the target file.
enum AWSTarget {
    static let keys: Set<String> = [
        "replication_groups", "replication_group_id", "security_groups", "cache_parameters", "cache_subnet_groups",
        "cache_subnet_group_name", "subnets", "serverless_caches", "serverless_cache_name",
    ]

    static func apply(_ node: YAMLNode, to target: inout Target, baseDirectory: String) throws(YAMLFileError) {
        let fields = try node.mapping(allowedKeys: keys)
        func path(_ key: String) throws(YAMLFileError) -> String? {
            guard let value = try fields[key]?.nonEmptyString() else { return nil }
            return value.hasPrefix("/") ? value : baseDirectory + "/" + value
        }
        if let file = try path("replication_groups") {
            try applyReplicationGroup(file, id: try fields["replication_group_id"]?.nonEmptyString(), to: &target)
        }
        // After the replication group: a reserved-memory in bytes is a share of its node type's memory.
        if let file = try path("cache_parameters") { try applyCacheParameters(file, to: &target) }
        if let file = try path("cache_subnet_groups") {
            try applySubnetGroup(
                file, name: try fields["cache_subnet_group_name"]?.nonEmptyString(), subnets: try path("subnets"),
                to: &target)
        } else if fields["subnets"] != nil {
            throw node.error("'subnets' (describe-subnets) needs 'cache_subnet_groups' to say which subnets")
        }
        if let file = try path("security_groups") { try applySecurityGroups(file, to: &target) }
        if let file = try path("serverless_caches") {
            try applyServerlessCache(
                file, name: try fields["serverless_cache_name"]?.nonEmptyString(), to: &target)
        }
    }

    /// `aws elasticache describe-serverless-caches`: a serverless target's name, engine, version, status and
    /// network type (the service model has no public-endpoint attribute: the target file states it).
    private static func applyServerlessCache(_ file: String, name: String?, to target: inout Target)
        throws(YAMLFileError)
    {
        let cache = try choose(
            in: try list(file, key: "ServerlessCaches", command: "aws elasticache describe-serverless-caches"),
            idKey: "ServerlessCacheName", id: name, what: "serverless cache", option: "serverless_cache_name")
        target.deployment = .serverless
        if let cacheName = try cache["ServerlessCacheName"]?.string() { target.name = cacheName }
        if let node = cache["Engine"] {
            let engine = try node.string()
            guard let known = TargetEngine(rawValue: engine.lowercased()) else {
                throw node.error("engine '\(engine)' is neither redis nor valkey")
            }
            target.engine = known
        }
        let fullVersion = try cache["FullEngineVersion"]?.string()
        let majorVersion = try cache["MajorEngineVersion"]?.string()
        if let version = fullVersion ?? majorVersion { target.engineVersion = version }
        if let status = try cache["Status"]?.string() { target.status = status }
        if let network = try cache["NetworkType"]?.string() { target.networkType = network }
        if let groups = cache["SecurityGroupIds"] { target.securityGroupIDs = try groups.stringList() }
        target.source += " + " + file
    }

    /// The root's list under `key`, or an error naming the command whose output was expected.
    private static func list(_ file: String, key: String, command: String) throws(YAMLFileError) -> YAMLNode {
        let root = try YAMLNode.load(path: file)
        guard let list = try entries(root)[key] else {
            throw root.error("not `\(command)` output: no '\(key)'")
        }
        return list
    }

    /// The entry whose `idKey` is `id`, or the only entry when no id is given.
    private static func choose(in list: YAMLNode, idKey: String, id: String?, what: String, option: String)
        throws(YAMLFileError) -> [String: YAMLNode]
    {
        let all = try list.sequence()
        for entry in all {
            let fields = try entries(entry)
            let entryID = try fields[idKey]?.string()
            if let id, entryID != id { continue }
            guard id != nil || all.count == 1 else { break }
            return fields
        }
        throw list.error(id.map { "no \(what) '\($0)'" } ?? "\(all.count) \(what)s: name one with \(option)")
    }

    private static func applyCacheParameters(_ file: String, to target: inout Target) throws(YAMLFileError) {
        let parameters = try list(file, key: "Parameters", command: "aws elasticache describe-cache-parameters")
        var values: [String: (String, YAMLNode)] = [:]
        for parameter in try parameters.sequence() {
            let fields = try entries(parameter)
            if let name = try fields["ParameterName"]?.string(), let valueNode = fields["ParameterValue"] {
                values[name] = (try valueNode.string(), valueNode)
            }
        }
        if let (value, node) = values["databases"] {
            guard let databases = Int(value), databases > 0 else { throw node.error("'\(value)' is not a count") }
            target.databases = databases
        }
        if let (value, node) = values["reserved-memory-percent"] {
            guard let percent = Double(value), (0...100).contains(percent) else {
                throw node.error("'\(value)' is not a percentage")
            }
            target.reservedMemoryPercent = percent
        } else if let (value, node) = values["reserved-memory"] {
            // Older parameter groups (redis2.8 family) reserve bytes instead of a percentage.
            guard let bytes = Double(value), bytes >= 0 else { throw node.error("'\(value)' is not a byte count") }
            if let memory = NodeTypes.memoryGiB(target.nodeType) {
                target.reservedMemoryPercent = min(100, bytes / (memory * 1_073_741_824) * 100)
            }
        }
        if let (value, _) = values["cluster-enabled"] { target.clusterMode = value == "yes" ? .enabled : .disabled }
        target.source += " + " + file
    }

    private static func applySubnetGroup(
        _ file: String, name: String?, subnets subnetsFile: String?, to target: inout Target
    ) throws(YAMLFileError) {
        let group = try choose(
            in: try list(file, key: "CacheSubnetGroups", command: "aws elasticache describe-cache-subnet-groups"),
            idKey: "CacheSubnetGroupName", id: name, what: "cache subnet group", option: "cache_subnet_group_name")
        if let vpc = try group["VpcId"]?.string() { target.vpcID = vpc }
        var subnetIDs: [String] = []
        for subnet in try group["Subnets"]?.sequence() ?? [] {
            if let id = try entries(subnet)["SubnetIdentifier"]?.string() { subnetIDs.append(id) }
        }
        target.source += " + " + file
        // The subnet group names subnets by id; their CIDR blocks come from describe-subnets.
        guard let subnetsFile else { return }
        let described = try list(subnetsFile, key: "Subnets", command: "aws ec2 describe-subnets")
        var cidrs: [String: String] = [:]
        for subnet in try described.sequence() {
            let fields = try entries(subnet)
            if let id = try fields["SubnetId"]?.string(), let cidr = try fields["CidrBlock"]?.string() {
                cidrs[id] = cidr
            }
        }
        let missing = subnetIDs.filter { cidrs[$0] == nil }
        guard missing.isEmpty else {
            throw described.error("describe-subnets lacks \(missing.joined(separator: ", ")) of the cache subnet group")
        }
        target.subnetCIDRs = subnetIDs.compactMap { cidrs[$0] }
        target.source += " + " + subnetsFile
    }

    private static func entries(_ node: YAMLNode) throws(YAMLFileError) -> [String: YAMLNode] {
        Dictionary(try node.mappingEntries().map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    private static func applyReplicationGroup(_ file: String, id: String?, to target: inout Target)
        throws(YAMLFileError)
    {
        let group = try choose(
            in: try list(file, key: "ReplicationGroups", command: "aws elasticache describe-replication-groups"),
            idKey: "ReplicationGroupId", id: id, what: "replication group", option: "replication_group_id")
        if let name = try group["ReplicationGroupId"]?.string() { target.name = name }
        if let enabled = try group["ClusterEnabled"]?.bool() { target.clusterMode = enabled ? .enabled : .disabled }
        if let nodeType = try group["CacheNodeType"]?.string() { target.nodeType = nodeType }
        // Node groups are the shards; each one's `Slots` (`0-5460`, or `0-100,200-300`) says which slots it owns.
        if target.clusterMode == .enabled, let groups = group["NodeGroups"] {
            var shards: [TargetShard] = []
            for groupNode in try groups.sequence().prefix(500) {
                let fields = try entries(groupNode)
                let id = try fields["NodeGroupId"]?.string() ?? String(shards.count + 1)
                let text = try fields["Slots"]?.string() ?? ""
                let ranges = text.split(separator: ",").compactMap { part -> ClosedRange<Int>? in
                    let bounds = part.split(separator: "-", maxSplits: 1).compactMap { Int($0) }
                    guard let low = bounds.first, let high = bounds.last, low >= 0, high >= low, high < 16_384 else {
                        return nil
                    }
                    return low...high
                }
                shards.append(TargetShard(id: id, slots: ranges))
            }
            target.shards = shards.count
            target.shardSlots = shards.filter { !$0.slots.isEmpty }
        }
        if let multiAZ = try group["MultiAZ"]?.string() { target.multiAZ = multiAZ == "enabled" }
        if let transit = try group["TransitEncryptionEnabled"]?.bool() { target.transitEncryption = transit }
        if let atRest = try group["AtRestEncryptionEnabled"]?.bool() { target.atRestEncryption = atRest }
        target.source += " + " + file
    }

    private static func applySecurityGroups(_ file: String, to target: inout Target) throws(YAMLFileError) {
        for group in try list(file, key: "SecurityGroups", command: "aws ec2 describe-security-groups").sequence() {
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
