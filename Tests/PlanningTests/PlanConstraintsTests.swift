import XCTest

@testable import Planning

final class PlanConstraintsTests: XCTestCase {
    private func constraints(
        instances: Int? = nil, gib: Double? = nil, minutes: Double? = nil, order: String? = nil,
        together: String? = nil
    ) throws(PlanConstraintError) -> PlanConstraints {
        try PlanConstraints.fromCommandLine(
            maxInstancesPerWave: instances, maxGiBPerWave: gib, maxSyncMinutesPerWave: minutes, orderByTag: order,
            keepTogether: together)
    }

    func testCommandLineUnitsBecomeBytesAndSeconds() throws {
        let parsed = try constraints(instances: 3, gib: 1.5, minutes: 2.5, order: "env=dev, prod", together: "app")
        XCTAssertEqual(parsed.maxInstancesPerWave, 3)
        XCTAssertEqual(parsed.maxDatasetBytesPerWave, 1_610_612_736)
        XCTAssertEqual(parsed.maxSyncSecondsPerWave, 150)
        XCTAssertEqual(parsed.tagOrder, TagOrder(key: "env", values: ["dev", "prod"]))
        XCTAssertEqual(parsed.keepTogetherTag, "app")
    }

    func testImpossibleValuesNameTheirOption() {
        let cases: [(String, () throws -> PlanConstraints)] = [
            ("--max-instances-per-wave", { try self.constraints(instances: 0) }),
            ("--max-gib-per-wave", { try self.constraints(gib: 0) }),
            ("--max-gib-per-wave", { try self.constraints(gib: -1) }),
            ("--max-gib-per-wave", { try self.constraints(gib: .nan) }),
            ("--max-sync-minutes-per-wave", { try self.constraints(minutes: .infinity) }),
            ("--order-by-tag", { try self.constraints(order: "env") }),
            ("--order-by-tag", { try self.constraints(order: "=dev") }),
            ("--order-by-tag", { try self.constraints(order: "env=dev,,prod") }),
            ("--order-by-tag", { try self.constraints(order: "env=dev,prod,dev") }),
            ("--keep-together", { try self.constraints(together: " ") }),
            ("--keep-together", { try self.constraints(together: "app=shop") }),
        ]
        for (option, make) in cases {
            XCTAssertThrowsError(try make(), option) { error in
                XCTAssertEqual((error as? PlanConstraintError)?.option, option)
            }
        }
    }

    func testMissingOrUnlistedTagValuesTakeTheLastPosition() throws {
        let order = try TagOrder(parsing: "env=dev,prod")
        XCTAssertEqual(order.position(of: ["env": "dev"]), 0)
        XCTAssertEqual(order.position(of: ["env": "prod"]), 1)
        XCTAssertEqual(order.position(of: ["env": "qa"]), 2)
        XCTAssertEqual(order.position(of: [:]), 2)
    }
}
