import FleetCore
import Foundation
import Readiness
import XCTest

final class ReadinessRuleTests: XCTestCase {
    func testAWellPreparedInstanceIsReadyAndEveryCheckSaysWhy() {
        let verdict = evaluate(SnapshotFixture())
        let failing = verdict.hosts[0].instances[0].checks.filter { $0.status != .pass && $0.status != .notApplicable }
        XCTAssertEqual(verdict.instanceStatus, .ready, "\(failing.map { "\($0.id): \($0.status) \($0.summary)" })")
        XCTAssertEqual(verdict.hosts[0].rank, 1)
        XCTAssertEqual(verdict.targetChecks.map(\.status), [.pass, .pass, .pass, .pass, .notApplicable])
        XCTAssertTrue(verdict.hosts[0].instances[0].checks.allSatisfy { !$0.summary.isEmpty })
    }

    func testEveryCheckOfTheCatalogueIsEvaluated() {
        let ids = Set(evaluate(SnapshotFixture()).hosts[0].instances[0].checks.map(\.id.rawValue))
        let catalogue: Set = [
            "target.capacity", "target.databases", "target.version-order", "source.version", "source.cluster-mode",
            "source.auth", "source.protected-mode", "source.bind", "source.renamed-commands", "source.memory-headroom",
            "source.cpu-headroom", "source.tls-only", "source.modules", "source.bgsave", "source.overcommit",
            "source.thp", "source.output-buffer", "source.repl-timeout", "source.disk-space", "source.role",
            "source.maxclients", "source.restricted-commands", "source.sentinel", "source.repl-backlog",
            "source.config-drift", "network.private-ip", "network.vpc", "network.security-group", "info.dataset",
            "info.clients", "source.full-sync", "source.big-keys",
        ]
        XCTAssertEqual(ids, catalogue)
    }

    func testProtectedModeAuthAndBindBlockWithEvidenceAndRemediation() {
        var fixture = SnapshotFixture()
        fixture.configGet = RealOutput.configGet([
            "protected-mode": "yes", "requirepass": "<redacted>", "bind": "127.0.0.1 -::1",
        ])
        let verdict = evaluate(fixture)
        XCTAssertEqual(verdict.instanceStatus, .blocked)
        let protected = verdict.check("source.protected-mode")
        XCTAssertEqual(protected?.status, .fail)
        XCTAssertEqual(protected?.evidence.first?.source, "CONFIG GET protected-mode")
        XCTAssertTrue(protected?.remediation?.contains("CONFIG SET protected-mode no") ?? false)
        XCTAssertEqual(verdict.check("source.auth")?.status, .fail)
        XCTAssertEqual(verdict.check("source.bind")?.status, .fail)
    }

    func testWithoutConfigGetTheConfigFileIsTheEvidenceWithItsLine() {
        var fixture = SnapshotFixture()
        fixture.configGet = "ERR unknown command 'CONFIG', with args beginning with: 'GET' '*' \n"
        fixture.configFile =
            "# main\nport 6379\nprotected-mode yes\nprotected-mode no\nrename-command CONFIG \"\"\nrename-command FLUSHALL \"\"\n"
        let verdict = evaluate(fixture)
        XCTAssertEqual(verdict.check("source.protected-mode")?.status, .pass)
        XCTAssertEqual(
            verdict.check("source.protected-mode")?.evidence.first?.source, "/etc/redis/redis.conf:4",
            "the last occurrence wins")
        let renamed = verdict.check("source.renamed-commands")
        XCTAssertEqual(renamed?.status, .fail, "FLUSHALL is a write command")
        XCTAssertEqual(renamed?.evidence.map(\.source), ["/etc/redis/redis.conf:5", "/etc/redis/redis.conf:6"])
        XCTAssertEqual(verdict.check("source.config-drift")?.status, .unknown, "needs CONFIG GET")
    }

