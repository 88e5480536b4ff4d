import FleetCore
import Foundation
import XCTest

@testable import Planning

/// Properties every plan must have, checked on generated fleets of 1,000+ instances (seeded, so a failure
/// reproduces) under several combinations of constraints.
final class PlanPropertyTests: XCTestCase {
    private let now = Date(timeIntervalSince1970: 1_800_000_000)

    private static let gib: Int64 = 1024 * 1024 * 1024

    /// Constraint sets from loose to tight; with and without ordering and groups.
    private var constraintSets: [PlanConstraints] {
        let order = TagOrder(key: "env", values: ["dev", "staging", "prod"])
        return [
            PlanConstraints(),
            PlanConstraints(maxInstancesPerWave: 7),
            PlanConstraints(maxDatasetBytesPerWave: 20 * Self.gib),
            PlanConstraints(maxSyncSecondsPerWave: 300),
            PlanConstraints(maxInstancesPerWave: 25, tagOrder: order),
            PlanConstraints(maxInstancesPerWave: 4, keepTogetherTag: "app"),
            PlanConstraints(
                maxInstancesPerWave: 30, maxDatasetBytesPerWave: 64 * Self.gib, maxSyncSecondsPerWave: 600,
                tagOrder: order, keepTogetherTag: "app"),
            PlanConstraints(
                maxInstancesPerWave: 3, maxDatasetBytesPerWave: 2 * Self.gib, maxSyncSecondsPerWave: 30,
                tagOrder: order, keepTogetherTag: "app"),
        ]
    }

    func testEveryConstraintHoldsOnGeneratedFleets() {
        var kindsSeen: Set<PlanNote.Kind> = []
        for (count, seed) in [(1_000, UInt64(1)), (1_500, 7), (2_500, 42)] {
            let verdict = SyntheticFleet(instanceCount: count, seed: seed).verdict()
            XCTAssertGreaterThanOrEqual(verdict.hosts.reduce(0) { $0 + $1.instances.count }, count)
            for constraints in constraintSets {
                let plan = WavePlanner(constraints: constraints).plan(verdict, generatedAt: now)
                let context = "\(count) instances, seed \(seed), \(constraints)"
                checkMembership(plan, verdict, context)
                checkLimits(plan, context)
                checkTagOrder(plan, context)
                checkGroups(plan, context)
                checkBacklog(plan, context)
                kindsSeen.formUnion(plan.notes.map(\.kind))
            }
        }
        // The fleets must reach every case the properties speak about, or the properties prove little.
        XCTAssertEqual(kindsSeen, Set(PlanNote.Kind.allCases).subtracting([.nothingToPlan]))
    }

    func testWithOnlyACountLimitWavesFollowTheRankOrderExactly() {
        let verdict = SyntheticFleet(instanceCount: 1_200, seed: 3).verdict()
        let plan = WavePlanner(constraints: PlanConstraints(maxInstancesPerWave: 9)).plan(verdict, generatedAt: now)
        let planned = plan.plannedInstances
        for (before, after) in zip(planned, planned.dropFirst()) {
            XCTAssertTrue(
                (before.status.rankOrder, -before.score, before.hostRank, before.host, before.port)
                    < (after.status.rankOrder, -after.score, after.hostRank, after.host, after.port),
                "\(before.name) before \(after.name)")
        }
        XCTAssertTrue(plan.waves.dropLast().allSatisfy { $0.instances.count == 9 }, "every wave but the last is full")
    }

    func testTheSameFleetAndConstraintsGiveTheSamePlan() {
        let verdict = SyntheticFleet(instanceCount: 1_000, seed: 11).verdict()
        for constraints in constraintSets {
            let planner = WavePlanner(constraints: constraints)
            XCTAssertEqual(planner.plan(verdict, generatedAt: now), planner.plan(verdict, generatedAt: now))
        }
        XCTAssertEqual(
            SyntheticFleet(instanceCount: 1_000, seed: 11).verdict(), verdict, "the generator is deterministic")
    }

    // MARK: Properties

    /// Every ready/warnings instance in exactly one wave; every other instance and host in not_ready, once.
    private func checkMembership(_ plan: MigrationPlan, _ verdict: FleetVerdict, _ context: String) {
        var movable: [String] = []
        var others: [String] = []
        for host in verdict.hosts {
            if host.instances.isEmpty { others.append(host.host.name) }
            for instance in host.instances {
                let name = "\(host.host.name):\(instance.port)"
                if instance.status == .ready || instance.status == .warnings {
                    movable.append(name)
                } else {
                    others.append(name)
                }
            }
        }
        let planned = plan.plannedInstances
        XCTAssertEqual(planned.map(\.name).sorted(), movable.sorted(), context)
        XCTAssertEqual(Set(planned.map(\.name)).count, planned.count, "no instance twice: \(context)")
        XCTAssertTrue(planned.allSatisfy { $0.status == .ready || $0.status == .warnings }, context)
        XCTAssertEqual(plan.notReady.map(\.name).sorted(), others.sorted(), context)
        XCTAssertTrue(plan.notReady.allSatisfy { $0.status != .ready && $0.status != .warnings }, context)
        XCTAssertEqual(plan.waves.map(\.number), (0..<plan.waves.count).map { $0 + 1 }, context)
    }

