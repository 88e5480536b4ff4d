import FleetCore
import Foundation
import XCTest

@testable import Planning

/// Each constraint on small hand-made fleets.
final class WavePlannerTests: XCTestCase {
    private let now = Date(timeIntervalSince1970: 1_800_000_000)

    private func plan(_ fleet: FleetBuilder, _ constraints: PlanConstraints = PlanConstraints()) -> MigrationPlan {
        WavePlanner(constraints: constraints).plan(fleet.verdict, generatedAt: now)
    }

    private func names(_ plan: MigrationPlan) -> [[String]] { plan.waves.map { $0.instances.map(\.host) } }

    func testWithoutConstraintsOneWaveHoldsEveryReadyAndWarningsInstance() {
        var fleet = FleetBuilder()
        fleet.ready("a", gib: 1)
        fleet.host("b", [(6379, .warnings, 10), (6380, .blocked, 10)])
        let result = plan(fleet)
        XCTAssertEqual(result.waves.map { $0.instances.map(\.name) }, [["a:6379", "b:6379"]])
        XCTAssertEqual(result.notReady.map(\.name), ["b:6380"])
    }

    func testMaxInstancesPerWaveCutsWavesInOrder() {
        var fleet = FleetBuilder()
        for name in ["a", "b", "c", "d", "e"] { fleet.ready(name, gib: 1) }
        let result = plan(fleet, PlanConstraints(maxInstancesPerWave: 2))
        XCTAssertEqual(names(result), [["a", "b"], ["c", "d"], ["e"]])
        XCTAssertEqual(result.waves.map(\.number), [1, 2, 3])
    }

    func testMaxDatasetFillsTheFirstWaveWithRoom() throws {
        var fleet = FleetBuilder()
        fleet.ready("a", gib: 6)
        fleet.ready("b", gib: 6)
        fleet.ready("c", gib: 3)
        let constraints = try PlanConstraints.fromCommandLine(
            maxInstancesPerWave: nil, maxGiBPerWave: 10, maxSyncMinutesPerWave: nil, orderByTag: nil,
            keepTogether: nil)
        let result = plan(fleet, constraints)
        XCTAssertEqual(names(result), [["a", "c"], ["b"]], "c fits beside a: first fit")
        XCTAssertEqual(result.waves[0].datasetBytes, 9 * FleetBuilder.gib)
    }

    func testAnInstanceLargerThanTheDatasetLimitMovesAloneAndThePlanSaysSo() throws {
        var fleet = FleetBuilder()
        fleet.ready("small", gib: 1)
        fleet.ready("huge", gib: 50)
        fleet.ready("small-2", gib: 1)
        let result = plan(fleet, PlanConstraints(maxDatasetBytesPerWave: 10 * FleetBuilder.gib))
        XCTAssertEqual(names(result), [["small", "small-2"], ["huge"]])
        XCTAssertEqual(result.waves[1].exceededLimits, ["max_dataset_bytes_per_wave"])
        let note = try XCTUnwrap(result.notes.first { $0.kind == .oversizedInstance })
        XCTAssertEqual(note.instances, ["huge:6379"])
        XCTAssertEqual(note.waves, [2])
        XCTAssertTrue(note.message.contains("50 GiB"), note.message)
    }

    func testMaxSyncSecondsBoundsTheSummedEstimates() {
        var fleet = FleetBuilder()
        // 8 GiB at 1 Gbit/s is about 68.7 s of sync each.
        for name in ["a", "b", "c"] { fleet.ready(name, gib: 8) }
        let result = plan(fleet, PlanConstraints(maxSyncSecondsPerWave: 140))
        XCTAssertEqual(names(result), [["a", "b"], ["c"]])
        XCTAssertLessThanOrEqual(result.waves[0].estimatedSyncSeconds, 140)
        XCTAssertEqual(result.waves[0].estimatedSyncSeconds, 2 * Double(8 * FleetBuilder.gib) * 8 / 1e9, accuracy: 1e-6)
    }

