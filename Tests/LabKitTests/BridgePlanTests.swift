import LabKit
import XCTest

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
