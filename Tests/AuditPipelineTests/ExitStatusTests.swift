import AuditPipeline
import FleetCore
import XCTest

/// The one function that decides fleet-audit's exit status: every class of problem, every `--fail-on` value.
final class ExitStatusTests: XCTestCase {
    private func status(_ problems: [AuditProblem], _ failOn: FailOn) -> Int32 {
        ExitStatus.of(AuditOutcome(problems: problems), failOn: failOn)
    }

    func testTheDocumentedStatusesKeepTheirValues() {
        XCTAssertEqual(
            [
                ExitStatus.success, ExitStatus.findings, ExitStatus.invalidInput, ExitStatus.environment,
                ExitStatus.usage,
            ],
            [0, 1, 2, 3, 64])
        XCTAssertTrue(ExitStatus.helpText.contains("0 success; 1 some host failed or findings reached --fail-on; 2"))
    }

    func testAnOutcomeWithoutProblemsSucceedsWhateverTheFailOnLevel() {
        for failOn in FailOn.allCases { XCTAssertEqual(status([], failOn), 0, "\(failOn)") }
    }

    func testAnInputProblemExitsTwoWhateverElseHappenedAndWhateverTheLevel() {
        let others: [AuditProblem] = [.environment("history: locked"), .finding(.blocked, "cache-1: blocked")]
        for failOn in FailOn.allCases {
            XCTAssertEqual(status([.input("inventory.yaml:3: hosts[0].port: not a number")], failOn), 2, "\(failOn)")
            XCTAssertEqual(status(others + [.input("target.yaml: missing")], failOn), 2, "\(failOn)")
        }
    }

    func testAnEnvironmentProblemExitsThreeEvenWhenFindingsReachTheLevel() {
        for failOn in FailOn.allCases {
            XCTAssertEqual(status([.environment("cannot create reports/runs")], failOn), 3, "\(failOn)")
            XCTAssertEqual(
                status([.finding(.unreachable, "cache-1: unreachable"), .environment("history: locked")], failOn), 3,
                "\(failOn)")
        }
    }

    /// Each finding status against each level: blocked counts review and unreachable too, warnings counts anything
    /// not ready, never counts nothing.
    func testFindingsExitOneExactlyWhenTheyReachTheFailOnLevel() {
        let expected: [FailOn: [ReadinessStatus: Int32]] = [
            .blocked: [.ready: 0, .warnings: 0, .review: 1, .blocked: 1, .unreachable: 1],
            .warnings: [.ready: 0, .warnings: 1, .review: 1, .blocked: 1, .unreachable: 1],
            .never: [.ready: 0, .warnings: 0, .review: 0, .blocked: 0, .unreachable: 0],
        ]
        XCTAssertEqual(Set(expected.keys), Set(FailOn.allCases))
        for (failOn, byStatus) in expected {
            XCTAssertEqual(Set(byStatus.keys), Set(ReadinessStatus.allCases))
            for (found, exit) in byStatus {
                XCTAssertEqual(status([.finding(found, "cache-1: \(found)")], failOn), exit, "\(found) at \(failOn)")
            }
        }
    }

    func testTheWorstFindingDecides() {
        let problems: [AuditProblem] = [.finding(.warnings, "a: warnings"), .finding(.blocked, "b: blocked")]
        XCTAssertEqual(status(problems, .blocked), 1)
        XCTAssertEqual(status([.finding(.warnings, "a: warnings")], .blocked), 0)
    }

    func testOnlyFindingsCarryAStatus() {
        XCTAssertNil(AuditProblem.input("x").status)
        XCTAssertNil(AuditProblem(kind: .environment, status: .blocked, message: "x").status)
        XCTAssertEqual(AuditProblem(kind: .findings, message: "x").status, .blocked)
        XCTAssertEqual(AuditProblem.finding(.review, "x").status, .review)
    }
}