    func testAnUnknownDatasetCountsAsZeroAndIsFlagged() throws {
        var fleet = FleetBuilder()
        fleet.ready("sized", gib: 9)
        fleet.ready("mystery", gib: nil)
        let result = plan(fleet, PlanConstraints(maxDatasetBytesPerWave: 10 * FleetBuilder.gib))
        XCTAssertEqual(names(result), [["sized", "mystery"]])
        XCTAssertEqual(result.waves[0].unknownDatasetCount, 1)
        let note = try XCTUnwrap(result.notes.first { $0.kind == .unknownDataset })
        XCTAssertEqual(note.instances, ["mystery:6379"])
        XCTAssertEqual(note.waves, [1])
    }

    func testTagOrderMovesListedValuesFirstAndUnlistedOnesLastWithANote() throws {
        var fleet = FleetBuilder()
        fleet.ready("p", gib: 1, tags: ["env": "prod"])
        fleet.ready("q", gib: 1, tags: ["env": "qa"])
        fleet.ready("d", gib: 1, tags: ["env": "dev"])
        fleet.ready("none", gib: 1)
        fleet.ready("s", gib: 1, tags: ["env": "staging"])
        let order = try TagOrder(parsing: "env=dev,staging,prod")
        let result = plan(fleet, PlanConstraints(tagOrder: order))
        XCTAssertEqual(names(result), [["d"], ["s"], ["p"], ["q", "none"]], "one wave per value, even with room")
        XCTAssertEqual(result.waves.map(\.orderTagValue), ["dev", "staging", "prod", nil])
        let note = try XCTUnwrap(result.notes.first { $0.kind == .unlistedOrderValue })
        XCTAssertEqual(Set(note.instances), ["none:6379", "q:6379"])
        XCTAssertEqual(note.waves, [4])
    }

    func testReadyMovesBeforeWarningsThenHigherScoreThenHostRankThenPort() {
        var fleet = FleetBuilder()
        fleet.host("w", [(6379, .warnings, 1)])
        fleet.host("r-low", score: 90, [(6379, .ready, 1)])
        fleet.host("r-b", [(6379, .ready, 1)])
        fleet.host("r-a", [(6380, .ready, 1), (6379, .ready, 1)])
        let result = plan(fleet, PlanConstraints(maxInstancesPerWave: 1))
        XCTAssertEqual(
            result.plannedInstances.map(\.name), ["r-b:6379", "r-a:6379", "r-a:6380", "r-low:6379", "w:6379"],
            "r-b ranks before r-a in the run (the builder ranks hosts in the order they are added)")
    }

    func testKeepTogetherPutsAGroupInOneWaveWhenItFits() {
        var fleet = FleetBuilder()
        fleet.ready("shop-1", gib: 1, tags: ["app": "shop"])
        fleet.ready("blog-1", gib: 1, tags: ["app": "blog"])
        fleet.ready("shop-2", gib: 1, tags: ["app": "shop"])
        fleet.ready("blog-2", gib: 1, tags: ["app": "blog"])
        let together = plan(fleet, PlanConstraints(maxInstancesPerWave: 2, keepTogetherTag: "app"))
        XCTAssertEqual(names(together), [["shop-1", "shop-2"], ["blog-1", "blog-2"]])
        let apart = plan(fleet, PlanConstraints(maxInstancesPerWave: 2))
        XCTAssertEqual(names(apart), [["shop-1", "blog-1"], ["shop-2", "blog-2"]], "without the option, rank order")
        XCTAssertTrue(together.notes.isEmpty)
    }

    func testAGroupLargerThanAWaveIsSplitIntoConsecutiveWavesWithANote() throws {
        var fleet = FleetBuilder()
        fleet.ready("lone", gib: 1)
        for index in 1...5 { fleet.ready("shop-\(index)", gib: 1, tags: ["app": "shop"]) }
        let result = plan(fleet, PlanConstraints(maxInstancesPerWave: 2, keepTogetherTag: "app"))
        XCTAssertEqual(names(result), [["lone"], ["shop-1", "shop-2"], ["shop-3", "shop-4"], ["shop-5"]])
        let note = try XCTUnwrap(result.notes.first { $0.kind == .groupSplit })
        XCTAssertEqual(note.group, "shop")
        XCTAssertEqual(note.waves, [2, 3, 4])
        XCTAssertEqual(note.instances.count, 5)
        XCTAssertTrue(note.message.contains("max_instances_per_wave"), note.message)
    }

