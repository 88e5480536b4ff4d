import FleetCore
import Foundation
import RedisFacts
import XCTest

@testable import Readiness

/// The full-sync model and source.big-keys on real INFO and CONFIG GET replies (Redis 7.0.15 and 3.2.6, see
/// Tests/RedisFactsTests/Fixtures/PROVENANCE.md), with the numbers a test needs changed and the edges around them.
final class FullSyncModelTests: XCTestCase {
    static let gibibyte = "1073741824"

    /// Two samples `seconds` apart on the server's clock, the counter moving by `bytes`.
    static func samples(
        bytes: String, first: String = "1000", seconds: Double = 5, backlog: Bool = false, runID2: String = "r1",
        serverClock: Bool = true
    ) -> String {
        let counter = backlog ? "master_repl_offset" : "total_net_input_bytes"
        let start: Int64 = 1_796_000_000_000_000
        let end = start + Int64(seconds * 1_000_000)
        func sample(_ time: Int64, _ value: String, _ runID: String) -> String {
            "time \(Double(time) / 1_000_000)\nrun_id:\(runID)\n"
                + (serverClock ? "server_time_usec:\(time)\n" : "")
                + "role:master\n\(counter):\(value)\nrepl_backlog_active:\(backlog ? 1 : 0)\n"
        }
        let second = Int64(first).flatMap { first in Int64(bytes).map { first.addingChecked($0) ?? .max } }
        return sample(start, first, "r1") + sample(end, second.map(String.init) ?? bytes, runID2)
    }

    func fixture(
        info: [String: String] = [:], config: [String: String] = [:], samples: String?, keys: String? = nil,
        version: String = "7.0.15", meminfo: String? = nil
    ) -> HostSnapshot {
        var fixture = SnapshotFixture()
        if version == "7.0.15" {
            fixture.info = RealOutput.info(
                ["rdb_last_bgsave_time_sec": "2", "used_memory": Self.gibibyte].merging(info) { $1 })
            fixture.configGet = RealOutput.configGet(
                ["protected-mode": "no", "bind": "* -::*", "port": "6379"].merging(config) { $1 })
        } else {
            fixture.info = RealOutput.read("redis-\(version)/info-all.txt")
            fixture.configGet = RealOutput.read("redis-\(version)/config-get.txt")
        }
        if let meminfo { fixture.meminfo = meminfo }
        fixture.writeSample = samples
        fixture.keySample = keys
        let snapshot = fixture.snapshot
        return snapshot
    }

    func verdict(_ snapshot: HostSnapshot) -> InstanceVerdict? {
        Evaluator(target: .demo(), now: Date(timeIntervalSince1970: 1_790_000_000)).evaluate(
            snapshots: [snapshot], runID: "t", inventoryDigest: "x", startedAt: Date(timeIntervalSince1970: 0),
            endedAt: nil
        ).hosts.first?.instances.first
    }

    func check(_ id: CheckID, _ snapshot: HostSnapshot) -> CheckResult? {
        verdict(snapshot)?.checks.first { $0.id == id }
    }

    /// 1 GiB at 1 Gbit/s: transfer and load 8.59 s each, diskless (7.0's default: no save), fork 10 ms/GiB of the
    /// fixture's 7 MB RSS. At 10 MB/s that buffers 171.8 MB: under the default 256 MiB hard limit, over it at twice
    /// the rate, so `warn`; at 20 MB/s, 343.6 MB: `fail`, with a limit holding twice that.
    func testTheReplicaBufferWarnsWithinTheMarginAndFailsPastTheHardLimit() throws {
        let warned = fixture(samples: Self.samples(bytes: "50000000"))
        let warn = try XCTUnwrap(check(.sourceFullSync, warned))
        XCTAssertEqual(warn.status, .warn, warn.summary)
        let facts = try XCTUnwrap(verdict(warned)?.facts.fullSync)
        XCTAssertEqual(facts.writeBytesPerSecond, 10_000_000)
        XCTAssertEqual(facts.writeRateSource, "total_net_input_bytes")
        XCTAssertEqual(facts.sampleSeconds, 5)
        XCTAssertEqual(facts.rdbBytesEstimate, 1_073_741_824)
        XCTAssertEqual(try XCTUnwrap(facts.transferSeconds), 8.5899, accuracy: 0.001)
        XCTAssertEqual(facts.saveSeconds, 0, "diskless: the RDB is streamed")
        XCTAssertEqual(try XCTUnwrap(facts.bufferedBytes), 171_800_000, accuracy: 200_000)
        XCTAssertEqual(facts.bufferLimitBytes, 268_435_456)
        XCTAssertEqual(facts.backlogBytes, 1_048_576)

        let failed = fixture(samples: Self.samples(bytes: "100000000"))
        let fail = try XCTUnwrap(check(.sourceFullSync, failed))
        XCTAssertEqual(fail.status, .fail, fail.summary)
        XCTAssertTrue(fail.summary.contains("hard limit"), fail.summary)
        XCTAssertEqual(verdict(failed)?.status, .blocked, "a blocker")
        let advice = try XCTUnwrap(verdict(failed)?.facts.fullSync?.recommended.first)
        // 2 × 343.6 MB = 687.2 MB = 655.4 MiB, rounded up; the soft limit at half holds too (the sync lasts 17 s).
        XCTAssertEqual(advice.setting, "client-output-buffer-limit replica 656mb 328mb 60")
        XCTAssertTrue(
            fail.remediation?.contains("CONFIG SET client-output-buffer-limit \"replica 656mb 328mb 60\"") == true)

        // Disk-based: the RDB is written first (rdb_last_bgsave_time_sec 2 s), which the buffer holds too.
        let disk = try XCTUnwrap(
            verdict(fixture(config: ["repl-diskless-sync": "no"], samples: Self.samples(bytes: "50000000")))?.facts
                .fullSync)
        XCTAssertEqual(disk.saveSeconds, 2)
        XCTAssertEqual(try XCTUnwrap(disk.bufferedBytes), 191_800_000, accuracy: 200_000)
    }

