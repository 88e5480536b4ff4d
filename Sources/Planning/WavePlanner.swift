import FleetCore
import Foundation

/// Turns an evaluated run into migration waves: ready and warnings instances packed in order under the limits,
/// the others listed apart with their fixes. Pure and deterministic; docs/planning.md states the algorithm and what
/// it guarantees.
public struct WavePlanner: Sendable {
    public let constraints: PlanConstraints

    public init(constraints: PlanConstraints) { self.constraints = constraints }

    public func plan(_ verdict: FleetVerdict, generatedAt: Date) -> MigrationPlan {
        let (candidates, notReady) = Self.partition(verdict)
        var notes: [PlanNote] = []
        let groups = group(order(candidates), notes: &notes)
        var packing = WavePacking(constraints: constraints)
        for group in groups { packing.place(group, notes: &notes) }
        notes += summaryNotes(waves: packing.waves, notReady: notReady)
        return MigrationPlan(
            toolVersion: verdict.toolVersion, profile: verdict.profile, target: verdict.target, runID: verdict.runID,
            inventoryDigest: verdict.inventoryDigest, hostKeysUnverified: verdict.hostKeysUnverified,
            generatedAt: generatedAt, constraints: constraints, waves: packing.waves, notReady: notReady,
            backlog: RemediationBacklog.items(for: notReady), notes: notes, completeness: verdict.completeness)
    }

    /// Ready and warnings instances (to plan) and everything else (listed apart), in the run's rank order.
    static func partition(_ verdict: FleetVerdict) -> (candidates: [PlannedInstance], notReady: [NotReadyInstance]) {
        let targetBlocking = BlockingCheck.blocking(verdict.targetChecks, scope: .target)
        var candidates: [PlannedInstance] = []
        var notReady: [NotReadyInstance] = []
        for host in verdict.hosts {
            let identity = host.host
            if host.instances.isEmpty {
                let reason = host.reason?.summary ?? "no Redis instance was found on the host"
                notReady.append(
                    NotReadyInstance(
                        host: identity.name, address: identity.address, port: nil, status: host.status,
                        score: host.score, hostRank: host.rank, tags: identity.tags, datasetBytes: nil, reason: reason,
                        blockingChecks: [], remainingWarnings: []))
                continue
            }
            for instance in host.instances {
                let facts = instance.facts
                if instance.status == .ready || instance.status == .warnings {
                    candidates.append(
                        PlannedInstance(
                            host: identity.name, address: identity.address, port: instance.port,
                            status: instance.status, score: instance.score, hostRank: host.rank,
                            datasetBytes: facts.usedMemoryBytes, estimatedSyncSeconds: facts.estimatedSyncSeconds,
                            tags: identity.tags))
                    continue
                }
                let warnings = instance.checks.filter {
                    $0.severity == .warning && ($0.status == .fail || $0.status == .warn)
                }
                notReady.append(
                    NotReadyInstance(
                        host: identity.name, address: identity.address, port: instance.port, status: instance.status,
                        score: instance.score, hostRank: host.rank, tags: identity.tags,
                        datasetBytes: facts.usedMemoryBytes, reason: nil,
                        blockingChecks: BlockingCheck.blocking(instance.checks, scope: .instance) + targetBlocking,
                        remainingWarnings: warnings.map(\.id.rawValue)))
            }
        }
        return (candidates, notReady)
    }

    /// Tag order first, then ready before warnings, higher score, the host's rank, and host name and port.
    func order(_ candidates: [PlannedInstance]) -> [(position: Int, instance: PlannedInstance)] {
        candidates.map { (position: constraints.tagOrder?.position(of: $0.tags) ?? 0, instance: $0) }
            .sorted { left, right in
                let (a, b) = (left.instance, right.instance)
                return (left.position, a.status.rankOrder, -a.score, a.hostRank, a.host, a.port)
                    < (right.position, b.status.rankOrder, -b.score, b.hostRank, b.host, b.port)
            }
    }

