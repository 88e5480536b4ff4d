import FleetCore
import RedisFacts

extension CheckID {
    /// Source is not in cluster mode.
    public static let sourceClusterMode: CheckID = "source.cluster-mode"
}

/// source.cluster-mode: the source must not run in cluster mode.
struct SourceClusterModeRule: InstanceRule {
    let id = CheckID.sourceClusterMode
    let title = "Source is not in cluster mode"
    let severity = Severity.blocker

    func evaluate(_ context: InstanceContext) -> CheckResult {
        if let verdict = pathVerdict(context) { return verdict }
        guard context.answered else {
            // A server that does not answer the auditor (a TLS port that wants a client certificate) is still
            // judged by its command line and config file when they were read.
            guard let (value, evidence) = context.setting("cluster-enabled") else { return silent(context) }
            return value == "yes"
                ? result(
                    .fail, "cluster-enabled is yes.", [evidence],
                    remediation: "Migrate cluster-mode sources shard by shard, or use a cluster-mode disabled source.")
                : result(.pass, "Cluster mode is off.", [evidence])
        }
        guard let enabled = context.info.isClusterEnabled else {
            if let (value, evidence) = context.setting("cluster-enabled") {
                return value == "yes"
                    ? result(
                        .fail, "cluster-enabled is yes.", [evidence],
                        remediation:
                            "Migrate cluster-mode sources shard by shard, or use a cluster-mode disabled source.")
                    : result(.pass, "Cluster mode is off.", [evidence])
            }
            if let version = context.info.version, version < RedisVersion(major: 3) {
                return result(
                    .pass, "Redis \(version) predates cluster mode (3.0).", [context.infoEvidence("redis_version")])
            }
            return result(.unknown, "INFO has no cluster section and the config does not say.")
        }
        let evidence = [context.infoEvidence("cluster_enabled")]
        return enabled
            ? result(
                .fail, "The source runs in cluster mode.", evidence,
                remediation:
                    "Online migration needs a cluster-mode disabled source: migrate another way (e.g. RDB snapshot seeding)."
            )
            : result(.pass, "Cluster mode is off.", evidence)
    }

    /// A cluster-mode source onto a cluster-mode target: "each ElastiCache shard [replicates from] your source
    /// cluster's corresponding shard owning the same slots", and the shard counts must match (Migration-Prepare).
    /// Each source primary (CLUSTER NODES) is matched to the target shard owning the same slot ranges; the evidence
    /// names, per shard, the primary that is its migration endpoint.
    private func shardMapping(_ context: InstanceContext, _ evidence: [Evidence]) -> CheckResult {
        let remediation =
            "Give the target as many shards as the source has primaries, each owning the same slot ranges."
        guard let nodes = context.clusterNodes else {
            return result(
                .warn,
                "A cluster-mode source into a cluster-mode target: CLUSTER NODES was not read, so the shard mapping is not checked.",
                evidence, remediation: remediation)
        }
        func ranges(_ slots: [ClosedRange<Int>]) -> String {
            slots.map { "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",")
        }
        var all =
            evidence
            + nodes.primaries.prefix(16).map {
                Evidence(source: "CLUSTER NODES", observed: "\($0.address) slots \(ranges($0.slots))")
            }
        if nodes.coveredSlots < ClusterNodes.slotCount {
            return result(
                .fail, "The source cluster's primaries own \(nodes.coveredSlots) of \(ClusterNodes.slotCount) slots.",
                all, remediation: "Assign every slot to a primary (redis-cli --cluster fix) before migrating.")
        }
        guard let shards = context.target.shards else {
            return result(
                .warn, "The source has \(nodes.primaries.count) shard(s); the target's shard count is not stated.", all,
                remediation: "State `shards` in the target file, or import describe-replication-groups.")
        }
        guard shards == nodes.primaries.count else {
            return result(
                .fail, "The source has \(nodes.primaries.count) shard(s), the target \(shards): the counts must match.",
                all, remediation: remediation)
        }
        guard !context.target.shardSlots.isEmpty else {
            return result(.pass, "\(shards) shard(s) on both sides (the target's slot ranges are not stated).", all)
        }
        var unmatched: [String] = []
        for primary in nodes.primaries {
            if let shard = context.target.shardSlots.first(where: { Set($0.slots) == Set(primary.slots) }) {
                all.append(
                    Evidence(source: "shard \(shard.id)", observed: "\(ranges(shard.slots)) from \(primary.address)"))
            } else {
                unmatched.append("\(primary.address) (\(ranges(primary.slots)))")
            }
        }
        return unmatched.isEmpty
            ? result(.pass, "Every source shard maps onto the target shard owning the same slots.", all)
            : result(
                .fail, "No target shard owns the same slots as: \(unmatched.prefix(5).joined(separator: ", ")).", all,
                remediation: remediation)
    }

    /// Where the target's path decides: a serverless cache takes one endpoint (a cluster-mode source cannot feed
    /// it); a cluster-mode enabled target (aws-current) takes a cluster-mode source shard by shard, and nothing else.
    private func pathVerdict(_ context: InstanceContext) -> CheckResult? {
        let target = context.target
        let serverless = target.deployment == .serverless
        let clusterTarget =
            target.deployment == .nodeBased && target.clusterMode == .enabled && target.profile == .awsCurrent
        guard serverless || clusterTarget else { return nil }
        // Before 3.0 there is no cluster mode (and no cluster section in INFO).
        let predatesCluster = context.info.version.map { $0 < RedisVersion(major: 3) } == true
        guard context.answered,
            let enabled = predatesCluster
                ? false
                : context.info.isClusterEnabled ?? context.setting("cluster-enabled").map({ $0.value == "yes" })
        else {
            return context.answered
                ? result(.unknown, "INFO has no cluster section and the config does not say.") : silent(context)
        }
        let evidence = [context.infoEvidence("cluster_enabled")]
        if serverless {
            return enabled
                ? result(
                    .fail, "A serverless cache migrates from one endpoint; this source runs in cluster mode.", evidence,
                    remediation: "Choose a cluster-mode enabled node-based target for a cluster-mode source.")
                : result(.pass, "Cluster mode is off: one endpoint feeds the serverless cache.", evidence)
        }
        return enabled
            ? shardMapping(context, evidence)
            : result(
                .fail, "The target is cluster-mode enabled; online migration into it needs a cluster-mode source.",
                evidence,
                remediation: "Use a cluster-mode disabled target for this source.")
    }
}
