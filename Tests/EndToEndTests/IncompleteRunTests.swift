import Foundation
import TestSupport
import XCTest

/// Issue 10, class 9: a real `fleet-audit collect` interrupted mid-run (SIGINT, as Ctrl-C sends) must not pass for a
/// whole fleet: `report --run` says "incomplete" with the missing host in every format, and `plan` refuses it
/// unless `--allow-incomplete` is given, after which every plan format says so too.
final class IncompleteRunTests: XCTestCase {
    private let fleetAudit = BuiltProducts.path(of: "fleet-audit")

    func testAnInterruptedCollectionIsReportedIncompleteAndNotPlannedUnlessAsked() throws {
        let server = try SSHServer()
        let listener = try SilentListener()
        let directory = try TemporaryDirectory()
        defer {
            listener.stop()
            server.stop()
            directory.remove()
        }
        // Two hosts finish at once; cache-hung's "sshd" accepts and never says a word, so the run is still going
        // when it is interrupted.
        let inventory = try directory.write(
            server.inventoryDefaults(timeouts: "{connect: 3, handshake: 120, auth: 3, command: 20, host: 150}") + """
                hosts:
                  - {name: cache-a, address: 127.0.0.1}
                  - {name: cache-hung, address: 127.0.0.1, port: \(listener.port)}
                  - {name: cache-b, address: 127.0.0.1}
                """, to: "inventory.yaml")
        let out = directory.file("reports")
        let collect = try ProcessRunner.start(
            fleetAudit, ["collect", "-i", inventory, "--out", out], logFile: directory.file("collect.log"))
        let pid = collect.processIdentifier
        defer {
            // Still our unreaped child (waitpid says 0): only then is the PID safe to kill.
            if waitpid(pid, nil, WNOHANG) == 0 {
                kill(pid, SIGKILL)
                waitpid(pid, nil, 0)
            }
        }
        let stored = ["cache-a", "cache-b"].map { out + "/latest/hosts/\($0).json" }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, !stored.allSatisfy(FileManager.default.fileExists) { usleep(50_000) }
        XCTAssertTrue(stored.allSatisfy(FileManager.default.fileExists), "the two reachable hosts were stored")
        XCTAssertEqual(waitpid(pid, nil, WNOHANG), 0, "collect is still waiting for cache-hung")
        kill(pid, SIGINT)
        var status: Int32 = 0
        let exitDeadline = Date().addingTimeInterval(10)
        while waitpid(pid, &status, WNOHANG) == 0, Date() < exitDeadline { usleep(20_000) }
        XCTAssertTrue(status & 0x7f == SIGINT || (status >> 8) & 0xff != 0, "collect did not finish normally")

        // report --run: every format says incomplete and names the missing host.
        let target = try directory.write(
            "name: t\nengine_version: \"7.1\"\nnode_type: cache.r6g.large\nvpc_id: vpc-1\n", to: "target.yaml")
        let report = try ProcessRunner.run(
            fleetAudit, ["report", "--run", out + "/latest", "-t", target, "--fail-on", "never"], timeout: 60)
        XCTAssertEqual(report.exitCode, 0, report.stderr)
        XCTAssertTrue(
            report.stdout.hasPrefix("INCOMPLETE RUN: 1 of 3 planned host(s) were not collected"), report.stdout)
        XCTAssertTrue(report.stdout.contains("is incomplete and is not recorded"), "history: \(report.stdout)")
        let json = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/latest/report.json")))
                as? [String: Any])
        XCTAssertEqual(json["complete"] as? Bool, false)
        XCTAssertEqual(json["missing_hosts"] as? [String], ["cache-hung"])
        XCTAssertEqual(json["planned_host_count"] as? Int, 3)
        for file in ["report.html", "report.md"] {
            let text = try String(contentsOfFile: out + "/latest/" + file, encoding: .utf8)
            XCTAssertTrue(text.contains("INCOMPLETE RUN"), file)
            XCTAssertTrue(text.contains("cache-hung"), file)
        }
        let csv = try String(contentsOfFile: out + "/latest/report.csv", encoding: .utf8)
        XCTAssertTrue(csv.contains("\r\ncache-hung,,,missing,"), csv)

        // plan refuses the run without the flag, writes nothing, and says why.
        let refused = try ProcessRunner.run(fleetAudit, ["plan", "-t", target, "--out", out], timeout: 60)
        XCTAssertEqual(refused.exitCode, 2, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("INCOMPLETE RUN"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("cache-hung"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--allow-incomplete"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/latest/plan.json"))

        // With --allow-incomplete every plan format says so.
        let allowed = try ProcessRunner.run(
            fleetAudit, ["plan", "-t", target, "--out", out, "--allow-incomplete"], timeout: 60)
        XCTAssertEqual(allowed.exitCode, 0, allowed.stderr)
        XCTAssertTrue(allowed.stdout.contains("INCOMPLETE RUN"), allowed.stdout)
        let plan = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/latest/plan.json")))
                as? [String: Any])
        XCTAssertEqual(plan["complete"] as? Bool, false)
        XCTAssertEqual(plan["missing_hosts"] as? [String], ["cache-hung"])
        for file in ["plan.html", "plan.md", "plan.csv"] {
            let text = try String(contentsOfFile: out + "/latest/" + file, encoding: .utf8)
            XCTAssertTrue(text.contains("cache-hung"), file)
            XCTAssertTrue(text.contains(file == "plan.csv" ? ",missing," : "INCOMPLETE RUN"), file)
        }

        // The history lists the run as incomplete (never recorded).
        let history = try ProcessRunner.run(fleetAudit, ["history", "--out", out])
        XCTAssertTrue(history.stdout.contains("incomplete"), history.stdout)
    }
}
