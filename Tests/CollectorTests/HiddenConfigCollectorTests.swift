import FleetCore
import Foundation
import Inventory
import RedisFacts
import TestSupport
import XCTest

@testable import Collector
@testable import Readiness

/// A real redis-server with CONFIG disabled, write and administrative commands renamed, and options on its command
/// line, collected by the real collector and judged by the real rules: every verdict comes from a layer that was
/// read (the command line, the command table, redis.conf, the release's defaults), and no renamed name is kept.
final class HiddenConfigCollectorTests: XCTestCase {
    private var scratch: TemporaryDirectory!
    private var server: RedisServer?

    override func setUpWithError() throws { scratch = try TemporaryDirectory(prefix: "fleet-audit-hidden") }

    override func tearDown() {
        server?.stop()
        scratch?.remove()
    }

    func testVerdictsComeFromTheCommandLineTheCommandTableAndTheDefaults() throws {
        let secretName = "cfg-\(UUID().uuidString.prefix(8))"
        let migrateName = "mig-\(UUID().uuidString.prefix(8))"
        let redis = try RedisServer(
            configuration: [
                "protected-mode yes", "rename-command CONFIG \(secretName)", "rename-command MIGRATE \(migrateName)",
                "rename-command FLUSHALL \"\"", "rename-command KEYS \"\"",
            ],
            arguments: ["--protected-mode", "no", "--databases", "16"])
        server = redis
        let host = try CollectorScriptRun.host("[{port: \(redis.port)}]")
        let (output, token) = try CollectorScriptRun.run(host: host, home: scratch.path)
        var snapshot = CollectorScriptRun.snapshot(host: host, output: output, token: token)
        snapshot.instances = snapshot.instances.map {
            var instance = $0
            instance.sentCredentials = false
            return instance
        }
        let instance = try XCTUnwrap(snapshot.instances.first { $0.port == redis.port })

        let commandLine = try XCTUnwrap(ServerCommandLine(parsing: instance[.commandLine]?.text ?? ""))
        XCTAssertEqual(commandLine.origin, .parent)
        XCTAssertEqual(commandLine.configFile, redis.configFile)
        XCTAssertEqual(commandLine.effective("protected-mode")?.value, "no")
        // Measured on Redis 7.0.15: COMMAND lists a renamed command under its original name, and drops a disabled
        // one; only a lookup by name (COMMAND INFO) misses both.
        let table = try XCTUnwrap(CommandTable(parsing: instance[.commandTable]?.text ?? ""))
        XCTAssertFalse(table.contains("flushall"))
        XCTAssertTrue(table.contains("config"))
        XCTAssertTrue(table.isWrite("migrate"))
        let lookup = try XCTUnwrap(CommandLookup(parsing: instance[.commandLookup]?.text ?? ""))
        XCTAssertEqual(
            Set(lookup.unresolved).intersection(["config", "migrate", "flushall", "keys", "set"]),
            ["config", "migrate", "flushall", "keys"])
        let everything = try String(decoding: JSONEncoder().encode(snapshot), as: UTF8.self)
        XCTAssertFalse(everything.contains(secretName), "a renamed command's name is a secret")
        XCTAssertFalse(everything.contains(migrateName))

        let verdict = Evaluator(
            target: .init(name: "t", engineVersion: "7.1", nodeType: "cache.r6g.large"),
            waivers: Waivers(), now: Date()
        ).evaluate(
            snapshots: [snapshot], runID: "t", inventoryDigest: "x", startedAt: Date(), endedAt: nil)
        let checks = try XCTUnwrap(verdict.hosts.first?.instances.first { $0.port == redis.port }?.checks)
        func check(_ id: CheckID) -> CheckResult? { checks.first { $0.id == id } }
        XCTAssertEqual(check("source.protected-mode")?.status, .pass, "the command line overrides redis.conf")
        XCTAssertEqual(check("source.protected-mode")?.evidence.first?.source, "command line (the starting process)")
        let renamed = check("source.renamed-commands")
        XCTAssertEqual(renamed?.status, .fail)
        XCTAssertTrue(renamed?.summary.contains("FLUSHALL") == true, renamed?.summary ?? "")
        XCTAssertTrue(renamed?.summary.contains("MIGRATE") == true, "MIGRATE is flagged write")
        XCTAssertEqual(check("source.auth")?.status, .pass, "INFO answered without a password")
        XCTAssertEqual(check("target.databases")?.evidence.first?.source, "command line (the starting process)")
        XCTAssertEqual(check("source.bind")?.evidence.first?.source, "\(redis.configFile):2")
    }
}
