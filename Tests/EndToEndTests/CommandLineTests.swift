import Foundation
import TestSupport
import XCTest

/// The `fleet-audit` binary as a user runs it: arguments in, text and exit status out.
final class CommandLineTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private let fleetAudit = BuiltProducts.path(of: "fleet-audit")

    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    func testVersionAndHelpListTheExitStatuses() throws {
        let version = try ProcessRunner.run(fleetAudit, ["--version"])
        XCTAssertEqual(version.exitCode, 0)
        XCTAssertFalse(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        let help = try ProcessRunner.run(fleetAudit, ["--help"])
        XCTAssertEqual(help.exitCode, 0)
        XCTAssertTrue(help.stdout.contains("Exit status"), help.stdout)
    }

    /// A run directory that cannot be created is this machine's problem (3), not the input's (2).
    func testARunDirectoryThatCannotBeCreatedExitsWithTheEnvironmentStatus() throws {
        let inventory = try directory.write(
            "defaults: {metadata: off}\nhosts:\n  - {name: a, address: 127.0.0.1, port: 1}\n", to: "inventory.yaml")
        let out = directory.file("reports")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        // `runs` is a file: the run directory under it cannot be made.
        _ = try directory.write("not a directory\n", to: "reports/runs")
        let result = try ProcessRunner.run(fleetAudit, ["collect", "-i", inventory, "--out", out], timeout: 60)
        XCTAssertEqual(result.exitCode, 3, result.stderr)
        XCTAssertTrue(result.stderr.contains("runs"), result.stderr)
    }

    func testAMalformedInventoryNamesFileLineAndFieldAndExitsWithTheInputStatus() throws {
        let inventory = try directory.write(
            "hosts:\n  - name: a\n    address: 10.0.0.1\n    port: twenty-two\n", to: "broken.yaml")
        let result = try ProcessRunner.run(fleetAudit, ["hosts", "--inventory", inventory])
        XCTAssertEqual(result.exitCode, 2)
        XCTAssertTrue(result.stderr.contains("broken.yaml:4: hosts[0].port"), result.stderr)
    }

    func testHostsListsTheSelection() throws {
        let inventory = try directory.write(
            """
            hosts:
              - {name: cache-prod-1, address: 10.0.0.1, tags: {env: prod}}
              - {name: cache-dev-1, address: 10.0.0.2, tags: {env: dev}}
            """, to: "inventory.yaml")
        let result = try ProcessRunner.run(fleetAudit, ["hosts", "--inventory", inventory, "--limit", "env=prod"])
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("cache-prod-1"))
        XCTAssertFalse(result.stdout.contains("cache-dev-1"))
        XCTAssertTrue(result.stdout.contains("1 of 2 hosts selected"), result.stdout)
    }

    func testALimitThatSelectsNothingIsAnInputError() throws {
        let inventory = try directory.write("hosts: [{name: a, address: 10.0.0.1}]", to: "inventory.yaml")
        let result = try ProcessRunner.run(fleetAudit, ["hosts", "--inventory", inventory, "--limit", "zzz"])
        XCTAssertEqual(result.exitCode, 2)
        XCTAssertTrue(result.stderr.contains("selects no host"), result.stderr)
    }
}
