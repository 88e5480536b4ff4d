import FleetCore
import Foundation
import XCTest

@testable import Readiness

/// Settings resolved the way the server does when CONFIG GET is not available: the command line, then redis.conf
/// (last line wins), then the default of the engine and release. A layer that could not be read makes the value
/// unknown, never the default.
final class SettingLayerTests: XCTestCase {
    private let configDisabled = "ERR unknown command 'CONFIG', with args beginning with: 'GET' '*' \n"

    private func withoutConfigGet(_ configFile: String?) -> SnapshotFixture {
        var fixture = SnapshotFixture()
        fixture.configGet = configDisabled
        fixture.configFile = configFile
        return fixture
    }

    func testARedisConfWithoutTheLineTakesTheReleasesDefaultAndSaysSo() {
        let verdict = evaluate(withoutConfigGet("port 6379\nbind * -::*\n"))
        let protected = verdict.check("source.protected-mode")
        XCTAssertEqual(protected?.status, .fail, "Redis 3.2+ defaults to protected-mode yes")
        XCTAssertEqual(protected?.evidence.first?.source, "default of Redis 7.0.15")
        XCTAssertEqual(protected?.evidence.first?.observed, "yes")
        XCTAssertEqual(verdict.check("target.databases")?.status, .pass, "16 by default, 16 on the target")
        XCTAssertEqual(verdict.check("target.databases")?.evidence.first?.source, "default of Redis 7.0.15")
        let bind = verdict.check("source.bind")
        XCTAssertEqual(bind?.status, .pass)
        XCTAssertEqual(bind?.evidence.first?.source, "/etc/redis/redis.conf:2")
    }

    func testTheCommandLineOverridesRedisConfAndIsTheEvidence() {
        var fixture = withoutConfigGet("port 6379\nprotected-mode yes\nbind 127.0.0.1\n")
        fixture.commandLine =
            "from parent\n/usr/bin/redis-server\n/etc/redis/redis.conf\n--protected-mode\nno\n--bind\n0.0.0.0\n"
        let verdict = evaluate(fixture)
        XCTAssertEqual(verdict.check("source.protected-mode")?.status, .pass)
        XCTAssertEqual(
            verdict.check("source.protected-mode")?.evidence.first?.source, "command line (the starting process)")
        XCTAssertEqual(verdict.check("source.protected-mode")?.evidence.first?.observed, "--protected-mode no")
        XCTAssertEqual(verdict.check("source.bind")?.status, .pass)
    }

    func testACommandLineThatCannotBeSeenHidesEveryLayerBelowIt() {
        var fixture = withoutConfigGet("port 6379\nprotected-mode no\nbind * -::*\n")
        fixture.commandLine = "from title\nredis-server *:6379\n"
        let verdict = evaluate(fixture)
        for id: CheckID in ["source.protected-mode", "source.bind", "target.databases"] {
            let check = verdict.check(id)
            XCTAssertEqual(check?.status, .unknown, id.rawValue)
            XCTAssertTrue(check?.summary.contains("command line cannot be seen") == true, check?.summary ?? "")
        }
        fixture.commandLine = nil
        XCTAssertEqual(evaluate(fixture).check("source.protected-mode")?.status, .unknown, "no command line at all")
    }

    func testAnUnreadConfigFileHidesTheDefault() {
        var fixture = withoutConfigGet(nil)
        XCTAssertEqual(evaluate(fixture).check("source.protected-mode")?.status, .unknown, "no file captured")
        fixture.configFile = "protected-mode no\n"
        var snapshot = fixture.snapshot
        snapshot.instances[0].configFiles.append(
            ConfigFileCapture(path: "/etc/redis/local.conf", text: "", exitCode: 1, skipped: nil))
        let verdict = Evaluator(target: .demo(), waivers: Waivers(), now: Date()).evaluate(
            snapshots: [snapshot], runID: "t", inventoryDigest: "x", startedAt: Date(), endedAt: nil)
        let check = verdict.hosts.first?.instances.first?.checks.first { $0.id == "source.protected-mode" }
        XCTAssertEqual(check?.status, .unknown, "an include that was not read could set it")
        XCTAssertTrue(check?.summary.contains("/etc/redis/local.conf") == true, check?.summary ?? "")
    }