    func testOnlyAdministrativeRenamesWarn() {
        var fixture = SnapshotFixture()
        fixture.configFile = "port 6379\nrename-command CONFIG \"\"\nrename-command DEBUG nodebug\n"
        XCTAssertEqual(evaluate(fixture).check("source.renamed-commands")?.status, .warn)
    }

    func testAnInstanceThatDoesNotAnswerIsReviewNeverPass() {
        var fixture = SnapshotFixture()
        fixture.info = "NOAUTH Authentication required.\n"
        fixture.configGet = "NOAUTH Authentication required.\n"
        fixture.configFile = nil
        let verdict = evaluate(fixture)
        XCTAssertEqual(verdict.check("source.version")?.status, .unknown)
        XCTAssertEqual(verdict.check("source.auth")?.status, .fail, "NOAUTH is proof of AUTH")
        XCTAssertEqual(verdict.instanceStatus, .blocked)
        XCTAssertFalse(verdict.hosts[0].instances[0].checks.contains { $0.status == .pass && $0.id == "source.bgsave" })
    }

    func testCapacityPassesWarnsAndFailsWithTheSmallestFittingNode() {
        var fixture = SnapshotFixture()
        let usable = 13.07 * 1_073_741_824 * 0.75 * 0.9
        fixture.info = RealOutput.info(["used_memory": String(Int64(usable * 0.5))])
        XCTAssertEqual(evaluate(fixture).check("target.capacity")?.status, .pass)
        fixture.info = RealOutput.info(["used_memory": String(Int64(usable * 0.9))])
        XCTAssertEqual(evaluate(fixture).check("target.capacity")?.status, .warn)
        fixture.info = RealOutput.info(["used_memory": String(Int64(usable * 1.5))])
        let failing = evaluate(fixture)
        XCTAssertEqual(failing.check("target.capacity")?.status, .fail)
        XCTAssertEqual(
            failing.hosts[0].instances[0].facts.smallestFittingNodeType, "cache.m6g.2xlarge",
            "13.2 GiB needs 17.6 GiB usable: m6g.2xlarge is the smallest")
    }

    /// Reports show the target's usable memory from the verdict (`TargetSummary.usableMemoryBytes`), never by
    /// reading the check's evidence back: both come from `Target.usableMemory`, so they must agree.
    func testTheVerdictCarriesTheUsableMemoryTheCapacityCheckComparedWith() throws {
        let verdict = evaluate(SnapshotFixture())
        let usable = try XCTUnwrap(verdict.target.usableMemoryBytes)
        XCTAssertEqual(usable, Int64(13.07 * 1_073_741_824 * 0.75 * 0.9))
        let evidence = verdict.check("target.capacity")?.evidence.first { $0.source == "target cache.r6g.large" }
        XCTAssertEqual(evidence?.observed, ByteCount.format(usable))

        let serverless = Target(name: "s", engineVersion: "8.1", nodeType: "cache.r6g.large", serverless: true)
        XCTAssertNil(serverless.summary.usableMemoryBytes, "a serverless cache scales its memory with the data")
        XCTAssertNil(Target(name: "x", engineVersion: "7.1", nodeType: "cache.nope.large").summary.usableMemoryBytes)
    }

    func testDatabasesVersionOrderAndClusterMode() {
        var fixture = SnapshotFixture()
        fixture.configGet = RealOutput.configGet([
            "protected-mode": "no", "bind": "*", "databases": "32", "port": "6379",
        ])
        XCTAssertEqual(evaluate(fixture).check("target.databases")?.status, .fail)
        XCTAssertEqual(
            evaluate(SnapshotFixture(), target: .demo { $0.engineVersion = "6.2" }).check("target.version-order")?
                .status, .fail)
        fixture = SnapshotFixture()
        fixture.info = RealOutput.info(["cluster_enabled": "1"])
        XCTAssertEqual(evaluate(fixture).check("source.cluster-mode")?.status, .fail)
        fixture.info = RealOutput.info(["redis_version": "4.0.14"])
        XCTAssertEqual(evaluate(fixture).check("source.version")?.status, .warn)
        fixture.info = RealOutput.info(["redis_version": "2.8.19"])
        XCTAssertEqual(evaluate(fixture).check("source.version")?.status, .fail)
    }

