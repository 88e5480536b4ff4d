import FleetCore
import Foundation
import TestSupport
import XCTest

@testable import Readiness

/// Every migration path AWS offers today, judged side by side: a node-based Redis OSS group (the seed document), a
/// node-based Valkey group and a Valkey serverless cache (AWS's current documents).
final class MigrationPathTests: XCTestCase {
    private let redisGroup = Target.demo()
    private let valkeyGroup = Target.demo {
        $0.name = "valkey-group"
        $0.profile = .awsCurrent
        $0.engine = .valkey
        $0.engineVersion = "8.1"
    }
    private let serverless = Target.demo {
        $0.name = "valkey-serverless"
        $0.profile = .awsCurrent
        $0.engine = .valkey
        $0.deployment = .serverless
        $0.engineVersion = "8.1"
        $0.status = "available"
        $0.networkType = "ipv4"
        $0.publicEndpoint = false
        $0.empty = true
    }

    /// The fixture's INFO with keys in database 0 only (the real one also has db3).
    private func onlyDatabaseZero(_ info: String) -> String {
        info.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).filter { !$0.hasPrefix("db3:") }
            .joined(separator: "\r\n")
    }

    private func verdict(_ fixture: SnapshotFixture, _ targets: [Target]) -> FleetVerdict {
        PathEvaluator(targets: targets, now: Date(timeIntervalSince1970: 1_790_000_000)).evaluate(
            snapshots: [fixture.snapshot], runID: "t", inventoryDigest: "x", startedAt: Date(timeIntervalSince1970: 0),
            endedAt: nil)
    }

    func testAuthBlocksTheNodeBasedPathsButNotServerlessWhichBecomesTheBestPath() throws {
        var fixture = SnapshotFixture()
        fixture.info = onlyDatabaseZero(fixture.info)
        fixture.configGet = RealOutput.configGet([
            "protected-mode": "no", "bind": "* -::*", "requirepass": "<redacted>",
        ])
        let result = verdict(fixture, [redisGroup, valkeyGroup, serverless])
        let instance = try XCTUnwrap(result.hosts.first?.instances.first)
        XCTAssertEqual(instance.paths.map(\.target), ["demo", "valkey-group", "valkey-serverless"])
        XCTAssertEqual(
            // Warnings: the fixture's redis.conf has no requirepass line, so source.config-drift warns on every path.
            instance.paths.map(\.status), [.blocked, .blocked, .warnings],
            "\(instance.checks.filter { $0.status != .pass && $0.status != .notApplicable }.map { "\($0.id) \($0.status) \($0.summary)" })"
        )
        XCTAssertTrue(instance.paths[0].blockers.contains(.sourceAuth))
        XCTAssertFalse(instance.paths[2].blockers.contains(.sourceAuth))
        XCTAssertEqual(instance.bestPath, "valkey-serverless")
        XCTAssertEqual(instance.status, .warnings, "the instance follows its best path")
        XCTAssertEqual(result.hosts.first?.status, .warnings, "and so does its host")
        XCTAssertEqual(instance.checks.first { $0.id == .sourceAuth }?.status, .pass, "the best path's checks")
        XCTAssertEqual(result.paths.map(\.target.name), ["demo", "valkey-group", "valkey-serverless"])
        XCTAssertEqual(result.paths[2].target.deployment, "serverless")
    }

    func testServerlessTakesOnlyTheSourceReleasesItsDocumentNames() throws {
        var fixture = SnapshotFixture()
        for (release, expected) in [
            ("redis-7.4.1", CheckStatus.fail), ("redis-7.2.6", .pass), ("redis-4.0.14", .pass), ("redis-3.2.6", .fail),
            ("valkey-8.1.1", .pass), ("valkey-9.1.2", .fail), ("valkey-7.2.7", .pass),
        ] {
            fixture.info = RealOutput.read("\(release)/info-all.txt")
            let check = verdict(fixture, [serverless]).hosts.first?.instances.first?.checks.first {
                $0.id == .sourceVersion
            }
            XCTAssertEqual(check?.status, expected, "\(release): \(check?.summary ?? "")")
        }
    }

    func testAValkeyTargetLoadsRedisUpTo72AndValkeyNoNewerThanItself() {
        var fixture = SnapshotFixture()
        for (release, expected) in [
            ("redis-7.2.6", CheckStatus.pass), ("redis-7.4.1", .fail), ("valkey-8.1.1", .pass), ("valkey-9.1.2", .fail),
        ] {
            fixture.info = RealOutput.read("\(release)/info-all.txt")
            let check = verdict(fixture, [valkeyGroup]).hosts.first?.instances.first?.checks.first {
                $0.id == .targetVersionOrder
            }
            XCTAssertEqual(check?.status, expected, "\(release): \(check?.summary ?? "")")
        }
    }

    func testServerlessAcceptsATLSOnlySourceAndServesDatabaseZero() {
        var fixture = SnapshotFixture()
        fixture.configGet = RealOutput.configGet(["protected-mode": "no", "bind": "* -::*", "port": "0"])
        let checks = verdict(fixture, [redisGroup, serverless]).hosts[0].instances[0]
        let onServerless = checks.paths.first { $0.target == "valkey-serverless" }
        XCTAssertEqual(
            onServerless?.blockers, [.targetDatabases], "TLS accepted; the keys in db3 block: \(checks.paths)")
        let onRedis = checks.paths.first { $0.target == "demo" }
        XCTAssertTrue(onRedis?.blockers.contains(.sourceTlsOnly) == true)
    }

    func testAServerlessTargetSaysWhatIsNotStatedAndWhatIsNotReady() {
        var target = serverless
        target.empty = nil
        target.networkType = nil
        XCTAssertEqual(TargetServerlessReadyRule().evaluate(target).status, .warn)
        target.publicEndpoint = true
        let notReady = TargetServerlessReadyRule().evaluate(target)
        XCTAssertEqual(notReady.status, .fail)
        XCTAssertTrue(notReady.summary.contains("public endpoint"), notReady.summary)
        target.profile = .seed
        XCTAssertEqual(TargetServerlessReadyRule().evaluate(target).status, .fail, "the seed has no serverless path")
        XCTAssertEqual(TargetServerlessReadyRule().evaluate(redisGroup).status, .notApplicable)
        XCTAssertEqual(TargetMultiAZRule().evaluate(serverless).status, .notApplicable)
        var redisServerless = serverless
        redisServerless.engine = .redis
        XCTAssertEqual(TargetEngineVersionRule().evaluate(redisServerless).status, .fail, "serverless is Valkey only")
    }

    func testACClusterModeSourceFitsOnlyAClusterModeTargetUnderTodaysRules() {
        var fixture = SnapshotFixture()
        fixture.info = RealOutput.info(["cluster_enabled": "1", "rdb_last_bgsave_time_sec": "2"])
        var clusterTarget = valkeyGroup
        clusterTarget.clusterMode = .enabled
        XCTAssertEqual(TargetClusterModeRule().evaluate(clusterTarget).status, .pass)
        let paths = verdict(fixture, [redisGroup, clusterTarget, serverless]).hosts[0].instances[0].paths
        XCTAssertTrue(paths[0].blockers.contains(.sourceClusterMode), "\(paths[0])")
        XCTAssertFalse(paths[1].blockers.contains(.sourceClusterMode), "\(paths[1])")
        XCTAssertTrue(paths[2].blockers.contains(.sourceClusterMode), "one endpoint feeds serverless: \(paths[2])")
    }

    func testAServerlessTargetComesFromDescribeServerlessCaches() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        try FileManager.default.copyItem(
            atPath: fixtures.appendingPathComponent("describe-serverless-caches.json").path,
            toPath: directory.file("caches.json"))
        func load(_ name: String?) throws -> Target {
            let path = try directory.write(
                "profile: aws-current\nengine_version: \"7.2\"\npublic_endpoint: false\nempty: true\naws:\n"
                    + "  serverless_caches: caches.json\n" + (name.map { "  serverless_cache_name: \($0)\n" } ?? ""),
                to: "target.yaml")
            return try Target.load(path: path)
        }
        let checkout = try load("checkout-serverless")
        XCTAssertEqual(checkout.deployment, .serverless)
        XCTAssertEqual(checkout.engine, .valkey)
        XCTAssertEqual(checkout.engineVersion, "8.1", "AWS wins over the file")
        XCTAssertEqual(checkout.securityGroupIDs, ["sg-0target"])
        XCTAssertEqual(TargetServerlessReadyRule().evaluate(checkout).status, .pass)
        let sessions = try load("sessions-serverless")
        let notReady = TargetServerlessReadyRule().evaluate(sessions)
        XCTAssertEqual(notReady.status, .fail)
        XCTAssertTrue(notReady.summary.contains("status is creating"), notReady.summary)
        XCTAssertTrue(notReady.summary.contains("dual_stack"), notReady.summary)
        XCTAssertThrowsError(try load(nil)) { XCTAssertTrue("\($0)".contains("serverless_cache_name"), "\($0)") }
    }

    func testTargetFilesNameTheEngineAndTheDeployment() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write(
            "name: s\nprofile: aws-current\nengine: valkey\ndeployment: serverless\nengine_version: \"8.1\"\nempty: true\n",
            to: "s.yaml")
        let target = try Target.load(path: path)
        XCTAssertEqual(target.deployment, .serverless)
        XCTAssertEqual(target.engine, .valkey)
        XCTAssertEqual(target.empty, true)
        XCTAssertEqual(target.summary.nodeType, "serverless", "no node type needed")
        let bad = try directory.write(
            "name: s\nengine: memcached\nengine_version: \"8.1\"\nnode_type: cache.r6g.large\n", to: "b.yaml")
        XCTAssertThrowsError(try Target.load(path: bad)) { XCTAssertTrue("\($0)".contains("b.yaml:2"), "\($0)") }
    }
}
