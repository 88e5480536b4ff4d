import XCTest

@testable import LabKit

/// Bridges past the Linux limit of 1,023 ports each: every host gets a bridge, no bridge is over the limit.
final class BridgePlanTests: XCTestCase {
    func testUpTo1023HostsShareOneBridge() {
        for hosts in [1, 50, 500, 1023] {
            let plan = BridgePlan(hosts: hosts)
            XCTAssertEqual(plan.bridges, 1, "\(hosts) hosts")
            XCTAssertEqual(plan.bridge(ofHost: hosts - 1), 0)
            XCTAssertEqual(plan.portsInUse, [hosts])
        }
    }

    func testTheNextHostAddsABridgeJoinedToTheFirst() {
        let plan = BridgePlan(hosts: 1024)
        XCTAssertEqual(plan.bridges, 2)
        // The first bridge gives one port to the link: its last host moves over.
        XCTAssertEqual(plan.bridge(ofHost: 1021), 0)
        XCTAssertEqual(plan.bridge(ofHost: 1022), 1)
        XCTAssertEqual(plan.portsInUse, [1023, 3])
    }

    func testNoBridgeIsOverTheLimitAndHostsFillBridgesInOrder() {
        for hosts in [2044, 2045, 5000, 10_000] {
            let plan = BridgePlan(hosts: hosts)
            XCTAssertTrue(
                plan.portsInUse.allSatisfy { $0 <= BridgePlan.linuxPortLimit }, "\(hosts): \(plan.portsInUse)")
            XCTAssertEqual(plan.portsInUse.reduce(0, +), hosts + 2 * (plan.bridges - 1))
            let assigned = (0..<hosts).map(plan.bridge(ofHost:))
            XCTAssertEqual(assigned, assigned.sorted(), "hosts fill bridges in order")
            XCTAssertEqual(Set(assigned).count, plan.bridges, "no empty bridge")
        }
        XCTAssertEqual(BridgePlan(hosts: 2044).bridges, 2)
        XCTAssertEqual(BridgePlan(hosts: 2045).bridges, 3)
    }

    func testSmallBridgesShowTheStar() {
        // 4 ports per bridge: the first holds 2 hosts and 2 links, each further one 3 hosts and its link.
        let plan = BridgePlan(hosts: 8, portsPerBridge: 4)
        XCTAssertEqual(plan.bridges, 3)
        XCTAssertEqual((0..<8).map(plan.bridge(ofHost:)), [0, 0, 1, 1, 1, 2, 2, 2])
        XCTAssertEqual(plan.portsInUse, [4, 4, 4])
    }
}

/// The root namespace's neighbour table must hold one entry per lab host, or hosts past its limit go silent.
final class NeighbourTableTests: XCTestCase {
    func testSmallLabsLeaveTheKernelDefaultsAlone() {
        XCTAssertNil(NeighbourTable.needed(hosts: 500, current: [128, 512, 1024]))
        XCTAssertNil(NeighbourTable.needed(hosts: 768, current: [128, 512, 1024]))
    }

    func testLargeLabsRaiseEveryThresholdInOrder() throws {
        let values = try XCTUnwrap(NeighbourTable.needed(hosts: 1_030, current: [128, 512, 1024]))
        XCTAssertEqual(values[2], 1_030 + NeighbourTable.spare)
        XCTAssertLessThanOrEqual(values[0], values[1])
        XCTAssertLessThanOrEqual(values[1], values[2])
        XCTAssertGreaterThanOrEqual(values[0], 128, "never lowered")
    }

    func testRaiseRecordsTheOriginalValuesOnceAndRestorePutsThemBack() throws {
        // Real sysctls: only when this process may write them (root), and only when they are the kernel defaults
        // or larger, so a lab left up by someone else is not disturbed.
        let path = "/proc/sys/net/ipv4/neigh/default/gc_thresh3"
        guard geteuid() == 0, let before = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw XCTSkip("needs root to write /proc/sys/net/ipv4/neigh/default")
        }
        let state = NSTemporaryDirectory() + "fleet-lab-neighbours-\(UUID().uuidString)"
        let table = NeighbourTable(stateFile: state)
        let hosts = (Int(before.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 1024) + 10
        try table.raise(forHosts: hosts)
        defer { table.restore() }
        let raised = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(Int(raised), hosts + NeighbourTable.spare)
        try table.raise(forHosts: hosts + 100)
        table.restore()
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), before, "the first recorded values come back")
        XCTAssertFalse(FileManager.default.fileExists(atPath: state))
    }
}
