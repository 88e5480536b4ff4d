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
        guard target.deployment == .nodeBased else {
            return result(.notApplicable, "A serverless cache has no cluster mode to set.", [])
        }
        let evidence = [Evidence(source: "\(target.source) cluster_mode", observed: target.clusterMode.rawValue)]
        if target.clusterMode == .disabled { return result(.pass, "The target is cluster-mode disabled.", evidence) }
        // AWS's current OnlineMigration page: each target shard replicates from the source shard owning its slots.
        return target.profile == .awsCurrent
            ? result(
                .pass,
                "Cluster-mode enabled: each target shard replicates from the source shard that owns the same slots.",
                evidence)
            : result(
                .fail,
                "Online migration (as the seed document describes it) cannot replicate into a cluster-mode enabled group.",
                evidence,
                remediation: "Create the target with cluster mode disabled, or evaluate with profile aws-current.")
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
        let evidence = [
            Evidence(source: "\(target.source) engine", observed: target.engine.rawValue),
            Evidence(source: "\(target.source) engine_version", observed: target.engineVersion),
        ]
        // migration-to-serverless: ElastiCache Serverless for Valkey is the only serverless target.
        if target.deployment == .serverless {
            return target.engine == .valkey
                ? result(.pass, "A Valkey serverless cache accepts online migration.", evidence)
                : result(
                    .fail, "Online migration to a serverless cache needs ElastiCache Serverless for Valkey.", evidence,
                    remediation: "Create the serverless cache with engine valkey.")
        }
        // Migration-Prepare: "It is using Valkey, or Redis OSS 5.0.5 or higher [...] 5.0.6 for cluster mode enabled".
        if target.engine == .valkey {
            return result(.pass, "Valkey \(target.engineVersion) accepts online migration.", evidence)
        }
        let minimum =
            target.profile == .awsCurrent && target.clusterMode == .enabled
            ? "5.0.6" : target.profile.minimumTargetEngine
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
        guard target.deployment == .nodeBased else {
            return result(
                .notApplicable,
                "A serverless cache reaches the source with its own TLS setting (SourceTlsConfiguration).", [])
        }
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
        guard target.deployment == .nodeBased else {
            return result(.notApplicable, "A serverless cache spans availability zones by itself.", [])
        }
        let evidence = [Evidence(source: "\(target.source) multi_az", observed: String(target.multiAZ))]
        return target.multiAZ
            ? result(.pass, "Multi-AZ is enabled.", evidence)
            : result(
                .fail, "Multi-AZ is disabled.", evidence,
                remediation: "Enable Multi-AZ with automatic failover on the target replication group.")
    }
}

extension CheckID {
    /// Target is not a Global Datastore, data-tiered or r6gd.
    public static let targetAwsCurrentRestrictions: CheckID = "target.aws-current-restrictions"
}

/// aws-current only, node-based path: not in a Global Datastore, no data tiering, not an r6gd node.
struct TargetCurrentRestrictionsRule: TargetRule {
    let id = CheckID.targetAwsCurrentRestrictions
    let title = "Target is not a Global Datastore, data-tiered or r6gd"
    let severity = Severity.blocker

    func evaluate(_ target: Target) -> CheckResult {
        guard target.deployment == .nodeBased else {
            return result(.notApplicable, "Serverless has its own prerequisites (target.serverless-ready).", [])
        }
        var problems: [String] = []
        if target.globalDatastore { problems.append("in a Global Datastore") }
        if target.dataTiering || target.nodeType.hasPrefix("cache.r6gd.") {
            problems.append("uses data tiering (r6gd)")
        }
        let evidence = [
            Evidence(source: "\(target.source) node_type", observed: target.nodeType),
            Evidence(source: "\(target.source) global_datastore", observed: String(target.globalDatastore)),
            Evidence(source: "\(target.source) data_tiering", observed: String(target.dataTiering)),
        ]
        return problems.isEmpty
            ? result(.pass, "None of the restricted target kinds.", evidence)
            : result(
                .fail, "The target \(problems.joined(separator: ", ")).", evidence,
                remediation: "Use a node-based, non-tiered replication group outside any Global Datastore.")
    }
}

extension CheckID {
    /// Serverless target is ready to receive a migration.
    public static let targetServerlessReady: CheckID = "target.serverless-ready"
}

/// target.serverless-ready: what migration-to-serverless-prerequisites asks of the serverless cache: available,
/// IPv4 network type, no public endpoint, and empty. What the target file (or AWS) does not say is a warning to
/// confirm (ElastiCache checks it again when preparing the migration), never a pass.
struct TargetServerlessReadyRule: TargetRule {
    let id = CheckID.targetServerlessReady
    let title = "Serverless target is ready to receive a migration"
    let severity = Severity.blocker

