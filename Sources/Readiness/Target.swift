import FleetCore
import Foundation
import RedisFacts
import YAMLInput

/// The ElastiCache deployment the fleet migrates to, and the thresholds of the checks (the `policy`).
public struct Target: Sendable, Hashable {
    public var name: String
    public var profile: RequirementProfile
    public var engineVersion: String
    /// `disabled` or `enabled`.
    public var clusterMode: ClusterMode
    public var nodeType: String
    public var reservedMemoryPercent: Double
    public var multiAZ: Bool
    public var transitEncryption: Bool
    public var atRestEncryption: Bool
    public var databases: Int
    public var vpcID: String?
    public var subnetCIDRs: [String]
    public var securityGroupIDs: [String]
    /// aws-current only: the target must not be in a Global Datastore or use data tiering.
    public var globalDatastore: Bool
    public var dataTiering: Bool
    /// The target's engine: Redis OSS or Valkey.
    public var engine: TargetEngine = .redis
    /// Node-based (a replication group) or Serverless (a serverless cache, Valkey only).
    public var deployment: Deployment = .nodeBased
    /// Serverless: what the migration needs of the cache (migration-to-serverless-prerequisites): available,
    /// IPv4, no public endpoint, empty. nil when the target file (or AWS) does not say.
    public var status: String?
    public var networkType: String?
    public var publicEndpoint: Bool?
    public var empty: Bool?
    /// Cluster-mode enabled: the number of shards (node groups), and, from describe-replication-groups, the slot
    /// ranges each one owns (in the group's order). nil / empty when not stated.
    public var shards: Int?
    public var shardSlots: [TargetShard] = []
    /// The old spelling of `deployment: serverless`.
    public var serverless: Bool {
        get { deployment == .serverless }
        set { deployment = newValue ? .serverless : .nodeBased }
    }
    /// Inbound rules of the source hosts' security groups (from the target file, or `aws ec2
    /// describe-security-groups`), keyed by group id: what network.security-group evaluates.
    public var sourceSecurityGroups: [String: [InboundRule]] = [:]
    public var policy: Policy
    /// Where the target came from, for reports.
    public var source: String

    public init(
        name: String, profile: RequirementProfile = .seed, engineVersion: String, clusterMode: ClusterMode = .disabled,
        nodeType: String, reservedMemoryPercent: Double = 25, multiAZ: Bool = true, transitEncryption: Bool = false,
        atRestEncryption: Bool = false, databases: Int = 16, vpcID: String? = nil, subnetCIDRs: [String] = [],
        securityGroupIDs: [String] = [], globalDatastore: Bool = false, dataTiering: Bool = false,
        serverless: Bool = false, engine: TargetEngine = .redis, policy: Policy = Policy(), source: String = "inline"
    ) {
        self.name = name
        self.profile = profile
        self.engineVersion = engineVersion
        self.clusterMode = clusterMode
        self.nodeType = nodeType
        self.reservedMemoryPercent = reservedMemoryPercent
        self.multiAZ = multiAZ
        self.transitEncryption = transitEncryption
        self.atRestEncryption = atRestEncryption
        self.databases = databases
        self.vpcID = vpcID
        self.subnetCIDRs = subnetCIDRs
        self.securityGroupIDs = securityGroupIDs
        self.globalDatastore = globalDatastore
        self.dataTiering = dataTiering
        self.engine = engine
        self.deployment = serverless ? .serverless : .nodeBased
        self.policy = policy
        self.source = source
    }

    public var summary: TargetSummary {
        TargetSummary(
            name: name, engineVersion: engineVersion, nodeType: deployment == .serverless ? "serverless" : nodeType,
            clusterMode: deployment == .serverless ? "n/a" : clusterMode.rawValue, source: source,
            engine: engine.rawValue, deployment: deployment.rawValue,
            usableMemoryBytes: usableMemory.flatMap { Int64(checked: $0) })
    }

    /// Bytes a node holds for data: its memory less `reserved_memory_percent` and the policy's headroom. One
    /// computation for `target.capacity` and for the reports (`TargetSummary.usableMemoryBytes`); nil for a
    /// serverless cache (its memory scales with the data) or a node type missing from `NodeTypes`.
    public var usableMemory: Double? {
        guard deployment == .nodeBased else { return nil }
        return NodeTypes.usableBytes(
            nodeType, reservedPercent: reservedMemoryPercent, headroomPercent: policy.capacityHeadroomPercent)
    }