    func testHostResourceChecks() {
        var fixture = SnapshotFixture()
        fixture.meminfo = "MemTotal: 2000000 kB\nMemAvailable: 300 kB\n"
        fixture.loadavg = "9.00 1 1 1/1 1\n"
        fixture.overcommit = "0\n"
        fixture.thp = "[always] madvise never\n"
        let verdict = evaluate(fixture)
        XCTAssertEqual(verdict.check("source.memory-headroom")?.status, .fail)
        XCTAssertEqual(verdict.check("source.cpu-headroom")?.status, .fail)
        XCTAssertEqual(verdict.check("source.overcommit")?.status, .warn)
        XCTAssertEqual(verdict.check("source.thp")?.status, .warn)
    }

    func testNetworkChecks() {
        var fixture = SnapshotFixture()
        fixture.imds = "local-ipv4=54.1.2.3\nvpc-id=vpc-other\nsecurity-group-ids=sg-0src\n"
        fixture.firewall = "-P INPUT ACCEPT\n-A INPUT -p tcp -m tcp --dport 6379 -j DROP\n"
        let verdict = evaluate(fixture)
        XCTAssertEqual(verdict.check("network.private-ip")?.status, .fail)
        XCTAssertEqual(verdict.check("network.vpc")?.status, .warn)
        XCTAssertEqual(verdict.check("network.security-group")?.status, .fail)
        fixture = SnapshotFixture()
        fixture.imds = nil
        let noMetadata = evaluate(fixture, target: .demo { $0.sourceSecurityGroups = [:] })
        XCTAssertEqual(noMetadata.check("network.vpc")?.status, .unknown, "neither metadata nor inventory tells")
        XCTAssertEqual(noMetadata.check("network.security-group")?.status, .unknown)
        XCTAssertEqual(noMetadata.instanceStatus, .review)
    }

    func testASentinelStartedAsRedisServerIsSeenByItsProcessTitle() {
        var fixture = SnapshotFixture()
        XCTAssertEqual(evaluate(fixture).check("source.sentinel")?.status, .pass)
        // `redis-server sentinel.conf --sentinel` retitles itself; its arguments are gone from ps.
        fixture.processes += " 901 redis-server *:26379 [sentinel]\n"
        XCTAssertEqual(evaluate(fixture).check("source.sentinel")?.status, .warn)
    }

    func testModulesSentinelAndRole() {
        var fixture = SnapshotFixture()
        fixture.moduleList = "name\nsearch\nver\n20811\npath\n/usr/lib/redis/modules/redisearch.so\nargs\n"
        fixture.processes += " 900 /usr/bin/redis-sentinel *:26379 [sentinel]\n"
        fixture.info = RealOutput.info(["role": "slave"]) + "master_host:10.0.1.9\r\nmaster_port:6379\r\n"
        let verdict = evaluate(fixture)
        XCTAssertEqual(verdict.check("source.modules")?.status, .fail)
        XCTAssertEqual(verdict.check("source.sentinel")?.status, .warn)
        XCTAssertEqual(verdict.check("source.role")?.status, .warn)
        XCTAssertTrue(verdict.check("source.role")?.summary.contains("10.0.1.9:6379") ?? false)
        fixture = SnapshotFixture()
        fixture.moduleList = RealOutput.valkeyModuleList
        XCTAssertEqual(
            evaluate(fixture).check("source.modules")?.status, .pass, "Valkey's built-in lua is not a loaded module")
    }

    func testConfigDriftNamesBothValues() {
        var fixture = SnapshotFixture()
        fixture.configFile = "port 6379\nprotected-mode no\nbind * -::*\nmaxmemory 100mb\n"
        let drift = evaluate(fixture).check("source.config-drift")
        XCTAssertEqual(drift?.status, .warn)
        XCTAssertEqual(drift?.evidence.first?.source, "/etc/redis/redis.conf:4")
        XCTAssertEqual(drift?.evidence.first?.note, "running: 268435456")
    }