    func testAReleaseWithoutTheSettingSaysSoAndValkeyNamesItself() {
        var fixture = withoutConfigGet("port 6379\n")
        fixture.info = RealOutput.read("redis-2.8.17/info-all.txt")
        let protected = evaluate(fixture).check("source.protected-mode")
        XCTAssertEqual(protected?.status, .pass)
        XCTAssertTrue(
            protected?.summary.contains("Redis 2.8.17 has no protected-mode") == true, protected?.summary ?? "")
        XCTAssertEqual(evaluate(fixture).check("source.bind")?.evidence.first?.source, "default of Redis 2.8.17")

        fixture.info = RealOutput.read("valkey-9.1.2/info-all.txt")
        let valkey = evaluate(fixture).check("source.protected-mode")
        XCTAssertEqual(valkey?.evidence.first?.source, "default of Valkey 9.1.2", "not the frozen redis_version")
    }

    /// Each real release, CONFIG disabled and an empty redis.conf: the defaults of that engine and release decide.
    func testEveryReleaseGetsItsOwnDefaults() {
        let expected: [String: (protected: CheckStatus, bind: String)] = [
            "redis-2.8.17": (.pass, "\"\""), "redis-3.2.6": (.fail, "\"\""), "redis-4.0.14": (.fail, "\"\""),
            "redis-5.0.14": (.fail, "\"\""), "redis-6.0.20": (.fail, "\"\""), "redis-6.2.14": (.fail, "\"\""),
            "redis-7.0.15": (.fail, "* -::*"), "redis-7.2.6": (.fail, "* -::*"), "redis-7.4.1": (.fail, "* -::*"),
            "valkey-7.2.7": (.fail, "* -::*"), "valkey-8.0.1": (.fail, "* -::*"), "valkey-8.1.1": (.fail, "* -::*"),
            "valkey-9.1.2": (.fail, "* -::*"),
        ]
        for (release, expectation) in expected {
            var fixture = withoutConfigGet("# nothing set\n")
            fixture.info = RealOutput.read("\(release)/info-all.txt")
            let verdict = evaluate(fixture)
            let name = release.hasPrefix("valkey") ? "Valkey" : "Redis"
            let version = release.split(separator: "-")[1]
            XCTAssertEqual(verdict.check("source.protected-mode")?.status, expectation.protected, release)
            let bind = verdict.check("source.bind")
            XCTAssertEqual(bind?.status, .pass, "\(release): every interface by default")
            XCTAssertEqual(bind?.evidence.first?.source, "default of \(name) \(version)", release)
            XCTAssertEqual(bind?.evidence.first?.observed, expectation.bind, release)
        }
    }

    func testAnInfoThatAnsweredWithoutAPasswordProvesNoneIsNeeded() {
        var fixture = withoutConfigGet(nil)
        fixture.aclList = "ERR unknown command 'ACL'\n"
        var snapshot = fixture.snapshot
        snapshot.instances[0].sentCredentials = false
        let verdict = Evaluator(target: .demo(), waivers: Waivers(), now: Date()).evaluate(
            snapshots: [snapshot], runID: "t", inventoryDigest: "x", startedAt: Date(), endedAt: nil)
        let auth = verdict.hosts.first?.instances.first?.checks.first { $0.id == "source.auth" }
        XCTAssertEqual(auth?.status, .pass)
        XCTAssertEqual(auth?.evidence.first?.source, "redis-cli INFO (no password sent)")
        // With a password sent, the answer proves nothing, and the hidden layers leave it unknown.
        snapshot.instances[0].sentCredentials = true
        let withPassword = Evaluator(target: .demo(), waivers: Waivers(), now: Date()).evaluate(
            snapshots: [snapshot], runID: "t", inventoryDigest: "x", startedAt: Date(), endedAt: nil)
        XCTAssertEqual(
            withPassword.hosts.first?.instances.first?.checks.first { $0.id == "source.auth" }?.status, .unknown)
    }
}
