import FleetCore
import XCTest

@testable import Planning

final class RemediationBacklogTests: XCTestCase {
    private func entry(_ host: String, port: Int, _ checks: [(String, CheckStatus)]) -> NotReadyInstance {
        NotReadyInstance(
            host: host, address: "10.0.0.1", port: port, status: .blocked, score: 50, hostRank: 1, tags: [:],
            datasetBytes: nil, reason: nil,
            blockingChecks: checks.map { id, status in
                BlockingCheck(
                    id: id, title: id, status: status, scope: .instance, summary: id, remediation: "fix \(id)")
            }, remainingWarnings: [])
    }

    func testAFixThatAloneUnblocksInstancesRanksAboveOneThatBlocksMoreButUnblocksNone() throws {
        let items = RemediationBacklog.items(for: [
            entry("a", port: 6379, [("source.bind", .fail), ("source.auth", .fail)]),
            entry("b", port: 6379, [("source.bind", .fail), ("source.auth", .fail)]),
            entry("c", port: 6379, [("source.bind", .fail), ("source.modules", .fail)]),
            entry("d", port: 6379, [("source.auth", .fail)]),
            entry("d", port: 6380, [("source.modules", .unknown)]),
        ])
        XCTAssertEqual(items.map(\.checkID), ["source.auth", "source.modules", "source.bind"])
        let auth = items[0]
        XCTAssertEqual(auth.instances, 3)
        XCTAssertEqual(auth.hosts, 3)
        XCTAssertEqual(auth.unblocksInstances, 1)
        XCTAssertEqual(auth.unblocksHosts, 0, "d:6380 still needs source.modules")
        let modules = items[1]
        XCTAssertEqual(modules.unblocksInstances, 1)
        XCTAssertEqual([modules.failing, modules.unknown], [1, 1])
        XCTAssertEqual(items[2].unblocksInstances, 0)
        XCTAssertEqual(items[2].instances, 3)
        XCTAssertEqual(items[2].affected, ["a:6379", "b:6379", "c:6379"])
    }

    func testAHostIsUnblockedWhenTheFixAloneClearsAllItsInstances() throws {
        let items = RemediationBacklog.items(for: [
            entry("a", port: 6379, [("source.bind", .fail)]),
            entry("a", port: 6380, [("source.bind", .fail)]),
        ])
        XCTAssertEqual(items.map(\.unblocksHosts), [1])
        XCTAssertEqual(items.map(\.remediations), [["fix source.bind"]])
    }
}
