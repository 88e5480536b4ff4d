import Foundation
import TestSupport
import XCTest

/// What a user of `fleet-audit exec` sees when hosts fail: grouped blocks, classified failures in the summary, the
/// loud host-key message, and the host key modes, against a real sshd on loopback.
final class ExecCommandFailureTests: XCTestCase {
    private var server: SSHServer!
    private var directory: TemporaryDirectory!
    private let fleetAudit = BuiltProducts.path(of: "fleet-audit")

    override func setUpWithError() throws {
        server = try SSHServer()
        directory = try TemporaryDirectory()
    }

    override func tearDown() {
        server?.stop()
        directory?.remove()
    }

    private func inventory(knownHosts: String? = nil, hosts: String) throws -> String {
        try directory.write(
            server.inventoryDefaults(
                knownHosts: knownHosts, timeouts: "{connect: 3, handshake: 5, auth: 5, command: 15, host: 30}")
                    + """
                    hosts:
                    \(hosts)
                    """, to: "inventory-\(UUID().uuidString).yaml")
    }

    /// A known_hosts file that records another key for this server: what an interception would look like.
    private func knownHostsWithAnotherKey() throws -> String {
        let otherKey = try String(contentsOfFile: server.unauthorizedKey + ".pub", encoding: .utf8)
            .split(separator: " ").prefix(2).joined(separator: " ")
        return try directory.write("[127.0.0.1]:\(server.port) \(otherKey)\n", to: "known_hosts_other")
    }

    /// The `exec --json` document's results, keyed by host name.
    private func resultsByHost(_ json: String) throws -> [String: [String: Any]] {
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], json)
        let results = try XCTUnwrap(document["results"] as? [[String: Any]], json)
        return Dictionary(uniqueKeysWithValues: results.map { ($0["host"] as? String ?? "", $0) })
    }

    func testGroupedOutputShowsOneBlockPerHostAndTheSummaryCountsFailuresByClass() throws {
        let path = try inventory(
            hosts: """
                  - {name: cache-a, address: 127.0.0.1}
                  - {name: cache-b, address: 127.0.0.1}
                """)
        let result = try ProcessRunner.run(
            fleetAudit, ["exec", "-i", path, "--group", "--", "echo out; echo err >&2; exit 3"], timeout: 60)
        XCTAssertEqual(result.exitCode, 1, result.stderr)
        for host in ["cache-a", "cache-b"] {
            XCTAssertTrue(result.stdout.contains("== \(host) (failed, exit 3"), result.stdout)
        }
        XCTAssertTrue(result.stdout.contains("\nout\nstderr: err\n"), result.stdout)
        XCTAssertFalse(result.stdout.contains("cache-a | "), "grouped mode prints no prefixed lines: \(result.stdout)")
        XCTAssertTrue(result.stdout.contains("2 hosts: 0 ok, 2 failed (exit 2)"), result.stdout)
    }

    func testChangedHostKeyUnresolvableNameAndSlowCommandAreEachClassifiedAndTheOthersStillRun() throws {
        let otherKnownHosts = try knownHostsWithAnotherKey()
        let path = try inventory(
            hosts: """
                  - {name: cache-ok, address: 127.0.0.1}
                  - {name: cache-moved, address: 127.0.0.1, known_hosts: \(otherKnownHosts)}
                  - {name: cache-gone, address: fleet-audit-test.invalid}
                  - {name: cache-slow, address: 127.0.0.1, timeouts: {command: 1}}
                """)
        let remoteCommand = ["--", "sleep 3; echo finished"]

        let human = try ProcessRunner.run(fleetAudit, ["exec", "-i", path] + remoteCommand, timeout: 60)
        XCTAssertEqual(human.exitCode, 1, human.stderr)
        XCTAssertTrue(human.stdout.contains("cache-ok | finished\n"), human.stdout)
        XCTAssertTrue(human.stdout.contains("cache-moved ! host-key-changed/host-key: HOST KEY CHANGED"), human.stdout)
        XCTAssertTrue(human.stdout.contains("intercepting"), human.stdout)
        XCTAssertTrue(human.stdout.contains("\(otherKnownHosts):1"), "names the file and line: \(human.stdout)")
        XCTAssertTrue(human.stdout.contains("cache-gone ! dns"), human.stdout)
        XCTAssertTrue(human.stdout.contains("cache-slow ! timeout/command"), human.stdout)
        XCTAssertFalse(human.stdout.contains("cache-slow | finished"), human.stdout)
        XCTAssertTrue(
            human.stdout.contains("4 hosts: 1 ok, 3 failed (dns 1, host-key-changed 1, timeout/command 1)"),
            human.stdout)

        let machine = try ProcessRunner.run(fleetAudit, ["exec", "-i", path, "--json"] + remoteCommand, timeout: 60)
        XCTAssertEqual(machine.exitCode, 1, machine.stderr)
        let byHost = try resultsByHost(machine.stdout)
        XCTAssertEqual(byHost["cache-ok"]?["status"] as? String, "ok")
        XCTAssertEqual(byHost["cache-ok"]?["exit_status"] as? Int, 0)
        XCTAssertEqual(byHost["cache-moved"]?["error_class"] as? String, "host-key-changed")
        XCTAssertEqual(byHost["cache-gone"]?["error_class"] as? String, "dns")
        XCTAssertEqual(byHost["cache-slow"]?["error_class"] as? String, "timeout")
        XCTAssertEqual(byHost["cache-slow"]?["phase"] as? String, "command")
        XCTAssertTrue(byHost["cache-moved"]?["phase"] is NSNull, "phase is only for timeouts")
    }

    func testAcceptNewRecordsAnUnknownKeyThatStrictModeThenAccepts() throws {
        let knownHosts = directory.file("known_hosts_empty")
        let path = try inventory(knownHosts: knownHosts, hosts: "  - {name: cache-new, address: 127.0.0.1}")

        let strictBefore = try ProcessRunner.run(fleetAudit, ["exec", "-i", path, "--json", "--", "true"])
        XCTAssertEqual(strictBefore.exitCode, 1, strictBefore.stderr)
        let refused = try resultsByHost(strictBefore.stdout)["cache-new"]
        XCTAssertEqual(refused?["error_class"] as? String, "host-key-unknown")
        XCTAssertFalse(FileManager.default.fileExists(atPath: knownHosts), "strict mode records nothing")

        let accepting = try ProcessRunner.run(
            fleetAudit, ["exec", "-i", path, "--host-key-checking", "accept-new", "--", "echo first"])
        XCTAssertEqual(accepting.exitCode, 0, accepting.stdout + accepting.stderr)
        let recorded = try String(contentsOfFile: knownHosts, encoding: .utf8)
        let hostKey = try String(contentsOfFile: server.hostKeyFile + ".pub", encoding: .utf8)
            .split(separator: " ").prefix(2).joined(separator: " ")
        XCTAssertEqual(recorded, "[127.0.0.1]:\(server.port) \(hostKey)\n")

        let strictAfter = try ProcessRunner.run(fleetAudit, ["exec", "-i", path, "--", "echo again"])
        XCTAssertEqual(strictAfter.exitCode, 0, strictAfter.stdout + strictAfter.stderr)
        XCTAssertTrue(strictAfter.stdout.contains("cache-new | again\n"), strictAfter.stdout)
    }
}