    /// The soft limit breaks when the buffer stays above it for its seconds: 1 MB/s over a 17 s sync is above 1 MiB
    /// from 1.05 s on, 16 s in all, past `replica 0 1mb 10`; with 30 s it holds, even at twice the rate (above it
    /// from 0.5 s on: 16.7 s, under 30 s), so it passes (with a backlog for 60 s of that rate).
    func testTheSoftLimitBreaksOnlyWhenTheBufferStaysAboveItForItsSeconds() throws {
        let broken = fixture(
            config: ["client-output-buffer-limit": "normal 0 0 0 slave 0 1048576 10 pubsub 33554432 8388608 60"],
            samples: Self.samples(bytes: "5000000"))
        let fail = try XCTUnwrap(check(.sourceFullSync, broken))
        XCTAssertEqual(fail.status, .fail, fail.summary)
        XCTAssertTrue(fail.summary.contains("soft limit"), fail.summary)
        let held = fixture(
            config: [
                "client-output-buffer-limit": "normal 0 0 0 slave 0 1048576 30 pubsub 33554432 8388608 60",
                "repl-backlog-size": "268435456",
            ],
            samples: Self.samples(bytes: "5000000"))
        XCTAssertEqual(check(.sourceFullSync, held)?.status, .pass, check(.sourceFullSync, held)?.summary ?? "")
        // Unlimited (`replica 0 0 0`): no buffer limit can break.
        let unlimited = fixture(
            config: ["client-output-buffer-limit": "normal 0 0 0 slave 0 0 0 pubsub 33554432 8388608 60"],
            samples: Self.samples(bytes: "900000000"))
        XCTAssertNotEqual(check(.sourceFullSync, unlimited)?.summary.contains("limit of"), true)
    }

    /// A quiet instance passes; the backlog warns when it holds less than twice repl-timeout's writes, and says
    /// what to set.
    func testAQuietInstancePassesAndASmallBacklogWarnsWithTheSizeToSet() throws {
        let quiet = fixture(samples: Self.samples(bytes: "500"))
        XCTAssertEqual(check(.sourceFullSync, quiet)?.status, .pass, check(.sourceFullSync, quiet)?.summary ?? "")
        // 20 kB/s × 60 s = 1.2 MB needed, 2.4 MB wanted, 1 MiB configured (a real backlog: master_repl_offset).
        let busy = fixture(samples: Self.samples(bytes: "100000", backlog: true))
        let warn = try XCTUnwrap(check(.sourceFullSync, busy))
        XCTAssertEqual(warn.status, .warn, warn.summary)
        XCTAssertTrue(warn.summary.contains("repl-backlog-size"), warn.summary)
        let facts = try XCTUnwrap(verdict(busy)?.facts.fullSync)
        XCTAssertEqual(facts.writeRateSource, "master_repl_offset")
        XCTAssertEqual(facts.backlogNeededBytes, 1_200_000)
        XCTAssertEqual(facts.recommended.map(\.setting), ["repl-backlog-size 3mb"])
    }

    /// Copy-on-write measured by the last fork (rdb_last_cow_size) plus the buffer, against MemAvailable.
    func testMemoryForCopyOnWriteAndTheBufferMustBeAvailable() throws {
        let tight = fixture(
            info: ["rdb_last_cow_size": "200000000"], samples: Self.samples(bytes: "500"),
            meminfo: "MemTotal: 16000000 kB\nMemAvailable: 150000 kB\n")
        let fail = try XCTUnwrap(check(.sourceFullSync, tight))
        XCTAssertEqual(fail.status, .fail, fail.summary)
        XCTAssertTrue(fail.summary.contains("available"), fail.summary)
        XCTAssertEqual(verdict(tight)?.facts.fullSync?.copyOnWriteBytes, 200_000_000)
        let roomy = fixture(
            info: ["rdb_last_cow_size": "200000000"], samples: Self.samples(bytes: "500"),
            meminfo: "MemTotal: 16000000 kB\nMemAvailable: 250000 kB\n")
        XCTAssertEqual(check(.sourceFullSync, roomy)?.status, .pass, check(.sourceFullSync, roomy)?.summary ?? "")
    }