    private static let keys: Set<String> = [
        "name", "profile", "engine_version", "cluster_mode", "node_type", "reserved_memory_percent", "multi_az",
        "transit_encryption", "at_rest_encryption", "databases", "vpc_id", "subnet_cidrs", "security_group_ids",
        "global_datastore", "data_tiering", "serverless", "policy", "source_security_groups", "aws", "engine",
        "deployment", "status", "network_type", "public_endpoint", "empty", "shards",
    ]

    /// Reads a target file; every error names the file, the line and the field.
    public static func load(path: String) throws(YAMLFileError) -> Target {
        let root = try YAMLNode.load(path: path)
        let fields = try root.mapping(allowedKeys: keys)
        func required(_ key: String) throws(YAMLFileError) -> YAMLNode {
            guard let node = fields[key] else {
                throw root.error("missing '\(key)' (see inventory/target.example.yaml)")
            }
            return node
        }
        let engineNode = try required("engine_version")
        let engineVersion = try engineNode.nonEmptyString()
        guard RedisVersion(engineVersion) != nil else {
            throw engineNode.error("'\(engineVersion)' is not a version like 7.1")
        }
        // With an `aws:` section, the name and node type may come from describe-replication-groups.
        let fromAWS = fields["aws"] != nil
        var nodeType = "cache.r6g.large"
        // A serverless cache has no node type.
        let deploymentText = try fields["deployment"]?.string()
        let serverlessFlag = try fields["serverless"]?.bool()
        let isServerless = deploymentText == Deployment.serverless.rawValue || serverlessFlag == true
        if let node = fields["node_type"] {
            nodeType = try node.nonEmptyString()
        } else if !fromAWS && !isServerless {
            _ = try required("node_type")
        }
        var name = "target"
        if let node = fields["name"] {
            name = try node.nonEmptyString()
        } else if !fromAWS {
            _ = try required("name")
        }
        var target = Target(name: name, engineVersion: engineVersion, nodeType: nodeType)
        target.source = path
        if let node = fields["profile"] { target.profile = try node.oneOf(RequirementProfile.self) }
        if let node = fields["cluster_mode"] { target.clusterMode = try node.oneOf(ClusterMode.self) }
        if let node = fields["reserved_memory_percent"] { target.reservedMemoryPercent = try node.double(in: 0...100) }
        if let node = fields["multi_az"] { target.multiAZ = try node.bool() }
        if let node = fields["transit_encryption"] { target.transitEncryption = try node.bool() }
        if let node = fields["at_rest_encryption"] { target.atRestEncryption = try node.bool() }
        if let node = fields["databases"] { target.databases = try node.integer(in: 1...100_000) }
        if let node = fields["vpc_id"] { target.vpcID = try node.nonEmptyString() }
        if let node = fields["subnet_cidrs"] {
            target.subnetCIDRs = try node.stringList()
            for (index, cidr) in target.subnetCIDRs.enumerated() where !Self.isCIDR(cidr) {
                throw try node.sequence()[index].error("'\(cidr)' is not an IPv4 CIDR block like 10.0.1.0/24")
            }
        }
        if let node = fields["security_group_ids"] { target.securityGroupIDs = try node.stringList() }
        if let node = fields["global_datastore"] { target.globalDatastore = try node.bool() }
        if let node = fields["data_tiering"] { target.dataTiering = try node.bool() }
        if let node = fields["serverless"] { target.serverless = try node.bool() }
        if let node = fields["engine"] { target.engine = try node.oneOf(TargetEngine.self) }
        if let node = fields["deployment"] { target.deployment = try node.oneOf(Deployment.self) }
        if let node = fields["status"] { target.status = try node.nonEmptyString() }
        if let node = fields["network_type"] { target.networkType = try node.nonEmptyString() }
        if let node = fields["public_endpoint"] { target.publicEndpoint = try node.bool() }
        if let node = fields["empty"] { target.empty = try node.bool() }
        if let node = fields["shards"] { target.shards = try node.integer(in: 1...500) }
        if let node = fields["policy"] { target.policy = try Policy.parse(node) }
        if let node = fields["aws"] {
            let directory = (path as NSString).deletingLastPathComponent
            try AWSTarget.apply(node, to: &target, baseDirectory: directory.isEmpty ? "." : directory)
        }
        // A serverless cache has no node type: capacity scales.
        guard target.deployment == .serverless || NodeTypes.memoryGiB(target.nodeType) != nil else {
            throw (fields["node_type"] ?? root).error(
                "unknown node type '\(target.nodeType)' (known: \(NodeTypes.names.joined(separator: ", ")))")
        }
        if let node = fields["source_security_groups"] {
            for (groupID, rulesNode) in try node.mappingEntries() {
                var rules: [InboundRule] = []
                for ruleNode in try rulesNode.sequence() { rules.append(try InboundRule.parse(ruleNode)) }
                target.sourceSecurityGroups[groupID] = rules
            }
        }
        return target
    }

