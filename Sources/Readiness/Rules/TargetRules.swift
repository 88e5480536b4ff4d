import FleetCore
import RedisFacts

extension CheckID {
    /// Target is cluster-mode disabled.
    public static let targetClusterMode: CheckID = "target.cluster-mode"
}

/// target.cluster-mode: online migration needs a cluster-mode disabled replication group.
struct TargetClusterModeRule: TargetRule {
    let id = CheckID.targetClusterMode
    let title = "Target is cluster-mode disabled"
    let severity = Severity.blocker

    func evaluate(_ target: Target) -> CheckResult {
        let evidence = [Evidence(source: "\(target.source) cluster_mode", observed: target.clusterMode.rawValue)]
        return target.clusterMode == .disabled
            ? result(.pass, "The target is cluster-mode disabled.", evidence)
            : result(
                .fail, "Online migration cannot replicate into a cluster-mode enabled group.", evidence,
                remediation: "Create the target replication group with cluster mode disabled.")
    }
}

extension CheckID {
    /// Target engine version supports online migration.
    public static let targetEngineVersion: CheckID = "target.engine-version"
}

/// target.engine-version: 5.0.6 or later (seed), 5.0.5 or later (aws-current).
struct TargetEngineVersionRule: TargetRule {
    let id = CheckID.targetEngineVersion
    let title = "Target engine version supports online migration"
    let severity = Severity.blocker

    func evaluate(_ target: Target) -> CheckResult {
        let minimum = target.profile.minimumTargetEngine
        let evidence = [Evidence(source: "\(target.source) engine_version", observed: target.engineVersion)]
        guard let version = RedisVersion(target.engineVersion), let floor = RedisVersion(minimum) else {
            return result(.unknown, "The target engine version cannot be read.", evidence)
        }
        return version >= floor
            ? result(.pass, "Engine \(target.engineVersion) is \(minimum) or later.", evidence)
            : result(
                .fail, "Engine \(target.engineVersion) is older than \(minimum).", evidence,
                remediation: "Use engine version \(minimum) or later for the target.")
    }
}

extension CheckID {
    /// Target encryption allows online migration.
    public static let targetEncryption: CheckID = "target.encryption"
}

/// target.encryption: in-transit (and, under seed, at-rest) encryption must be off for online migration.
struct TargetEncryptionRule: TargetRule {
    let id = CheckID.targetEncryption
    let title = "Target encryption allows online migration"
    let severity = Severity.blocker

    func evaluate(_ target: Target) -> CheckResult {
        let evidence = [
            Evidence(source: "\(target.source) transit_encryption", observed: String(target.transitEncryption)),
            Evidence(source: "\(target.source) at_rest_encryption", observed: String(target.atRestEncryption)),
        ]
        if target.transitEncryption {
            return result(
                .fail, "In-transit encryption is enabled; online migration replicates in plain text.", evidence,
                remediation: "Create the target without in-transit encryption, or migrate to ElastiCache Serverless.")
        }
        if target.atRestEncryption && !target.profile.allowsAtRestEncryption {
            return result(
                .fail, "At-rest encryption is enabled, which the \(target.profile.rawValue) profile does not allow.",
                evidence, remediation: "Create the target without at-rest encryption (or use the aws-current profile).")
        }
        return result(.pass, "Encryption settings allow online migration.", evidence)
    }
}

extension CheckID {
    /// Target has Multi-AZ.
    public static let targetMultiAz: CheckID = "target.multi-az"
}

/// target.multi-az: the target must have Multi-AZ enabled.
struct TargetMultiAZRule: TargetRule {
    let id = CheckID.targetMultiAz
    let title = "Target has Multi-AZ"
    let severity = Severity.blocker

    func evaluate(_ target: Target) -> CheckResult {
        let evidence = [Evidence(source: "\(target.source) multi_az", observed: String(target.multiAZ))]
        return target.multiAZ
            ? result(.pass, "Multi-AZ is enabled.", evidence)
            : result(
                .fail, "Multi-AZ is disabled.", evidence,
                remediation: "Enable Multi-AZ with automatic failover on the target replication group.")
    }
}

extension CheckID {
    /// Target is not a Global Datastore, data-tiered, r6gd or Serverless.
    public static let targetAwsCurrentRestrictions: CheckID = "target.aws-current-restrictions"
}

/// aws-current only: not in a Global Datastore, no data tiering, not an r6gd node, not Serverless.
struct TargetCurrentRestrictionsRule: TargetRule {
    let id = CheckID.targetAwsCurrentRestrictions
    let title = "Target is not a Global Datastore, data-tiered, r6gd or Serverless"
    let severity = Severity.blocker

    func evaluate(_ target: Target) -> CheckResult {
        var problems: [String] = []
        if target.globalDatastore { problems.append("in a Global Datastore") }
        if target.dataTiering || target.nodeType.hasPrefix("cache.r6gd.") {
            problems.append("uses data tiering (r6gd)")
        }
        if target.serverless { problems.append("is Serverless") }
        let evidence = [
            Evidence(source: "\(target.source) node_type", observed: target.nodeType),
            Evidence(source: "\(target.source) global_datastore", observed: String(target.globalDatastore)),
            Evidence(source: "\(target.source) serverless", observed: String(target.serverless)),
        ]
        return problems.isEmpty
            ? result(.pass, "None of the restricted target kinds.", evidence)
            : result(
                .fail, "The target \(problems.joined(separator: ", ")).", evidence,
                remediation: "Use a node-based, non-tiered replication group outside any Global Datastore.")
    }
}

extension CheckID {
    /// Dataset fits the target node.
    public static let targetCapacity: CheckID = "target.capacity"
}

