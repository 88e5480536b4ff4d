import Foundation
import LabKit
import TestSupport
import XCTest

/// source.full-sync and source.big-keys on real servers under a real write load (inventory/lab/full-sync.yaml).
final class LabFullSyncTests: XCTestCase {
    private let fleetAudit = BuiltProducts.path(of: "fleet-audit")

    func testTheFullSyncModelFailsAnOverloadedBufferAndABigKeyAndPassesTheOthers() throws {
        let lab = try TestLab(scenario: "full-sync.yaml", prefix: "fy")
        defer { lab.remove() }
        XCTAssertEqual(lab.upResult.exitCode, 0, lab.upResult.stdout + lab.upResult.stderr)
        let reports = lab.directory.file("reports")
        let audit = try ProcessRunner.run(
            fleetAudit,
            [
                "audit", "-i", lab.out + "/inventory.yaml", "-t", try lab.demoTarget(), "--out", reports,
                "--fail-on", "never", "--sync-sample-seconds", "3",
            ],
            timeout: 240)
        XCTAssertEqual(audit.exitCode, 0, audit.stderr)
        let data = try XCTUnwrap(FileManager.default.contents(atPath: reports + "/latest/report.json"))
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let hosts = try XCTUnwrap(report["hosts"] as? [[String: Any]])
        func instance(_ name: String) throws -> [String: Any] {
            let host = try XCTUnwrap(hosts.first { $0["name"] as? String == name }, name)
            return try XCTUnwrap((host["instances"] as? [[String: Any]])?.first, name)
        }
        func status(_ name: String, _ check: String) throws -> String? {
            let checks = try XCTUnwrap(try instance(name)["checks"] as? [[String: Any]])
            return checks.first { $0["id"] as? String == check }?["status"] as? String
        }
        func fullSync(_ name: String) throws -> [String: Any] {
            let facts = try XCTUnwrap(try instance(name)["facts"] as? [String: Any])
            return try XCTUnwrap(facts["full_sync"] as? [String: Any], name)
        }

        XCTAssertEqual(try status("sync-fails", "source.full-sync"), "fail")
        XCTAssertEqual(try status("sync-passes", "source.full-sync"), "pass")
        XCTAssertEqual(try status("big-key-fails", "source.big-keys"), "fail")
        XCTAssertEqual(try status("big-key-passes", "source.big-keys"), "pass")

        // The load is measured (200 writes of 4 KiB a second: 0.4 to 2 MiB/s, whichever counter saw it), and what
        // the sync buffers passes the 64 KiB hard limit; the advice holds twice it.
        let failing = try fullSync("sync-fails")
        let rate = try XCTUnwrap(failing["write_bytes_per_second"] as? Int)
        XCTAssertGreaterThan(rate, 400 << 10, "\(failing)")
        XCTAssertLessThan(rate, 2 << 20, "\(failing)")
        XCTAssertEqual(failing["buffer_limit_bytes"] as? Int, 64 << 10)
        XCTAssertGreaterThan(try XCTUnwrap(failing["buffered_bytes"] as? Int), 64 << 10)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(failing["sample_seconds"] as? Double), 2.5)
        XCTAssertGreaterThan(try XCTUnwrap(failing["rdb_bytes_estimate"] as? Int), 20 << 20)
        XCTAssertGreaterThan(try XCTUnwrap(failing["transfer_seconds"] as? Double), 0.1)
        XCTAssertEqual(failing["backlog_bytes"] as? Int, 256 << 20)
        let advice = try XCTUnwrap(failing["recommended"] as? [[String: Any]])
        let setting = try XCTUnwrap(advice.first?["setting"] as? String)
        XCTAssertTrue(setting.hasPrefix("client-output-buffer-limit replica "), setting)
        let hardMiB = try XCTUnwrap(Int(setting.split(separator: " ")[2].dropLast(2)))
        XCTAssertGreaterThanOrEqual(hardMiB << 20, 2 * (failing["buffered_bytes"] as? Int ?? .max))
        XCTAssertEqual(try XCTUnwrap(fullSync("sync-passes")["buffer_limit_bytes"] as? Int), 256 << 20)
        XCTAssertEqual(try XCTUnwrap(fullSync("sync-passes")["recommended"] as? [Any]).count, 0)

        // The 20 MiB string is the largest key, its name hidden behind a hash.
        let facts = try XCTUnwrap(try instance("big-key-fails")["facts"] as? [String: Any])
        let largest = try XCTUnwrap((facts["largest_keys"] as? [[String: Any]])?.first)
        XCTAssertEqual(largest["type"] as? String, "string")
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(largest["bytes"] as? Int), 20 << 20)
        XCTAssertEqual(largest["measured_by"] as? String, "memory")
        let name = try XCTUnwrap(largest["name"] as? String)
        XCTAssertEqual(name, "sha256:" + String(SHA256Hex.of("blob").prefix(12)))
        XCTAssertFalse(String(decoding: data, as: UTF8.self).contains("\"blob\""), "no key name reaches the report")
    }
}

/// The hex SHA-256 of a string, from the system's sha256sum (an independent implementation of FleetCore's).
enum SHA256Hex {
    static func of(_ text: String) -> String {
        let output = try? ProcessRunner.run("/usr/bin/sha256sum", [], input: Data(text.utf8), timeout: 10)
        return String(output?.stdout.prefix(64) ?? "")
    }
}
