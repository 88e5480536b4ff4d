import FleetCore
import Foundation
import Reports
import XCTest

@testable import Planning

/// Issue 10: instances reporting datasets near Int64.max used to trap the planner where wave totals were summed.
/// Totals now saturate: a saturated total exceeds every limit, as the true one would.
final class HugeDatasetPlanTests: XCTestCase {
    private func fleet() -> FleetVerdict {
        var builder = FleetBuilder()
        builder.host("huge-1", tags: ["app": "shop"], [(6379, .ready, Int64.max), (6380, .ready, Int64.max)])
        builder.host("huge-2", tags: ["app": "shop"], [(6379, .warnings, Int64.max - 1)])
        builder.ready("small", gib: 1, tags: ["app": "shop"])
        return builder.verdict
    }

    func testWithoutLimitsOneWaveHoldsASaturatedTotal() {
        let plan = WavePlanner(constraints: PlanConstraints()).plan(fleet(), generatedAt: Date())
        XCTAssertEqual(plan.waves.count, 1)
        XCTAssertEqual(plan.waves[0].instances.count, 4)
        XCTAssertEqual(plan.waves[0].datasetBytes, .max, "Int64.max + Int64.max + ... saturates")
        for renderer in PlanRenderers.all { XCTAssertFalse(renderer.render(plan).isEmpty, renderer.identifier) }
        XCTAssertFalse(PlanTerminalRenderer().render(plan).isEmpty)
    }

    func testUnderLimitsEachHugeInstanceMovesAloneAndTheKeepTogetherGroupSplits() {
        let constraints = PlanConstraints(
            maxInstancesPerWave: 10, maxDatasetBytesPerWave: 50 << 30, keepTogetherTag: "app")
        let plan = WavePlanner(constraints: constraints).plan(fleet(), generatedAt: Date())
        let alone = plan.waves.filter { !$0.exceededLimits.isEmpty }
        XCTAssertEqual(alone.count, 3, "each huge instance alone exceeds the dataset limit")
        XCTAssertTrue(
            alone.allSatisfy { $0.instances.count == 1 && $0.exceededLimits == ["max_dataset_bytes_per_wave"] })
        XCTAssertEqual(plan.plannedInstances.count, 4)
        XCTAssertTrue(plan.notes.contains { $0.kind == .groupSplit })
        for renderer in PlanRenderers.all { XCTAssertFalse(renderer.render(plan).isEmpty, renderer.identifier) }
    }

    func testDurationsThatAreNotFiniteOrFitNoIntegerPrintWithoutTrapping() {
        XCTAssertEqual(PlanText.duration(.infinity), "inf s")
        XCTAssertEqual(PlanText.duration(.nan), "nan s")
        XCTAssertEqual(PlanText.duration(1e300), "1e+300 s")
        XCTAssertEqual(PlanText.duration(3_900), "1 h 5 min")
    }
}
