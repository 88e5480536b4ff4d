import FleetCore
import Foundation
import Readiness
import XCTest

/// Issue 10, class 2: an INFO reply (or /proc file) with numbers near or past Int64.max, negative, NaN or infinite
/// used to trap the whole audit (exit 132). Each check that reads such a number now says `unknown` and names the
/// value; none passes on it, and the evaluation always completes.
final class RemoteNumberRuleTests: XCTestCase {
    static let outOfRange = [
        "9223372036854775808", "-1", "-9223372036854775808", "99999999999999999999999", "1e308", "nan", "inf",
    ]
    static let readersOfUsedMemory: [CheckID] = [
        "target.capacity", "source.disk-space", "source.output-buffer", "source.repl-backlog", "info.dataset",
    ]

    func testUsedMemoryOutOfRangeMakesEveryCheckReadingItUnknownNamingTheValue() {
        for value in Self.outOfRange {
            var fixture = SnapshotFixture()
            fixture.info = RealOutput.info(["used_memory": value, "rdb_last_bgsave_time_sec": "2"])
            let verdict = evaluate(fixture)
            for id in Self.readersOfUsedMemory {
                let check = verdict.check(id)
                XCTAssertEqual(check?.status, .unknown, "\(id) with used_memory:\(value)")
                XCTAssertEqual(
                    check?.summary,
                    "Cannot tell: INFO memory.used_memory is '\(value)', not a whole number from 0 to "
                        + "9223372036854775807.", "\(id) with used_memory:\(value)")
            }
            XCTAssertEqual(verdict.instanceStatus, .review, "an unknown blocker is never ready (\(value))")
            XCTAssertNil(verdict.hosts[0].instances[0].facts.usedMemoryBytes)
        }
    }

    func testTwoInstancesNearInt64MaxOnTwoHostsEvaluateAndRankWithoutTrapping() throws {
        var fixture = SnapshotFixture()
        fixture.info = RealOutput.info([
            "used_memory": "9223372036854775807", "used_memory_rss": "9223372036854775807",
            "maxmemory": "9223372036854775807", "connected_clients": "9223372036854775807",
            "rdb_last_bgsave_time_sec": "2",
            "db0": "keys=9223372036854775807,expires=9223372036854775807,avg_ttl=0\r\n"
                + "db1:keys=9223372036854775807,expires=1,avg_ttl=0",
        ])
        var host = fixture.snapshot
        var second = host.instances[0]
        second.port = 6380
        host.instances.append(second)
        var twin = host
        twin.host.name = "cache-2"
        let verdict = Evaluator(target: .demo(), now: Date(timeIntervalSince1970: 1_790_000_000)).evaluate(
            snapshots: [host, twin], runID: "test", inventoryDigest: "sha256:x",
            startedAt: Date(timeIntervalSince1970: 0), endedAt: nil)
        XCTAssertEqual(verdict.hosts.map(\.rank), [1, 2])
        XCTAssertEqual(verdict.hosts.map(\.host.name), ["cache-1", "cache-2"], "equal sizes: by name")
        for instance in verdict.hosts.flatMap(\.instances) {
            XCTAssertEqual(instance.facts.usedMemoryBytes, .max, "Int64.max itself is in range")
            XCTAssertNil(instance.facts.keys, "two databases of Int64.max keys do not sum")
            XCTAssertNil(instance.facts.keysWithExpiry)
            let dataset = try XCTUnwrap(instance.checks.first { $0.id == "info.dataset" })
            XCTAssertEqual(dataset.status, .unknown)
            XCTAssertTrue(dataset.summary.contains("key count"), dataset.summary)
            XCTAssertEqual(instance.checks.first { $0.id == "target.capacity" }?.status, .fail)
            XCTAssertEqual(instance.status, .blocked)
        }
    }

    func testAnInfiniteWriteEstimateIsUnknownNotATrap() {
        var fixture = SnapshotFixture()
        fixture.info = RealOutput.info([
            "used_memory": "9223372036854775807", "instantaneous_input_kbps": "1e308", "rdb_last_bgsave_time_sec": "2",
        ])
        let check = evaluate(fixture).check("source.output-buffer")
        XCTAssertEqual(check?.status, .unknown)
        XCTAssertTrue(check?.summary.contains("writes expected during the sync") ?? false, check?.summary ?? "")
        XCTAssertTrue(check?.evidence.contains { $0.observed == "1e308" } ?? false, "the value is shown as evidence")
    }