    func testAGroupSpanningTagOrderValuesMovesWithEachValueAndThePlanSaysSo() throws {
        var fleet = FleetBuilder()
        fleet.ready("shop-prod", gib: 1, tags: ["app": "shop", "env": "prod"])
        fleet.ready("shop-dev", gib: 1, tags: ["app": "shop", "env": "dev"])
        let result = plan(
            fleet, PlanConstraints(tagOrder: TagOrder(key: "env", values: ["dev", "prod"]), keepTogetherTag: "app"))
        XCTAssertEqual(names(result), [["shop-dev"], ["shop-prod"]])
        let note = try XCTUnwrap(result.notes.first { $0.kind == .groupSpansOrder })
        XCTAssertEqual(note.group, "shop")
        XCTAssertEqual(Set(note.instances), ["shop-dev:6379", "shop-prod:6379"])
    }

    func testBlockedReviewAndUnreachableAreListedApartWithTheirFixes() throws {
        var fleet = FleetBuilder()
        fleet.host(
            "blocked", [(6379, .blocked, 1)],
            checks: [
                FleetBuilder.check("source.bind", .fail, remediation: "bind 0.0.0.0"),
                FleetBuilder.check("source.thp", .warn, severity: .warning),
                FleetBuilder.check("source.auth", .waived),
            ])
        fleet.host("review", [(6379, .review, 1)], checks: [FleetBuilder.check("network.security-group", .unknown)])
        fleet.unreachable("gone")
        fleet.ready("fine", gib: 1)
        let result = plan(fleet)
        XCTAssertEqual(result.plannedInstances.map(\.name), ["fine:6379"])
        XCTAssertEqual(result.notReady.map(\.name), ["blocked:6379", "review:6379", "gone"])
        let blocked = result.notReady[0]
        XCTAssertEqual(blocked.blockingChecks.map(\.id), ["source.bind"], "warnings and waived checks do not block")
        XCTAssertEqual(blocked.blockingChecks.first?.remediation, "bind 0.0.0.0")
        XCTAssertEqual(blocked.remainingWarnings, ["source.thp"])
        let review = result.notReady[1]
        XCTAssertEqual(review.blockingChecks.first?.status, .unknown)
        XCTAssertTrue(review.blockingChecks.first?.remediation.contains("Collect the missing evidence") == true)
        XCTAssertEqual(result.notReady[2].status, .unreachable)
        XCTAssertEqual(result.notReady[2].reason, "refused/connect: refused")
        XCTAssertEqual(result.notes.first { $0.kind == .unreachableHosts }?.instances, ["gone"])
    }

    func testAFailingTargetCheckBlocksEveryInstanceAndIsItsFix() throws {
        var fleet = FleetBuilder()
        fleet.targetChecks = [FleetBuilder.check("target.multi-az", .fail, remediation: "multi_az: true")]
        fleet.host("a", [(6379, .blocked, 1)])
        fleet.host("b", [(6379, .blocked, 1)])
        let result = plan(fleet)
        XCTAssertTrue(result.waves.isEmpty)
        XCTAssertEqual(result.notes.map(\.kind), [.nothingToPlan])
        XCTAssertEqual(result.notReady.flatMap(\.blockingChecks).map(\.scope), [.target, .target])
        let item = try XCTUnwrap(result.backlog.first)
        XCTAssertEqual(item.checkID, "target.multi-az")
        XCTAssertEqual(item.scope, .target)
        XCTAssertEqual(item.unblocksInstances, 2)
        XCTAssertEqual(item.unblocksHosts, 2)
    }
}
