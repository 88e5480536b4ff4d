import FleetCore
import Foundation
import RedisFacts

/// Evaluates stored snapshots against a target: every rule on every instance, waivers, roll-up and ranking.
/// Pure and deterministic: the same snapshots, target, waivers and date give the same verdict.
public struct Evaluator: Sendable {
    public let target: Target
    public let waivers: Waivers
    public let now: Date

    public init(target: Target, waivers: Waivers = Waivers(), now: Date = Date()) {
        self.target = target
        self.waivers = waivers
        self.now = now
    }

    public func evaluate(run: StoredRun) -> FleetVerdict {
        evaluate(
            snapshots: run.snapshots, runID: run.manifest.runID, inventoryDigest: run.manifest.inventoryDigest,
            startedAt: run.manifest.startedAt, endedAt: run.manifest.endedAt, completeness: run.completeness)
    }

    public func evaluate(
        snapshots: [HostSnapshot], runID: String, inventoryDigest: String, startedAt: Date, endedAt: Date?,
        completeness: RunCompleteness = .complete
    ) -> FleetVerdict {
        let targetChecks = RuleCatalogue.targetRules(for: target.profile).map { $0.evaluate(target) }
        let rules = RuleCatalogue.instanceRules(for: target.profile)
        var commandTables = CommandTableCache()
        var hosts = snapshots.map { snapshot in
            host(snapshot, rules: rules, targetChecks: targetChecks, commandTables: &commandTables)
        }
        hosts.sort(by: Self.ranksBefore)
        for index in hosts.indices { hosts[index].rank = index + 1 }
        return FleetVerdict(
            toolVersion: FleetAuditVersion.current, profile: target.profile.rawValue, target: target.summary,
            runID: runID, inventoryDigest: inventoryDigest, collectionStartedAt: startedAt,
            collectionEndedAt: endedAt, targetChecks: targetChecks, hosts: hosts,
            hostKeysUnverified: snapshots.contains { $0.hostKeyUnverified }, completeness: completeness)
    }

    private func host(
        _ snapshot: HostSnapshot, rules: [any InstanceRule], targetChecks: [CheckResult],
        commandTables: inout CommandTableCache
    ) -> HostVerdict {
        if let failure = snapshot.failure {
            return HostVerdict(
                host: snapshot.host, status: .unreachable, rank: 0, score: 0, reason: failure, instances: [],
                hostKeyUnverified: snapshot.hostKeyUnverified)
        }
        let hostFacts = HostFacts(snapshot)
        let instances = snapshot.instances.map { instance -> InstanceVerdict in
            let context = InstanceContext(
                host: snapshot, hostFacts: hostFacts, instance: instance, target: target,
                commandTables: &commandTables)
            let checks = rules.map { applyWaiver($0.evaluate(context), host: snapshot.host.name, port: instance.port) }
            // A failing target blocks every instance: the migration cannot start whatever the source looks like.
            let status = Self.rollUp(checks, targetChecks)
            return InstanceVerdict(
                port: instance.port, status: status, score: Self.score(checks, targetChecks), checks: checks,
                facts: facts(context))
        }
        let status = instances.map(\.status).max() ?? .review
        let score = instances.map(\.score).min() ?? 0
        return HostVerdict(
            host: snapshot.host, status: instances.isEmpty ? .review : status, rank: 0, score: score, reason: nil,
            instances: instances, hostKeyUnverified: snapshot.hostKeyUnverified,
            collectionNotes: snapshot.collectionNotes)
    }

    private func applyWaiver(_ check: CheckResult, host: String, port: Int) -> CheckResult {
        guard check.status == .fail || check.status == .warn,
            let waiver = waivers.waiver(check: check.id, host: host, port: port, now: now)
        else { return check }
        var waived = check
        waived.status = .waived
        waived.waiver = AppliedWaiver(reason: waiver.reason, expires: waiver.expires, originalStatus: check.status)
        return waived
    }