    func testABacklogShareBeyondInt64IsUnknown() {
        var fixture = SnapshotFixture()
        fixture.info = RealOutput.info(["used_memory": "9223372036854775807", "rdb_last_bgsave_time_sec": "2"])
        // 100% of Int64.max, as a Double, is 2^63: one past what Int64 holds.
        let check = evaluate(fixture, target: .demo { $0.policy.replBacklogPercent = 100 }).check("source.repl-backlog")
        XCTAssertEqual(check?.status, .unknown)
        XCTAssertTrue(check?.summary.contains("wanted backlog") ?? false, check?.summary ?? "")
    }

    func testABgsaveTimeNearInt64MaxIsUnknownInsteadOfDoublingPastIt() {
        var fixture = SnapshotFixture()
        fixture.info = RealOutput.info(["rdb_last_bgsave_time_sec": "9223372036854775807"])
        let check = evaluate(fixture).check("source.repl-timeout")
        XCTAssertEqual(check?.status, .unknown)
        XCTAssertTrue(check?.summary.contains("repl-timeout") ?? false, check?.summary ?? "")
    }

    func testMaxclientsAndConnectedClientsOutOfRange() {
        var fixture = SnapshotFixture()
        fixture.configGet = RealOutput.configGet([
            "protected-mode": "no", "bind": "* -::*", "port": "6379", "maxclients": "9223372036854775807",
        ])
        XCTAssertEqual(evaluate(fixture).check("source.maxclients")?.status, .unknown, "maxclients + 20% overflows")
        for value in ["inf", "1e308", "nan", "-5"] {
            fixture.configGet = RealOutput.configGet([
                "protected-mode": "no", "bind": "* -::*", "port": "6379", "maxclients": value,
            ])
            let check = evaluate(fixture).check("source.maxclients")
            XCTAssertEqual(check?.status, .unknown, value)
            XCTAssertEqual(check?.summary, "maxclients is not a positive whole number.", value)
        }
        fixture = SnapshotFixture()
        fixture.info = RealOutput.info(["connected_clients": "-1", "rdb_last_bgsave_time_sec": "2"])
        let check = evaluate(fixture).check("source.maxclients")
        XCTAssertEqual(check?.status, .unknown)
        XCTAssertTrue(check?.summary.contains("connected_clients is '-1'") ?? false, check?.summary ?? "")
    }

    func testLoadAverageThatIsNotAFiniteNumberIsUnknownNotAPass() {
        for loadavg in ["nan nan nan 1/1 1\n", "inf 0 0 1/1 1\n", "-1 0 0 1/1 1\n"] {
            var fixture = SnapshotFixture()
            fixture.loadavg = loadavg
            XCTAssertEqual(evaluate(fixture).check("source.cpu-headroom")?.status, .unknown, loadavg)
        }
        var fixture = SnapshotFixture()
        fixture.loadavg = "1e308 0 0 1/1 1\n"
        let check = evaluate(fixture).check("source.cpu-headroom")
        XCTAssertEqual(check?.status, .fail, "a finite, huge load is a real reading")
        XCTAssertEqual(check?.evidence.first?.observed, "1e+308")
    }

    func testMeminfoAndDiskFreePastInt64AreUnknown() {
        var fixture = SnapshotFixture()
        fixture.meminfo = "MemTotal: \(Int64.max) kB\nMemAvailable: \(Int64.max) kB\n"
        XCTAssertEqual(evaluate(fixture).check("source.memory-headroom")?.status, .unknown)
        fixture = SnapshotFixture()
        fixture.configGet = RealOutput.configGet([
            "protected-mode": "no", "bind": "* -::*", "port": "6379", "repl-diskless-sync": "no",
        ])
        fixture.diskFree = "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda 1 1 \(Int64.max) 1% /\n"
        XCTAssertEqual(evaluate(fixture).check("source.disk-space")?.status, .unknown)
        // 5e18 bytes free for an Int64.max dataset: free * 2 overflows, and is certainly at least used_memory.
        fixture.info = RealOutput.info(["used_memory": "9223372036854775807", "rdb_last_bgsave_time_sec": "2"])
        fixture.diskFree =
            "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda 1 1 4882812500000000 1% /\n"
        XCTAssertEqual(evaluate(fixture).check("source.disk-space")?.status, .warn)
    }
}
