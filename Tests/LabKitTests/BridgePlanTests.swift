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

/// The root namespace's neighbour table and receive backlog must hold one entry per lab host, or hosts go silent.
final class KernelLimitsTests: XCTestCase {
    private let defaults = [
        KernelLimits.neighbourThresholds[0]: 128, KernelLimits.neighbourThresholds[1]: 512,
        KernelLimits.neighbourThresholds[2]: 1024, KernelLimits.receiveBacklog: 1000,
    ]

    func testSmallLabsLeaveTheKernelDefaultsAlone() {
        XCTAssertEqual(KernelLimits.needed(hosts: 23, current: defaults), [:])
        XCTAssertEqual(KernelLimits.needed(hosts: 256, current: defaults), [:])
    }

    func testLargeLabsRaiseEveryThresholdInOrderAndTheBacklogPastTheBridgeFlood() throws {
        let values = KernelLimits.needed(hosts: 1_030, current: defaults)
        let entries = 1_030 + KernelLimits.spare
        let thresholds = try KernelLimits.neighbourThresholds.map { try XCTUnwrap(values[$0]) }
        XCTAssertEqual(thresholds, [entries, 2 * entries, 4 * entries], "no eviction while every host fits")
        XCTAssertGreaterThan(try XCTUnwrap(values[KernelLimits.receiveBacklog]), 1_030 + 1, "one copy per port")
        // 500 hosts: the neighbour table, not the backlog (a flood of 500 copies fits in 1,000).
        XCTAssertNil(KernelLimits.needed(hosts: 500, current: defaults)[KernelLimits.receiveBacklog])
        XCTAssertNotNil(KernelLimits.needed(hosts: 500, current: defaults)[KernelLimits.neighbourThresholds[2]])
    }

    func testNothingIsEverLowered() {
        let large = defaults.mapValues { $0 * 100 }
        XCTAssertEqual(KernelLimits.needed(hosts: 1_030, current: large), [:])
    }

    func testRaiseRecordsTheOriginalValuesOnceAndRestorePutsThemBack() throws {
        // Real sysctls of this machine, put back at the end. The suite runs as root (CI does; the lab needs it too).
        let path = KernelLimits.neighbourThresholds[1]
        XCTAssertEqual(geteuid(), 0, "writing /proc/sys/net/ipv4/neigh/default needs root")
        let before = try String(contentsOfFile: path, encoding: .utf8)
        let state = NSTemporaryDirectory() + "fleet-lab-sysctl-\(UUID().uuidString)"
        let limits = KernelLimits(stateFile: state)
        let hosts = (Int(before.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 512) + 10
        try limits.raise(forHosts: hosts)
        defer { limits.restore() }
        let raised = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(Int(raised), 2 * (hosts + KernelLimits.spare))
        try limits.raise(forHosts: hosts + 100)
        limits.restore()
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), before, "the first recorded values come back")
        XCTAssertFalse(FileManager.default.fileExists(atPath: state))
    }
}