    static func isCIDR(_ text: String) -> Bool {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let bits = Int(parts[1]), (0...32).contains(bits) else { return false }
        return parts[0].split(separator: ".").count == 4
            && parts[0].split(separator: ".").allSatisfy { UInt8($0) != nil }
    }
}

/// The thresholds of checks.md; every one can be changed in the target file's `policy` section.
public struct Policy: Sendable, Hashable {
    /// target.capacity: headroom kept free on the node after reserved memory.
    public var capacityHeadroomPercent: Double = 10
    /// target.capacity: warn above this share of usable memory.
    public var capacityWarnPercent: Double = 80
    /// source.memory-headroom: warn when available memory covers at least this share of used_memory_rss.
    public var memoryHeadroomWarnPercent: Double = 50
    /// source.cpu-headroom: 1-minute load per core.
    public var loadPerCoreWarn: Double = 0.7
    public var loadPerCoreFail: Double = 1.5
    /// Assumed replication bandwidth (bits per second) for sync-time estimates.
    public var bandwidthBitsPerSecond: Double = 1_000_000_000
    /// source.maxclients: warn at or above this share of maxclients.
    public var maxclientsPercent: Double = 90
    /// source.repl-backlog: backlog at least this share of used_memory.
    public var replBacklogPercent: Double = 1

    public init() {}

    private static let keys: Set<String> = [
        "capacity_headroom_percent", "capacity_warn_percent", "memory_headroom_warn_percent", "load_per_core_warn",
        "load_per_core_fail", "bandwidth_gbps", "maxclients_percent", "repl_backlog_percent",
    ]

    static func parse(_ node: YAMLNode) throws(YAMLFileError) -> Policy {
        let fields = try node.mapping(allowedKeys: keys)
        var policy = Policy()
        if let node = fields["capacity_headroom_percent"] {
            policy.capacityHeadroomPercent = try node.double(in: 0...90)
        }
        if let node = fields["capacity_warn_percent"] { policy.capacityWarnPercent = try node.double(in: 1...100) }
        if let node = fields["memory_headroom_warn_percent"] {
            policy.memoryHeadroomWarnPercent = try node.double(in: 1...100)
        }
        if let node = fields["load_per_core_warn"] { policy.loadPerCoreWarn = try node.double(in: 0...1000) }
        if let node = fields["load_per_core_fail"] { policy.loadPerCoreFail = try node.double(in: 0...1000) }
        if let node = fields["bandwidth_gbps"] {
            policy.bandwidthBitsPerSecond = try node.double(in: 0.001...1000) * 1e9
        }
        if let node = fields["maxclients_percent"] { policy.maxclientsPercent = try node.double(in: 1...100) }
        if let node = fields["repl_backlog_percent"] { policy.replBacklogPercent = try node.double(in: 0...100) }
        return policy
    }
}

/// One shard (node group) of a cluster-mode enabled target: its id and the slot ranges it owns.
public struct TargetShard: Sendable, Hashable {
    public var id: String
    public var slots: [ClosedRange<Int>]
}

/// The target's engine (`engine` in the target file).
public enum TargetEngine: String, Sendable, Hashable, CaseIterable {
    case redis, valkey
}

/// How the target is deployed (`deployment`): a node-based replication group, or a serverless cache.
public enum Deployment: String, Sendable, Hashable, CaseIterable {
    case nodeBased = "node-based"
    case serverless
}

/// The target replication group's cluster mode (`cluster_mode` in the target file).
public enum ClusterMode: String, Sendable, Hashable, CaseIterable {
    case disabled, enabled
}

/// Which requirements apply: AWS's have changed over time, and every report names the profile it used.
public enum RequirementProfile: String, Sendable, Hashable, CaseIterable {
    /// Exactly the source document's requirements (checks.md).
    case seed
    /// AWS's current online-migration page: target 5.0.5+, at-rest encryption allowed, plus target restrictions.
    case awsCurrent = "aws-current"