    func evaluate(_ target: Target) -> CheckResult {
        guard target.deployment == .serverless else {
            return result(.notApplicable, "A node-based target.", [])
        }
        guard target.profile == .awsCurrent else {
            return result(
                .fail, "The seed document's online migration has no serverless path.", [],
                remediation: "Evaluate a serverless target with profile aws-current.")
        }
        let evidence = [
            Evidence(source: "\(target.source) status", observed: target.status ?? "not stated"),
            Evidence(source: "\(target.source) network_type", observed: target.networkType ?? "not stated"),
            Evidence(
                source: "\(target.source) public_endpoint",
                observed: target.publicEndpoint.map(String.init) ?? "not stated"),
            Evidence(source: "\(target.source) empty", observed: target.empty.map(String.init) ?? "not stated"),
        ]
        var problems: [String] = []
        if let status = target.status, status.lowercased() != "available" { problems.append("status is \(status)") }
        if let network = target.networkType, network.lowercased() != "ipv4" {
            problems.append("network type is \(network), not ipv4")
        }
        if target.publicEndpoint == true { problems.append("it has a public endpoint") }
        if target.empty == false { problems.append("it holds data") }
        if !problems.isEmpty {
            return result(
                .fail, "The serverless cache is not ready: \(problems.joined(separator: ", ")).", evidence,
                remediation:
                    "Use an available, empty Valkey serverless cache with the IPv4 network type and no public endpoint."
            )
        }
        let unstated = [
            target.status == nil ? "status" : nil, target.networkType == nil ? "network_type" : nil,
            target.publicEndpoint == nil ? "public_endpoint" : nil, target.empty == nil ? "empty" : nil,
        ].compactMap { $0 }
        return unstated.isEmpty
            ? result(.pass, "Available, IPv4, no public endpoint, empty.", evidence)
            : result(
                .warn, "Not stated, to confirm before preparing the migration: \(unstated.joined(separator: ", ")).",
                evidence,
                remediation:
                    "Import describe-serverless-caches (aws: serverless_caches) or state them in the target file.")
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
        let target = context.target
        guard target.deployment == .nodeBased else {
            return result(.notApplicable, "A serverless cache scales its memory with the data.", [])
        }
        guard let used = context.usedMemory else { return missingCount("used_memory", context) }
        let policy = target.policy
        guard let usable = target.usableMemory else { return result(.unknown, "Unknown node type \(target.nodeType).") }
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
        if context.target.deployment == .serverless {
            guard context.answered else { return silent(context) }
            let used = context.info.keyspace.map { "db\($0.index)" }.joined(separator: ", ")
            let all = [Evidence(source: "INFO keyspace", observed: used.isEmpty ? "no keys" : used)]
            // A serverless cache has no databases parameter, and the prerequisites do not say it serves more than
            // database 0: the safe verdict blocks keys anywhere else.
            let others = context.info.keyspace.filter { $0.index != 0 }
            return others.isEmpty
                ? result(.pass, "Keys only in database 0.", all)
                : result(
                    .fail,
                    "Keys in \(others.map { "db\($0.index)" }.joined(separator: ", ")): a serverless cache serves database 0.",
                    all, remediation: "Move the keys into database 0 (or choose a node-based target).")
        }
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
        func minor(_ version: RedisVersion) -> RedisVersion { version.majorMinor }
        if context.target.engine == .valkey || context.target.deployment == .serverless {
            // A Valkey target. A Valkey source compares Valkey releases. A Redis source up to 7.2 writes RDBs Valkey
            // loads (Valkey forked 7.2.4); later Redis releases write newer RDB versions (7.4: RDB 12) that no
            // document says Valkey loads: the safe verdict is a blocker.
            if context.engine == .valkey, let valkey = context.engineVersion {
                return minor(target) >= minor(valkey)
                    ? result(.pass, "Valkey \(target) can load the source's Valkey \(valkey) RDB.", evidence)
                    : result(
                        .fail, "The source runs Valkey \(valkey), newer than the target's \(target).", evidence,
                        remediation: "Use a target engine version of at least \(minor(valkey)).")
            }
            return minor(source) <= RedisVersion(major: 7, minor: 2)
                ? result(
                    .pass, "Redis \(source) writes an RDB that Valkey \(target) loads (Valkey forked Redis 7.2).",
                    evidence)
                : result(
                    .fail,
                    "Redis \(source) is newer than the Redis 7.2 that Valkey forked: no document says Valkey loads its RDB.",
                    evidence,
                    remediation:
                        "Migrate to a Redis OSS target of at least \(minor(source)), or downgrade the source to 7.2.")
        }
        let sourceMinor = minor(source)
        let targetMinor = minor(target)
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