    /// Hostile or broken samples give no rate, so `unknown` naming why, never a pass or a trap.
    func testSamplesThatCannotGiveARateAreUnknownWithTheReason() throws {
        let cases: [(String?, String)] = [
            (nil, "no write rate was measured"),
            ("skipped: fewer than 8 s left before the collector's deadline\n", "no write rate was measured"),
            (Self.samples(bytes: "10", runID2: "r2"), "restarted"),
            (Self.samples(bytes: "10", seconds: 0.5), "apart"),
            (Self.samples(bytes: "-10"), "went down"),
            (Self.samples(bytes: "9223372036854775807", first: "0"), "out of range"),
            (Self.samples(bytes: "99999999999999999999", first: "0"), "not a whole number"),
        ]
        for (samples, reason) in cases {
            var snapshot = fixture(samples: samples)
            // A skipped sampling exits 3 with its reason.
            if samples?.hasPrefix("skipped") == true {
                snapshot.instances[0].sections["write_sample"] = CapturedSection(exitCode: 3, text: samples ?? "")
            }
            let result = try XCTUnwrap(check(.sourceFullSync, snapshot))
            XCTAssertEqual(result.status, .unknown, "\(reason): \(result.summary)")
            XCTAssertTrue(result.summary.contains(reason), "\(reason): \(result.summary)")
        }
        XCTAssertNil(verdict(fixture(samples: nil))?.facts.fullSync, "no samples, no facts.full_sync")
    }

    /// Redis 3.2.6 has no server_time_usec: the host's clock times the samples.
    func testAServerWithoutItsOwnClockIsTimedByTheHostClock() throws {
        let snapshot = fixture(samples: Self.samples(bytes: "4000", seconds: 4, serverClock: false), version: "3.2.6")
        let facts = try XCTUnwrap(verdict(snapshot)?.facts.fullSync)
        XCTAssertEqual(try XCTUnwrap(facts.sampleSeconds), 4, accuracy: 0.001)
        XCTAssertEqual(facts.writeBytesPerSecond, 1_000)
        XCTAssertEqual(check(.sourceFullSync, snapshot)?.status, .pass, check(.sourceFullSync, snapshot)?.summary ?? "")
    }

    /// A key at or above the replica hard limit (256 MiB by default) fails; from half of it, warns; a key known
    /// only by its element count (Redis before 4.0) cannot pass.
    func testBigKeysFailAtTheHardLimitAndWarnFromHalfOfIt() throws {
        func keys(_ lines: String, complete: Bool = true) -> String {
            "sampled 3 complete \(complete ? "yes" : "no") seconds 2 count 1000 measure memory\n" + lines
        }
        let cases: [(String, CheckStatus)] = [
            ("key 0 string 268435456 memory sha256:0123456789ab\n", .fail),
            ("key 0 hash 268435455 memory sha256:0123456789ab\n", .warn),
            ("key 0 hash 134217728 memory sha256:0123456789ab\n", .warn),
            ("key 0 hash 134217727 memory sha256:0123456789ab\nkey 1 list 80 memory \"l\"\n", .pass),
            ("key 0 list 5000000 llen \"old\"\n", .unknown),
            // A size beyond Int64 is not a size: the line is dropped, not guessed at.
            ("key 0 string 99999999999999999999 memory \"x\"\n", .pass),
            // Nor is text passed off as a hidden name.
            ("key 0 string 268435456 memory sha256:forged text\n", .pass),
            ("key 0 string 268435456 memory unquoted\n", .pass),
        ]
        for (lines, expected) in cases {
            let result = try XCTUnwrap(check(.sourceBigKeys, fixture(samples: nil, keys: keys(lines))))
            XCTAssertEqual(result.status, expected, "\(lines): \(result.summary)")
        }
        let failing = fixture(samples: nil, keys: keys("key 0 string 300000000 memory sha256:0123456789ab\n"))
        let result = try XCTUnwrap(check(.sourceBigKeys, failing))
        XCTAssertEqual(result.remediation?.contains("\"replica 573mb 286mb 60\""), true, result.remediation ?? "")
        let largest = try XCTUnwrap(verdict(failing)?.facts.largestKeys?.first)
        XCTAssertEqual(
            largest,
            KeySizeFact(
                type: "string", bytes: 300_000_000, elements: nil, measuredBy: "memory", database: 0,
                name: "sha256:0123456789ab"))
        XCTAssertEqual(check(.sourceBigKeys, fixture(samples: nil))?.status, .unknown, "not sampled")
        XCTAssertTrue(
            check(.sourceBigKeys, fixture(samples: nil, keys: keys("", complete: false)))?.summary.contains(
                "sampled of")
                == true)
    }
}