    func testTargetChecksBlockEveryInstanceAndProfilesDiffer() {
        let target = Target.demo {
            $0.engineVersion = "5.0.5"
            $0.atRestEncryption = true
            $0.multiAZ = false
        }
        let seed = evaluate(SnapshotFixture(), target: target)
        XCTAssertEqual(seed.targetChecks.first { $0.id == "target.engine-version" }?.status, .fail)
        XCTAssertEqual(seed.targetChecks.first { $0.id == "target.encryption" }?.status, .fail)
        XCTAssertEqual(seed.targetChecks.first { $0.id == "target.multi-az" }?.status, .fail)
        XCTAssertEqual(seed.instanceStatus, .blocked)
        var current = target
        current.profile = .awsCurrent
        let aws = evaluate(SnapshotFixture(), target: current)
        XCTAssertEqual(aws.profile, "aws-current")
        XCTAssertEqual(aws.targetChecks.first { $0.id == "target.engine-version" }?.status, .pass)
        XCTAssertEqual(aws.targetChecks.first { $0.id == "target.encryption" }?.status, .pass)
        XCTAssertNotNil(aws.targetChecks.first { $0.id == "target.aws-current-restrictions" })
    }

    func testWaiversApplyUntilTheyExpire() {
        var fixture = SnapshotFixture()
        fixture.overcommit = "0\n"
        let waivers = Waivers(waivers: [
            .init(
                check: "source.overcommit", targets: ["cache-*"], reason: "kernel tuning in Q1", expires: "2026-12-31",
                line: 1)
        ])
        let before = evaluate(fixture, waivers: waivers, now: Date(timeIntervalSince1970: 1_790_000_000))
        XCTAssertEqual(before.check("source.overcommit")?.status, .waived)
        XCTAssertEqual(before.check("source.overcommit")?.waiver?.originalStatus, .warn)
        XCTAssertEqual(before.instanceStatus, .ready)
        let after = evaluate(fixture, waivers: waivers, now: Date(timeIntervalSince1970: 1_830_000_000))
        XCTAssertEqual(after.check("source.overcommit")?.status, .warn, "expired in 2027")
        XCTAssertEqual(waivers.expired(now: Date(timeIntervalSince1970: 1_830_000_000)).count, 1)
    }

    func testRankingIsByStatusScoreThenDatasetAndUnreachableLast() {
        var big = SnapshotFixture()
        big.info = RealOutput.info(["used_memory": "90000000", "rdb_last_bgsave_time_sec": "2"])
        var small = SnapshotFixture()
        small.info = RealOutput.info(["used_memory": "1000", "rdb_last_bgsave_time_sec": "2"])
        var warned = SnapshotFixture()
        warned.overcommit = "0\n"
        var snapshots = [big.snapshot, warned.snapshot, small.snapshot]
        snapshots[0].host.name = "big"
        snapshots[1].host.name = "warned"
        snapshots[2].host.name = "small"
        snapshots.append(
            HostSnapshot(
                host: HostIdentity(name: "gone", address: "10.0.0.9"), collectedAt: Date(),
                failure: Failure(.timeout, phase: .connect, message: "no answer")))
        let verdict = Evaluator(target: .demo(), now: Date(timeIntervalSince1970: 0)).evaluate(
            snapshots: snapshots, runID: "r", inventoryDigest: "d", startedAt: Date(timeIntervalSince1970: 0),
            endedAt: nil)
        XCTAssertEqual(verdict.hosts.map(\.host.name), ["small", "big", "warned", "gone"])
        XCTAssertEqual(verdict.hosts.map(\.rank), [1, 2, 3, 4])
        XCTAssertEqual(verdict.hosts.last?.status, .unreachable)
        XCTAssertEqual(verdict.hosts.last?.reason?.errorClass, .timeout)
    }

    func testEvaluationIsDeterministic() {
        XCTAssertEqual(evaluate(SnapshotFixture()), evaluate(SnapshotFixture()))
    }
}