    /// Keep-together groups (one per tag value and order position), each at the place of its first member;
    /// an instance without the keep-together tag is a group of its own.
    func group(_ ordered: [(position: Int, instance: PlannedInstance)], notes: inout [PlanNote]) -> [WaveGroup] {
        var groups: [WaveGroup] = []
        var index: [String: Int] = [:]
        var positions: [String: [Int]] = [:]
        for (position, instance) in ordered {
            guard let key = constraints.keepTogetherTag, let value = instance.tags[key] else {
                groups.append(WaveGroup(position: position, value: nil, members: [instance]))
                continue
            }
            let groupKey = "\(position)=\(value)"
            if let existing = index[groupKey] {
                groups[existing].members.append(instance)
            } else {
                index[groupKey] = groups.count
                groups.append(WaveGroup(position: position, value: value, members: [instance]))
                positions[value, default: []].append(position)
            }
        }
        if let key = constraints.keepTogetherTag, let tagOrder = constraints.tagOrder {
            for (value, spanned) in positions.sorted(by: { $0.key < $1.key }) where spanned.count > 1 {
                let names = spanned.map { tagOrder.value(at: $0) ?? "(unlisted)" }.joined(separator: ", ")
                notes.append(
                    PlanNote(
                        kind: .groupSpansOrder,
                        message:
                            "\(key)=\(value) spans \(tagOrder.key) values \(names): each part moves with its "
                            + "\(tagOrder.key) value, so the group is split by the tag order.",
                        group: value,
                        instances: groups.filter { $0.value == value }.flatMap(\.members).map(\.name)))
            }
        }
        return groups
    }

    private func summaryNotes(waves: [PlanWave], notReady: [NotReadyInstance]) -> [PlanNote] {
        var notes: [PlanNote] = []
        let planned = waves.flatMap { wave in wave.instances.map { (wave: wave.number, instance: $0) } }
        let unknown = planned.filter { $0.instance.datasetBytes == nil }
        if !unknown.isEmpty {
            notes.append(
                PlanNote(
                    kind: .unknownDataset,
                    message:
                        "\(unknown.count) instance(s) did not report their dataset size (INFO used_memory): counted "
                        + "as 0 bytes and 0 s of sync in the limits. Check their size before their wave.",
                    instances: unknown.map(\.instance.name), waves: Self.distinct(unknown.map(\.wave))))
        }
        if let tagOrder = constraints.tagOrder {
            let unlisted = planned.filter { tagOrder.position(of: $0.instance.tags) == tagOrder.values.count }
            if !unlisted.isEmpty {
                notes.append(
                    PlanNote(
                        kind: .unlistedOrderValue,
                        message:
                            "\(unlisted.count) instance(s) have no \(tagOrder.key) tag or a value not in "
                            + "\(tagOrder.values.joined(separator: ", ")): they move last, after every listed value.",
                        instances: unlisted.map(\.instance.name), waves: Self.distinct(unlisted.map(\.wave))))
            }
        }
        let unreachable = notReady.filter { $0.status == .unreachable }
        if !unreachable.isEmpty {
            notes.append(
                PlanNote(
                    kind: .unreachableHosts,
                    message:
                        "\(unreachable.count) host(s) could not be audited and are not planned: fix access (see "
                        + "not_ready) and audit again.",
                    instances: unreachable.map(\.name)))
        }
        if waves.isEmpty {
            notes.append(
                PlanNote(
                    kind: .nothingToPlan,
                    message: "No instance is ready or has only warnings: no wave. The backlog lists what to fix first."
                ))
        }
        return notes
    }

    static func distinct(_ numbers: [Int]) -> [Int] { Array(Set(numbers)).sorted() }
}

/// Instances that move together (a keep-together group, or one instance), at one position of the tag order.
struct WaveGroup: Sendable {
    var position: Int
    /// The keep-together tag value; nil for an instance without the tag.
    var value: String?
    var members: [PlannedInstance]

    /// Saturating, as `PlanWave.datasetBytes`.
    var datasetBytes: Int64 { members.map { $0.datasetBytes ?? 0 }.saturatingSum() }
    var syncSeconds: Double { members.reduce(0) { $0 + ($1.estimatedSyncSeconds ?? 0) } }
}
