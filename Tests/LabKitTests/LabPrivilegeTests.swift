import Foundation
import LabKit
import TestSupport
import XCTest

/// Issue 11 on the lab for real (inventory/lab/real-world.yaml): hosts logged into as ec2-user, with and without
/// docs/collector.md's sudoers rule, redis-server running as redis with its config 640 root:redis.
final class LabPrivilegeTests: XCTestCase {
    private let fleetAudit = BuiltProducts.path(of: "fleet-audit")

    func testSudoGivesTheRootVerdictsWithoutSudoTheChecksAreUnknownAndDiscoveryNeedsNoPrivilege() throws {
        let lab = try TestLab(scenario: "real-world.yaml", prefix: "fp")
        defer { lab.remove() }
        XCTAssertEqual(lab.upResult.exitCode, 0, lab.upResult.stdout + lab.upResult.stderr)
        let out = lab.out
        let address = { (index: Int) in "10.\(lab.second).\(lab.third).\(11 + index)" }

        // The sudo host holds exactly the documented rule, and that rule is narrow: redis's config as redis, /proc
        // status by regular expression, never /etc/shadow, never two paths.
        let documented = try String(contentsOfFile: LabTests.repository + "/docs/collector.md", encoding: .utf8)
        let rule = SudoersRule.text(loginUser: "ec2-user")
        XCTAssertTrue(documented.contains(rule), "docs/collector.md gives the rule the lab installs:\n\(rule)")
        XCTAssertEqual(try String(contentsOfFile: out + "/hosts/rw-sudo/sudoers.d/fleet-audit", encoding: .utf8), rule)
        func ssh(_ host: Int, _ command: String) throws -> ProcessOutput {
            try ProcessRunner.run(
                "/usr/bin/ssh",
                [
                    "-o", "BatchMode=yes", "-o", "UserKnownHostsFile=\(out)/known_hosts", "-i", "\(out)/id_ed25519",
                    "ec2-user@\(address(host))", command,
                ], timeout: 30)
        }
        let allowed = try ssh(1, "sudo -n -u redis cat /etc/redis/redis-6379.conf && sudo -n cat /proc/1/status")
        XCTAssertEqual(allowed.exitCode, 0, allowed.stderr)
        XCTAssertTrue(allowed.stdout.contains("rename-command FLUSHALL"), allowed.stdout)
        for refused in [
            "sudo -n cat /etc/shadow", "sudo -n cat /proc/1/status /etc/shadow", "sudo -n id", "sudo -n sh -c id",
        ] {
            let attempt = try ssh(1, refused)
            XCTAssertNotEqual(attempt.exitCode, 0, "\(refused) must be refused: \(attempt.stdout)")
            XCTAssertTrue(attempt.stderr.contains("a password is required"), attempt.stderr)
        }
        let plain = try ssh(1, "cat /etc/redis/redis-6379.conf; ps -eo user= | sort -u")
        XCTAssertTrue(plain.stderr.contains("Permission denied"), "without sudo ec2-user may not read it")
        XCTAssertFalse(plain.stdout.contains("redis"), "hidepid: redis's process is invisible: \(plain.stdout)")

        // The unlisted servers are not in the inventory: only discovery can find them.
        let inventory = try String(contentsOfFile: out + "/inventory.yaml", encoding: .utf8)
        XCTAssertFalse(inventory.contains("6380") || inventory.contains("6381"), inventory)

        let target = try lab.demoTarget()
        let reports = lab.directory.file("reports")
        let audit = try ProcessRunner.run(
            fleetAudit, ["audit", "-i", out + "/inventory.yaml", "-t", target, "--out", reports, "--fail-on", "never"],
            timeout: 240)
        XCTAssertEqual(audit.exitCode, 0, audit.stderr)
        let data = try XCTUnwrap(FileManager.default.contents(atPath: reports + "/latest/report.json"))
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let hosts = try XCTUnwrap(report["hosts"] as? [[String: Any]])
        func host(_ name: String) throws -> [String: Any] {
            try XCTUnwrap(hosts.first { $0["name"] as? String == name }, name)
        }
        func checks(_ name: String) throws -> [String: [String: Any]] {
            var result: [String: [String: Any]] = [:]
            for instance in try host(name)["instances"] as? [[String: Any]] ?? [] {
                for check in instance["checks"] as? [[String: Any]] ?? [] {
                    result["\(instance["port"] as? Int ?? 0) \(check["id"] as? String ?? "")"] = check
                }
            }
            return result
        }
        func notes(_ name: String) throws -> String {
            (try host(name)["collection_notes"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "access" }
                .compactMap { $0["message"] as? String }.joined(separator: "; ")
        }

        // ec2-user with sudo sees what root sees: every check of the same config ends the same, FLUSHALL found.
        let root = try checks("rw-root")
        let sudo = try checks("rw-sudo")
        XCTAssertEqual(root["6379 source.renamed-commands"]?["status"] as? String, "fail")
        XCTAssertEqual(Set(root.keys), Set(sudo.keys))
        for (key, check) in root {
            XCTAssertEqual(sudo[key]?["status"] as? String, check["status"] as? String, key)
        }
        XCTAssertEqual(try host("rw-sudo")["status"] as? String, try host("rw-root")["status"] as? String)
        XCTAssertEqual(try notes("rw-root"), "", "root needed no sudo")
        let sudoNote = try notes("rw-sudo")
        XCTAssertTrue(sudoNote.hasPrefix("read through sudo -n: config files of :6379"), sudoNote)
        XCTAssertTrue(
            sudoNote.contains("/proc/<pid>/status of :6379"), "hidepid: status only through sudo: \(sudoNote)")
        XCTAssertTrue(
            sudoNote.contains("listening sockets' processes") && sudoNote.contains("firewall rules"), sudoNote)

        // Without sudo: discovered on both title forms; the config file is unreadable, yet the disabled FLUSHALL
        // is a blocker all the same: the server's own command table shows it (COMMAND INFO does not resolve it).
        let noSudo = try checks("rw-nosudo")
        for port in [6380, 6381] {
            let check = try XCTUnwrap(noSudo["\(port) source.renamed-commands"], "port \(port) was not discovered")
            XCTAssertEqual(check["status"] as? String, "fail")
            XCTAssertTrue((check["summary"] as? String ?? "").contains("FLUSHALL"), "\(check)")
        }
        XCTAssertNil(noSudo["6382 source.version"], "the unix-socket-only server is not audited")
        let noSudoNote = try notes("rw-nosudo")
        XCTAssertTrue(noSudoNote.contains("not readable as the login user: config files of :6380, :6381"), noSudoNote)
        XCTAssertTrue(noSudoNote.contains("1 redis-server(s) listen on a unix socket only"), noSudoNote)
        // become: sudo where sudo refuses: the same verdict from the command table, and the note names the refusal.
        let refused = try XCTUnwrap(try checks("rw-refused")["6379 source.renamed-commands"])
        XCTAssertEqual(refused["status"] as? String, "fail")
        let refusedNote = try notes("rw-refused")
        XCTAssertTrue(refusedNote.contains("password-required"), refusedNote)
        for (name, checks) in [("rw-nosudo", noSudo), ("rw-refused", try checks("rw-refused"))] {
            XCTAssertFalse(
                checks.contains {
                    $0.key.hasSuffix("source.renamed-commands") && $0.value["status"] as? String == "pass"
                },
                name)
        }

        // Every format says what sudo was needed for.
        let markdown = try String(contentsOfFile: reports + "/latest/report.md", encoding: .utf8)
        XCTAssertTrue(markdown.contains("- access: read through sudo -n: config files of :6379"), markdown)
        let csv = try String(contentsOfFile: reports + "/latest/report.csv", encoding: .utf8)
        XCTAssertTrue(csv.contains("access: read through sudo -n: config files of :6379"))
        let html = try String(contentsOfFile: reports + "/latest/report.html", encoding: .utf8)
        XCTAssertTrue(html.contains("Access: read through sudo -n: config files of :6379"))
        XCTAssertTrue(audit.stdout.contains("Access on rw-sudo: read through sudo -n"), audit.stdout)
    }
}