    /// checks.md: blocked when a blocker fails; review when a blocker is unknown; warnings when only warnings
    /// fail or warn (a blocker's `warn` counts as a warning too); ready otherwise.
    public static func rollUp(_ checks: [CheckResult]) -> ReadinessStatus {
        if checks.contains(where: { $0.severity == .blocker && $0.status == .fail }) { return .blocked }
        if checks.contains(where: { $0.severity == .blocker && $0.status == .unknown }) { return .review }
        if checks.contains(where: { $0.severity != .info && ($0.status == .fail || $0.status == .warn) }) {
            return .warnings
        }
        return .ready
    }

    /// `rollUp(checks + targetChecks)` without building the concatenation for every instance: the roll-up of a
    /// union is the worse of the two roll-ups (each step asks whether any check is of a kind).
    static func rollUp(_ checks: [CheckResult], _ targetChecks: [CheckResult]) -> ReadinessStatus {
        max(rollUp(checks), rollUp(targetChecks))
    }

    /// 100 minus 25 per failing blocker, 10 per unknown blocker, 8 per failing warning, 4 per warn, 1 per unknown
    /// warning; never below 0. docs/readiness.md explains the weights.
    public static func score(_ checks: [CheckResult]) -> Double { max(0, 100 - penalty(checks)) }

    /// `score(checks + targetChecks)` without the concatenation (whole numbers: the sums are exact in any order).
    static func score(_ checks: [CheckResult], _ targetChecks: [CheckResult]) -> Double {
        max(0, 100 - penalty(checks) - penalty(targetChecks))
    }

    private static func penalty(_ checks: [CheckResult]) -> Double {
        var penalty = 0.0
        for index in checks.indices {
            switch (checks[index].severity, checks[index].status) {
            case (.blocker, .fail): penalty += 25
            case (.blocker, .unknown): penalty += 10
            case (.blocker, .warn), (.warning, .fail): penalty += 8
            case (.warning, .warn): penalty += 4
            case (.warning, .unknown): penalty += 1
            default: break
            }
        }
        return penalty
    }

    /// Ranking: status, then score (higher first), then dataset (smaller first), then name.
    static func ranksBefore(_ left: HostVerdict, _ right: HostVerdict) -> Bool {
        if left.status != right.status { return left.status < right.status }
        if left.score != right.score { return left.score > right.score }
        // Saturating: hosts whose datasets sum past Int64.max still order (after every smaller one), never trap.
        let leftSize = left.instances.compactMap(\.facts.usedMemoryBytes).saturatingSum()
        let rightSize = right.instances.compactMap(\.facts.usedMemoryBytes).saturatingSum()
        if leftSize != rightSize { return leftSize < rightSize }
        return left.host.name < right.host.name
    }

    private func facts(_ context: InstanceContext) -> InstanceFacts {
        let info = context.info
        let keyspace = info.keyspace
        let used = info.usedMemory
        return InstanceFacts(
            redisVersion: info.version?.description, role: info.role, usedMemoryBytes: used,
            maxmemoryBytes: info.maxmemory,
            keys: keyspace.isEmpty ? (context.answered ? 0 : nil) : InstanceContext.total(keyspace.map(\.keys)),
            keysWithExpiry: InstanceContext.total(keyspace.map(\.expires)), databasesWithKeys: keyspace.map(\.index),
            estimatedSyncSeconds: context.estimatedSyncSeconds,
            smallestFittingNodeType: used.flatMap {
                NodeTypes.smallestFitting(
                    $0, reservedPercent: target.reservedMemoryPercent,
                    headroomPercent: target.policy.capacityHeadroomPercent)
            },
            connectedClients: info.connectedClients.flatMap { Int(exactly: $0) },
            clientAddresses: Set(context.clients.compactMap(\.ip)).sorted(),
            fullSync: FullSyncModel.facts(context), largestKeys: SourceBigKeysFacts.largestKeys(context))
    }
}
