import Foundation
import TestSupport
import XCTest

/// Issue 6's acceptance: two audits of a lab fleet with one setting changed on one host between them produce a
/// diff that names that host, the check and both values; `history` lists both runs.
final class LabHistoryTests: XCTestCase {
    func testAChangedSettingOnOneHostShowsInTheDiffWithBothValues() throws {
        let lab = try TestLab(scenario: "history.yaml", prefix: "fh")
        defer { lab.remove() }
        XCTAssertEqual(lab.upResult.exitCode, 0, lab.upResult.stdout + lab.upResult.stderr)
        let fleetAudit = BuiltProducts.path(of: "fleet-audit")
        let target = try lab.directory.write(
            """
            name: lab
            engine_version: "7.1"
            node_type: cache.r6g.large
            vpc_id: vpc-0history
            subnet_cidrs: [\(lab.subnet)]
            source_security_groups:
              sg-0history: [{from_port: 6379, to_port: 6379, cidrs: ["10.\(lab.second).0.0/16"]}]
            """, to: "target.yaml")
        let reports = lab.directory.file("reports")
        let audit = [
            "audit", "-i", lab.out + "/inventory.yaml", "-t", target, "--out", reports, "--fail-on", "never",
        ]
        let first = try ProcessRunner.run(fleetAudit, audit, timeout: 120)
        XCTAssertEqual(first.exitCode, 0, first.stdout + first.stderr)
        XCTAssertTrue(first.stdout.contains("Since the last run: first run"), first.stdout)

        // The lab is a fixture: the test changes the host; the auditor itself stays read-only. Namespace 0 is the
        // scenario's first host, cache-ready-a.
        let change = try ProcessRunner.run(
            "/usr/sbin/ip",
            ["netns", "exec", "\(lab.prefix)-0", "redis-cli", "-p", "6379", "CONFIG", "SET", "protected-mode", "yes"])
        XCTAssertEqual(change.stdout, "OK\n", change.stderr)
        // Run ids have one-second resolution; a second audit in the same second gets a suffix, which still sorts
        // after the first by its start time.
        let second = try ProcessRunner.run(fleetAudit, audit, timeout: 120)
        XCTAssertEqual(second.exitCode, 0, second.stdout + second.stderr)
        XCTAssertTrue(second.stdout.contains("cache-ready-a"), second.stdout)

        let diff = try ProcessRunner.run(fleetAudit, ["diff", "--out", reports, "--format", "json"])
        XCTAssertEqual(diff.exitCode, 0, diff.stderr)
        let document = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(diff.stdout.utf8)) as? [String: Any], diff.stdout)
        let hosts = try XCTUnwrap(document["hosts"] as? [[String: Any]])
        XCTAssertEqual(hosts.map { $0["name"] as? String }, ["cache-ready-a"], "only the changed host")
        XCTAssertEqual(hosts.first?["change"] as? String, "regressed")
        XCTAssertEqual(hosts.first?["before"] as? String, "ready")
        let checks = try XCTUnwrap(document["checks"] as? [[String: Any]])
        let changed = try XCTUnwrap(
            checks.first { $0["id"] as? String == "source.protected-mode" }, "\(checks)")
        XCTAssertEqual(changed["host"] as? String, "cache-ready-a")
        XCTAssertEqual(changed["before"] as? String, "pass")
        XCTAssertEqual(changed["after"] as? String, "fail")
        XCTAssertEqual((changed["evidence_before"] as? [[String: Any]])?.first?["observed"] as? String, "no")
        XCTAssertEqual((changed["evidence_after"] as? [[String: Any]])?.first?["observed"] as? String, "yes")
        // The same CONFIG SET also shows as drift from redis.conf and as a client use of CONFIG: still that host.
        XCTAssertTrue(
            checks.allSatisfy { $0["host"] as? String == "cache-ready-a" }, "no other host changed: \(checks)")

        let text = try ProcessRunner.run(fleetAudit, ["diff", "--out", reports])
        XCTAssertTrue(text.stdout.contains("cache-ready-a:6379  source.protected-mode  pass -> fail"), text.stdout)
        XCTAssertTrue(text.stdout.contains("before: CONFIG GET protected-mode = no"), text.stdout)
        XCTAssertTrue(text.stdout.contains("after : CONFIG GET protected-mode = yes"), text.stdout)

        let history = try ProcessRunner.run(fleetAudit, ["history", "--out", reports, "--format", "json"])
        let runs = try XCTUnwrap(
            (JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [String: Any])?["runs"]
                as? [[String: Any]], history.stdout)
        XCTAssertEqual(runs.count, 2)
        XCTAssertTrue(runs.allSatisfy { $0["state"] as? String == "recorded" })
        XCTAssertEqual((runs[0]["hosts"] as? [String: Int])?["ready"], 1, "newest first: one ready host left")
        XCTAssertEqual((runs[1]["hosts"] as? [String: Int])?["ready"], 2)

        // The second run's report says the same, and its HTML has the trend over both runs.
        let report = try String(contentsOfFile: reports + "/latest/report.md", encoding: .utf8)
        XCTAssertTrue(report.contains("| cache-ready-a | regressed | ready | blocked |"), report)
        let html = try String(contentsOfFile: reports + "/latest/report.html", encoding: .utf8)
        XCTAssertTrue(html.contains("last 2 run(s)"))
    }
}