    public var minimumTargetEngine: String { self == .seed ? "5.0.6" : "5.0.5" }
    public var allowsAtRestEncryption: Bool { self == .awsCurrent }
}

/// ElastiCache node memory (GiB), from AWS's engine parameter tables, as checks.md lists it
/// (r7g = r6g, m7g = m6g, t4g = t3).
public enum NodeTypes {
    static let table: [(String, Double)] = [
        ("cache.t3.micro", 0.5), ("cache.t3.small", 1.37), ("cache.t3.medium", 3.09),
        ("cache.m6g.large", 6.38), ("cache.m6g.xlarge", 12.94), ("cache.m6g.2xlarge", 26.05),
        ("cache.m6g.4xlarge", 52.26), ("cache.m6g.8xlarge", 103.68), ("cache.m6g.12xlarge", 157.13),
        ("cache.m6g.16xlarge", 209.55),
        ("cache.r6g.large", 13.07), ("cache.r6g.xlarge", 26.32), ("cache.r6g.2xlarge", 52.82),
        ("cache.r6g.4xlarge", 105.81), ("cache.r6g.8xlarge", 209.55), ("cache.r6g.12xlarge", 317.77),
        ("cache.r6g.16xlarge", 419.10),
    ]

    static let aliases = ["r7g": "r6g", "m7g": "m6g", "t4g": "t3", "r6gd": "r6g"]

    public static var names: [String] { table.map(\.0) }

    public static func memoryGiB(_ nodeType: String) -> Double? {
        var name = nodeType
        for (alias, family) in aliases where name.hasPrefix("cache.\(alias).") {
            name = name.replacingOccurrences(of: "cache.\(alias).", with: "cache.\(family).")
        }
        return table.first { $0.0 == name }?.1
    }

    /// Usable bytes for data: node memory less reserved memory, less the policy's headroom.
    public static func usableBytes(_ nodeType: String, reservedPercent: Double, headroomPercent: Double) -> Double? {
        guard let gib = memoryGiB(nodeType) else { return nil }
        return gib * 1_073_741_824 * (1 - reservedPercent / 100) * (1 - headroomPercent / 100)
    }

    /// The smallest node type (by memory) whose usable memory holds `bytes`.
    public static func smallestFitting(_ bytes: Int64, reservedPercent: Double, headroomPercent: Double) -> String? {
        table.sorted { $0.1 < $1.1 }.first { entry in
            (usableBytes(entry.0, reservedPercent: reservedPercent, headroomPercent: headroomPercent) ?? 0)
                >= Double(bytes)
        }?.0
    }
}

/// One inbound rule of a security group: a TCP port range from CIDR blocks or other security groups.
public struct InboundRule: Sendable, Hashable {
    public var fromPort: Int
    public var toPort: Int
    public var cidrs: [String]
    public var sourceGroups: [String]

    public init(fromPort: Int, toPort: Int, cidrs: [String] = [], sourceGroups: [String] = []) {
        self.fromPort = fromPort
        self.toPort = toPort
        self.cidrs = cidrs
        self.sourceGroups = sourceGroups
    }

    static func parse(_ node: YAMLNode) throws(YAMLFileError) -> InboundRule {
        let fields = try node.mapping(allowedKeys: ["port", "from_port", "to_port", "cidrs", "source_groups"])
        let single = try fields["port"]?.integer(in: 0...65535)
        let from = try fields["from_port"]?.integer(in: 0...65535) ?? single
        let to = try fields["to_port"]?.integer(in: 0...65535) ?? single
        guard let from, let to else { throw node.error("a rule needs 'port', or 'from_port' and 'to_port'") }
        return InboundRule(
            fromPort: from, toPort: to, cidrs: try fields["cidrs"]?.stringList() ?? [],
            sourceGroups: try fields["source_groups"]?.stringList() ?? [])
    }

    /// Whether this rule lets `port` in from any of `subnets` (a rule CIDR containing the subnet's network
    /// address) or from any of `groups`.
    func allows(port: Int, fromSubnets subnets: [String], orGroups groups: [String]) -> Bool {
        guard (fromPort...max(fromPort, toPort)).contains(port) else { return false }
        if sourceGroups.contains(where: groups.contains) { return true }
        return subnets.contains { subnet in
            guard let network = subnet.split(separator: "/").first.flatMap({ IPv4Address(String($0)) }) else {
                return false
            }
            return cidrs.contains { network.isIn(cidr: $0) }
        }
    }
}