    /// Every wave within every limit, except a wave of one instance that alone exceeds one, which a note names.
    private func checkLimits(_ plan: MigrationPlan, _ context: String) {
        let constraints = plan.constraints
        for wave in plan.waves {
            XCTAssertFalse(wave.instances.isEmpty, context)
            let bytes = wave.instances.reduce(Int64(0)) { $0 + ($1.datasetBytes ?? 0) }
            let seconds = wave.instances.reduce(0.0) { $0 + ($1.estimatedSyncSeconds ?? 0) }
            XCTAssertEqual(wave.datasetBytes, bytes, context)
            XCTAssertEqual(wave.estimatedSyncSeconds, seconds, context)
            let withinCount = constraints.maxInstancesPerWave.map { wave.instances.count <= $0 } ?? true
            let withinBytes = constraints.maxDatasetBytesPerWave.map { bytes <= $0 } ?? true
            let withinSync = constraints.maxSyncSecondsPerWave.map { seconds <= $0 } ?? true
            XCTAssertTrue(withinCount, "wave \(wave.number) holds \(wave.instances.count): \(context)")
            if withinBytes && withinSync {
                XCTAssertTrue(wave.exceededLimits.isEmpty, "wave \(wave.number): \(context)")
                continue
            }
            XCTAssertEqual(wave.instances.count, 1, "only a lone instance may exceed: wave \(wave.number), \(context)")
            XCTAssertFalse(wave.exceededLimits.isEmpty, context)
            let name = wave.instances.first?.name ?? ""
            XCTAssertTrue(
                plan.notes.contains {
                    $0.kind == .oversizedInstance && $0.instances == [name] && $0.waves == [wave.number]
                },
                "no note for oversized \(name) in wave \(wave.number): \(context)")
        }
        let oversizedNotes = plan.notes.filter { $0.kind == .oversizedInstance }
        XCTAssertEqual(oversizedNotes.count, plan.waves.filter { !$0.exceededLimits.isEmpty }.count, context)
        let unknown = plan.plannedInstances.filter { $0.datasetBytes == nil }.map(\.name)
        XCTAssertEqual(plan.notes.first { $0.kind == .unknownDataset }?.instances ?? [], unknown, context)
    }

    /// With a tag order: one position per wave, positions never decrease, unlisted ones last and noted.
    private func checkTagOrder(_ plan: MigrationPlan, _ context: String) {
        guard let order = plan.constraints.tagOrder else { return }
        var previous = 0
        for wave in plan.waves {
            let positions = Set(wave.instances.map { order.position(of: $0.tags) })
            XCTAssertEqual(positions.count, 1, "wave \(wave.number) mixes order values: \(context)")
            let position = positions.first ?? 0
            XCTAssertGreaterThanOrEqual(position, previous, "wave \(wave.number) moves back: \(context)")
            XCTAssertEqual(wave.orderTagValue, order.value(at: position), context)
            previous = position
        }
        let unlisted = plan.plannedInstances.filter { order.position(of: $0.tags) == order.values.count }.map(\.name)
        XCTAssertEqual(plan.notes.first { $0.kind == .unlistedOrderValue }?.instances ?? [], unlisted, context)
    }

    /// Instances sharing a keep-together value (and order position) share a wave, unless a split note names them
    /// all, and a split happens only when the group cannot fit in an empty wave.
    private func checkGroups(_ plan: MigrationPlan, _ context: String) {
        guard let key = plan.constraints.keepTogetherTag else {
            XCTAssertFalse(plan.notes.contains { $0.kind == .groupSplit }, context)
            return
        }
        var waveOf: [String: Int] = [:]
        var groups: [String: [PlannedInstance]] = [:]
        for wave in plan.waves {
            for instance in wave.instances {
                waveOf[instance.name] = wave.number
                guard let value = instance.tags[key] else { continue }
                let position = plan.constraints.tagOrder?.position(of: instance.tags) ?? 0
                groups["\(position)=\(value)", default: []].append(instance)
            }
        }
        var splitGroups = 0
        for (_, members) in groups {
            let waves = Set(members.map { waveOf[$0.name] ?? 0 })
            if waves.count == 1 { continue }
            splitGroups += 1
            let names = Set(members.map(\.name))
            XCTAssertTrue(
                plan.notes.contains { $0.kind == .groupSplit && Set($0.instances) == names },
                "group \(members.first?.tags[key] ?? "") split over \(waves.sorted()) without a note: \(context)")
            let bytes = members.reduce(Int64(0)) { $0 + ($1.datasetBytes ?? 0) }
            let seconds = members.reduce(0.0) { $0 + ($1.estimatedSyncSeconds ?? 0) }
            XCTAssertFalse(
                plan.constraints.exceededLimits(instances: members.count, datasetBytes: bytes, syncSeconds: seconds)
                    .isEmpty, "a group that fits one wave was split: \(context)")
        }
        XCTAssertEqual(plan.notes.filter { $0.kind == .groupSplit }.count, splitGroups, context)
    }

    /// The backlog covers every blocking check of not-ready instances, largest impact first.
    private func checkBacklog(_ plan: MigrationPlan, _ context: String) {
        var counts: [String: Int] = [:]
        for entry in plan.notReady {
            for check in entry.blockingChecks { counts[check.id, default: 0] += 1 }
        }
        XCTAssertEqual(
            Dictionary(uniqueKeysWithValues: plan.backlog.map { ($0.checkID, $0.instances) }), counts, context)
        for (first, second) in zip(plan.backlog, plan.backlog.dropFirst()) {
            XCTAssertGreaterThanOrEqual(first.unblocksInstances, second.unblocksInstances, context)
        }
    }
}