/// target.capacity: the dataset fits the node's usable memory.
struct TargetCapacityRule: InstanceRule {
    let id = CheckID.targetCapacity
    let title = "Dataset fits the target node"
    let severity = Severity.blocker

    func evaluate(_ context: InstanceContext) -> CheckResult {
        guard let used = context.usedMemory else { return missingCount("used_memory", context) }
        let target = context.target
        let policy = target.policy
        guard
            let usable = NodeTypes.usableBytes(
                target.nodeType, reservedPercent: target.reservedMemoryPercent,
                headroomPercent: policy.capacityHeadroomPercent)
        else { return result(.unknown, "Unknown node type \(target.nodeType).") }
        let smallest = NodeTypes.smallestFitting(
            used, reservedPercent: target.reservedMemoryPercent, headroomPercent: policy.capacityHeadroomPercent)
        var evidence = [
            context.infoEvidence("used_memory"),
            Evidence(
                source: "target \(target.nodeType)", observed: Format.bytes(Int64(usable)),
                note:
                    "usable after \(Format.number(target.reservedMemoryPercent))% reserved and \(Format.number(policy.capacityHeadroomPercent))% headroom"
            ),
        ]
        if let smallest {
            evidence.append(Evidence(source: "node types", observed: smallest, note: "smallest that fits"))
        }
        let share = Double(used) / usable * 100
        let resize =
            "Choose a node type with more memory (smallest that fits: \(smallest ?? "none in the table")), or reduce the dataset."
        if Double(used) > usable {
            return result(
                .fail, "used_memory \(Format.bytes(used)) exceeds usable \(Format.bytes(Int64(usable))).", evidence,
                remediation: resize)
        }
        if let maxmemory = context.info.maxmemory, maxmemory > 0, Double(maxmemory) > usable {
            evidence.append(context.infoEvidence("maxmemory"))
            return result(
                .warn,
                "The source may grow to maxmemory \(Format.bytes(maxmemory)), beyond the target's usable memory.",
                evidence, remediation: resize)
        }
        if share > policy.capacityWarnPercent {
            return result(
                .warn, "The dataset fills \(Format.number(share))% of usable memory.", evidence, remediation: resize)
        }
        return result(.pass, "used_memory is \(Format.number(share))% of the target's usable memory.", evidence)
    }
}

extension CheckID {
    /// Same number of logical databases.
    public static let targetDatabases: CheckID = "target.databases"
}

/// target.databases: the number of logical databases matches.
struct TargetDatabasesRule: InstanceRule {
    let id = CheckID.targetDatabases
    let title = "Same number of logical databases"
    let severity = Severity.blocker

    func evaluate(_ context: InstanceContext) -> CheckResult {
        guard let (value, evidence) = context.setting("databases") else { return hiddenSetting("databases", context) }
        guard let databases = Int(value) else {
            return result(
                .unknown, "databases is not a number.", [evidence], remediation: "Check the setting on the host.")
        }
        let used = context.info.keyspace.map { "db\($0.index)" }.joined(separator: ", ")
        let all = [evidence, Evidence(source: "INFO keyspace", observed: used.isEmpty ? "no keys" : used)]
        return databases == context.target.databases
            ? result(.pass, "\(databases) databases on both sides.", all)
            : result(
                .fail, "The source has \(databases) databases, the target \(context.target.databases).", all,
                remediation:
                    "Set the target parameter group's `databases` to \(databases), or `databases \(context.target.databases)` in redis.conf (restart needed) if only databases below \(context.target.databases) hold keys."
            )
    }
}

extension CheckID {
    /// Target engine is not older than the source.
    public static let targetVersionOrder: CheckID = "target.version-order"
}

/// target.version-order: a replica cannot load an RDB written by a newer version.
struct TargetVersionOrderRule: InstanceRule {
    let id = CheckID.targetVersionOrder
    let title = "Target engine is not older than the source"
    let severity = Severity.blocker

    func evaluate(_ context: InstanceContext) -> CheckResult {
        guard let source = context.info.version else { return silent(context) }
        guard let target = RedisVersion(context.target.engineVersion) else {
            return result(.unknown, "The target engine version cannot be read.")
        }
        // Valkey reports redis_version 7.2.4 (the Redis release it forked from, for clients); a Valkey source is at
        // least that new, so the comparison stays on redis_version and valkey_version is shown beside it.
        let evidence =
            [context.infoEvidence("redis_version")]
            + (context.info.isValkey ? [context.infoEvidence("valkey_version")] : [])
            + [Evidence(source: "\(context.target.source) engine_version", observed: context.target.engineVersion)]
        // Compare major.minor: RDB formats change with minor releases, not patches.
        let sourceMinor = RedisVersion(source.components.prefix(2).map(String.init).joined(separator: ".")) ?? source
        let targetMinor = RedisVersion(target.components.prefix(2).map(String.init).joined(separator: ".")) ?? target
        return targetMinor >= sourceMinor
            ? result(.pass, "Target \(target) can load the source's \(source) RDB.", evidence)
            : result(
                .fail, "The source runs \(source), newer than the target \(target): its RDB cannot be loaded.",
                evidence, remediation: "Use a target engine version of at least \(sourceMinor).")
    }
}

/// Human formats for summaries.
enum Format {
    static func bytes(_ value: Int64) -> String { ByteCount.format(value) }

    static func number(_ value: Double) -> String {
        // From 1e15 on a Double keeps no tenths, and Int(_:) would trap on NaN, infinity and past Int64: such a
        // value (from a hostile /proc/loadavg, say) prints as Swift prints Doubles (`1e+308`, `nan`).
        guard value.isFinite, value.magnitude < 1e15 else { return String(value) }
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
