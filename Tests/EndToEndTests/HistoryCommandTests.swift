import Foundation
import TestSupport
import XCTest

/// The reports root lock and `report --run`'s record, with real fleet-audit processes.
final class HistoryCommandTests: XCTestCase {
    /// An audit stuck on a host that never answers holds the lock; a second audit on the same reports root waits
    /// `--lock-timeout` seconds, then exits 3 naming the first one's PID.
    func testASecondAuditWaitsForTheLockThenSaysWhoHoldsIt() throws {
        let server = try SSHServer()
        let listener = try SilentListener()
        let directory = try TemporaryDirectory()
        defer {
            listener.stop()
            server.stop()
            directory.remove()
        }
        let inventory = try directory.write(
            server.inventoryDefaults(timeouts: "{connect: 3, handshake: 8, auth: 3, command: 10, host: 20}") + """
                hosts:
                  - {name: cache-hung, address: 127.0.0.1, port: \(listener.port)}
                """, to: "inventory.yaml")
        let target = try directory.write(
            "name: t\nengine_version: \"7.1\"\nnode_type: cache.r6g.large\nvpc_id: vpc-1\n", to: "target.yaml")
        let out = directory.file("reports")
        let fleetAudit = BuiltProducts.path(of: "fleet-audit")
        let arguments = ["audit", "-i", inventory, "-t", target, "--out", out, "--fail-on", "never"]
        let first = try ProcessRunner.start(fleetAudit, arguments, logFile: directory.file("first.log"))
        defer {
            // Still our unreaped child (waitpid says 0): only then is the PID safe to kill.
            if waitpid(first.processIdentifier, nil, WNOHANG) == 0 {
                kill(first.processIdentifier, SIGKILL)
                waitpid(first.processIdentifier, nil, 0)
            }
        }
        // The first audit has the lock once the lock file names it.
        let lockFile = out + "/.fleet-audit.lock"
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline,
            (try? String(contentsOfFile: lockFile, encoding: .utf8))?.contains("pid \(first.processIdentifier)") != true
        {
            usleep(20_000)
        }
        let started = Date()
        let second = try ProcessRunner.run(fleetAudit, arguments + ["--lock-timeout", "1"], timeout: 30)
        XCTAssertEqual(second.exitCode, 3, second.stderr)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 1)
        XCTAssertTrue(
            second.stderr.contains("in use by pid \(first.processIdentifier) (fleet-audit audit"), second.stderr)
        XCTAssertTrue(second.stderr.contains("--lock-timeout"), second.stderr)
        // Reap the first audit ourselves (bounded): Foundation's own termination monitoring may not fire here.
        var status: Int32 = 0
        let exitDeadline = Date().addingTimeInterval(30)
        while waitpid(first.processIdentifier, &status, WNOHANG) == 0, Date() < exitDeadline { usleep(20_000) }
        XCTAssertEqual(status, 0, "the first audit finished normally")
    }

    /// `report --run` on a recorded run replaces its record: the history still holds one run.
    func testReportRunReplacesTheRunsRecord() throws {
        let server = try SSHServer()
        let redis = try RedisServer(configuration: ["protected-mode no"])
        let directory = try TemporaryDirectory()
        defer {
            redis.stop()
            server.stop()
            directory.remove()
        }
        let inventory = try directory.write(
            server.inventoryDefaults() + """
                hosts:
                  - {name: cache-a, address: 127.0.0.1, redis: [{port: \(redis.port)}]}
                """, to: "inventory.yaml")
        let target = try directory.write(
            "name: t\nengine_version: \"7.1\"\nnode_type: cache.r6g.large\nvpc_id: vpc-1\n", to: "target.yaml")
        let out = directory.file("reports")
        let fleetAudit = BuiltProducts.path(of: "fleet-audit")
        let audit = try ProcessRunner.run(
            fleetAudit, ["audit", "-i", inventory, "-t", target, "--out", out, "--fail-on", "never"], timeout: 120)
        XCTAssertEqual(audit.exitCode, 0, audit.stderr)
        XCTAssertTrue(audit.stdout.contains("History: run "), audit.stdout)
        let report = try ProcessRunner.run(
            fleetAudit, ["report", "--run", out + "/latest", "-t", target, "--fail-on", "never"], timeout: 60)
        XCTAssertEqual(report.exitCode, 0, report.stderr)
        XCTAssertTrue(report.stdout.contains("Since the last run: first run"), "never compared with itself")
        let history = try ProcessRunner.run(fleetAudit, ["history", "--out", out])
        XCTAssertTrue(history.stdout.contains("1 recorded run(s)"), history.stdout)
        let diff = try ProcessRunner.run(fleetAudit, ["diff", "--out", out])
        XCTAssertEqual(diff.exitCode, 2, "one run: nothing to compare")
        XCTAssertTrue(diff.stderr.contains("diff needs two recorded runs"), diff.stderr)
    }
}
