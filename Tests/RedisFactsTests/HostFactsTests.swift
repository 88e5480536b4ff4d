import RedisFacts
import XCTest

/// Host-fact parsers on real outputs of this machine's tools (Fixtures/PROVENANCE.md, host/).
final class HostFactsTests: XCTestCase {
    func testIPv4AddressesFromBothFormsOfIpAddrAgree() throws {
        let json = InterfaceAddresses.ipv4(parsing: try fixture("host/ip-j-addr.json"))
        let text = InterfaceAddresses.ipv4(parsing: try fixture("host/ip-addr.txt"))
        XCTAssertEqual(json, text)
        XCTAssertTrue(json.contains("127.0.0.1"))
        XCTAssertEqual(json.joined(separator: ","), "127.0.0.1,192.0.2.2")
    }

    func testProcAndSysFiles() throws {
        let memory = MemInfo(parsing: try fixture("host/proc-meminfo.txt"))
        XCTAssertGreaterThan(memory.total ?? 0, 1 << 30)
        XCTAssertLessThanOrEqual(memory.available ?? .max, memory.total ?? 0)
        XCTAssertNotNil(LoadAverage(parsing: try fixture("host/proc-loadavg.txt")))
        XCTAssertTrue(
            ["always", "madvise", "never"].contains(
                TransparentHugepages.mode(parsing: try fixture("host/thp-enabled.txt")) ?? ""))
        XCTAssertGreaterThan(DiskFree.availableBytes(parsing: try fixture("host/df-Pk.txt")) ?? 0, 0)
    }

    func testOldKernelsWithoutMemAvailableAndAddressHelpers() {
        XCTAssertEqual(
            MemInfo(parsing: "MemTotal: 100 kB\nMemFree: 10 kB\nBuffers: 1 kB\nCached: 2 kB\n").available, 13 * 1024)
        XCTAssertEqual(IPv4Address("10.1.2.3")?.isPrivate, true)
        XCTAssertEqual(IPv4Address("172.32.0.1")?.isPrivate, false)
        XCTAssertEqual(IPv4Address("192.168.9.9")?.isIn(cidr: "192.168.0.0/16"), true)
        XCTAssertNil(IPv4Address("300.1.1.1"))
        XCTAssertEqual(
            FirewallRules.rulesBlocking(
                port: 6379, in: "-P INPUT ACCEPT\n-A INPUT -p tcp -m tcp --dport 6379 -j DROP\n"
            ).count, 1)
        XCTAssertEqual(
            ClientOutputBufferLimit.replica(in: "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60")?
                .hardBytes, 268_435_456)
    }
}
