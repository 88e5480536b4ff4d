import Foundation
import TestSupport
import XCTest

/// `fleet-audit exec` as a user runs it, against a real sshd on loopback.
final class ExecCommandTests: XCTestCase {
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

    private func inventory(extraHosts: String = "") throws -> String {
        try directory.write(
            server.inventoryDefaults(timeouts: "{connect: 3, handshake: 3, auth: 3, command: 10, host: 20}") + """
                hosts:
                  - {name: cache-a, address: 127.0.0.1, tags: {env: prod}}
                  - {name: cache-b, address: 127.0.0.1, tags: {env: dev}}
                \(extraHosts)
                """, to: "inventory.yaml")
    }

    private func decode(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    func testPrefixedOutputAndSummaryAndSuccessStatus() throws {
        let result = try ProcessRunner.run(
            fleetAudit, ["exec", "--inventory", try inventory(), "--", "echo", "hello;", "echo", "oops", ">&2"])
        XCTAssertEqual(result.exitCode, 0, result.stderr + result.stdout)
        XCTAssertTrue(result.stdout.contains("cache-a | hello\n"), result.stdout)
        XCTAssertTrue(result.stdout.contains("cache-b ! oops\n"), result.stdout)
        XCTAssertTrue(result.stdout.contains("2 hosts: 2 ok, 0 failed"), result.stdout)
        XCTAssertTrue(result.stderr.isEmpty, "no progress line when stderr is not a terminal: \(result.stderr)")
    }

    /// `fleet-audit exec … | head`: the reader is gone before the first line. The run ends as any filter's does, by
    /// SIGPIPE (the shell's 141), not by a Swift runtime trap on the failed write (it was one, status 132).
    func testAReaderThatWentAwayEndsTheRunBySIGPIPEWithoutATrap() throws {
        let pipe = Pipe()
        try pipe.fileHandleForReading.close()
        let result = try ProcessRunner.run(
            fleetAudit, ["exec", "--inventory", try inventory(), "--", "echo", "hello"],
            standardOutput: pipe.fileHandleForWriting)
        XCTAssertEqual(result.exitCode, 128 + SIGPIPE, result.stderr)
        XCTAssertFalse(result.stderr.contains("Fatal error"), result.stderr)
    }

    /// `fleet-audit exec -v … 2>&1 | head`: log lines to a standard error nobody reads are dropped, and the run
    /// goes on to its summary and exit status (the first log line used to trap).
    func testLogLinesToAStandardErrorNobodyReadsAreDroppedAndTheRunFinishes() throws {
        let pipe = Pipe()
        try pipe.fileHandleForReading.close()
        let closedPort = try FreePort.next()
        let path = try inventory(extraHosts: "  - {name: cache-down, address: 127.0.0.1, port: \(closedPort)}")
        let result = try ProcessRunner.run(
            fleetAudit, ["exec", "--verbose", "--inventory", path, "--", "echo", "hello"],
            standardError: pipe.fileHandleForWriting)
        XCTAssertEqual(result.exitCode, 1, result.stdout)
        XCTAssertTrue(result.stdout.contains("cache-a | hello\n"), result.stdout)
        XCTAssertTrue(result.stdout.contains("3 hosts: 2 ok, 1 failed (refused 1)"), result.stdout)
    }

    func testJSONClassifiesFailuresAndTheExitStatusSaysSomeHostFailed() throws {
        let closedPort = try FreePort.next()
        let listener = try SilentListener()
        defer { listener.stop() }
        let path = try inventory(
            extraHosts: """
                  - {name: cache-down, address: 127.0.0.1, port: \(closedPort)}
                  - {name: cache-hung, address: 127.0.0.1, port: \(listener.port), timeouts: {handshake: 1}}
                  - {name: cache-badkey, address: 127.0.0.1, identity_file: \(server.unauthorizedKey)}
                """)
        let result = try ProcessRunner.run(fleetAudit, ["exec", "-i", path, "--json", "--", "exit 7"], timeout: 60)
        XCTAssertEqual(result.exitCode, 1, result.stderr)
        let document = try decode(result.stdout)
        XCTAssertEqual(document["host_keys_verified"] as? Bool, true)
        let results = try XCTUnwrap(document["results"] as? [[String: Any]])
        let byHost = Dictionary(uniqueKeysWithValues: results.map { ($0["host"] as? String ?? "", $0) })
        XCTAssertEqual(byHost["cache-a"]?["error_class"] as? String, "exit")
        XCTAssertEqual(byHost["cache-a"]?["exit_status"] as? Int, 7)
        XCTAssertEqual(byHost["cache-down"]?["error_class"] as? String, "refused")
        XCTAssertEqual(byHost["cache-hung"]?["error_class"] as? String, "timeout")
        XCTAssertEqual(byHost["cache-hung"]?["phase"] as? String, "handshake")
        XCTAssertEqual(byHost["cache-badkey"]?["error_class"] as? String, "auth")
        XCTAssertTrue(results.allSatisfy { $0["status"] as? String == "failed" })
    }

    /// Issue 10, class 7: a host that prints escape sequences, C1 and bidi controls and bare CRs cannot drive the
    /// terminal in any text mode; `--json` keeps the exact bytes. An inventory name holding an escape sequence is
    /// refused, and the error quoting it shows the sequence instead of sending it to the terminal.
    func testRemoteControlCharactersAreShownNeverInterpreted() throws {
        let hostile = try directory.write(
            server.inventoryDefaults() + """
                hosts:
                  - {name: "evil\\e]0;owned\\a\\u202E", address: 127.0.0.1}
                """, to: "hostile.yaml")
        let refused = try ProcessRunner.run(fleetAudit, ["exec", "-i", hostile, "--", "true"])
        XCTAssertEqual(refused.exitCode, 2, refused.stderr)
        XCTAssertEqual(HostileText.rawDangerous(in: refused.stderr), [], refused.stderr)
        XCTAssertTrue(refused.stderr.contains("evil\\x1b]0;owned\\x07<U+202E>"), refused.stderr)

        let path = try directory.write(
            server.inventoryDefaults(timeouts: "{connect: 3, handshake: 3, auth: 3, command: 10, host: 20}") + """
                hosts:
                  - {name: cache-a, address: 127.0.0.1}
                """, to: "inventory.yaml")
        // ESC clear screen, CSI as the C1 byte U+009B, U+202E, a lone CR that would overwrite the prefix, a tab.
        let command = "printf 'a\\033[2Jb\\302\\233c\\342\\200\\256d\\rX\\tY\\r\\n' ; printf 'e\\033[31m\\n' >&2"
        for mode in [[], ["--group"]] {
            let result = try ProcessRunner.run(fleetAudit, ["exec", "-i", path] + mode + ["--", command])
            XCTAssertEqual(result.exitCode, 0, result.stderr + result.stdout)
            // A tab stays in exec output by design (columns of `ps`, `df`); nothing else raw.
            let withoutTabs = result.stdout.replacingOccurrences(of: "\t", with: "")
            XCTAssertEqual(HostileText.rawDangerous(in: withoutTabs), [], "\(mode): \(result.stdout)")
            XCTAssertEqual(HostileText.rawDangerous(in: result.stderr), [], "\(mode): \(result.stderr)")
            XCTAssertTrue(result.stdout.contains("a\\x1b[2Jb\\x9bc<U+202E>d\\rX\tY\n"), "\(mode): \(result.stdout)")
            XCTAssertTrue(result.stdout.contains("e\\x1b[31m"), "\(mode): \(result.stdout)")
        }
        let json = try ProcessRunner.run(fleetAudit, ["exec", "-i", path, "--json", "--", command])
        XCTAssertEqual(HostileText.rawDangerous(in: json.stdout), [], json.stdout)
        let results = try XCTUnwrap(try decode(json.stdout)["results"] as? [[String: Any]])
        XCTAssertEqual(results.first?["stdout"] as? String, "a\u{1B}[2Jb\u{9B}c\u{202E}d\rX\tY\r\n", "exact bytes")
    }

    func testLimitAndHostKeyCheckingOffAreVisibleInTheOutput() throws {
        let result = try ProcessRunner.run(
            fleetAudit,
            ["exec", "-i", try inventory(), "--limit", "env=dev", "--host-key-checking", "off", "--json", "--", "true"])
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        let document = try decode(result.stdout)
        XCTAssertEqual(document["host_keys_verified"] as? Bool, false)
        XCTAssertEqual((document["results"] as? [[String: Any]])?.map { $0["host"] as? String }, ["cache-b"])
        XCTAssertTrue(result.stderr.contains("NOT verified"), result.stderr)
    }

    func testTruncatedOutputIsFlagged() throws {
        let result = try ProcessRunner.run(
            fleetAudit,
            ["exec", "-i", try inventory(), "--limit", "cache-a", "--output-limit", "10", "--json", "--", "seq 1000"])
        let first = try XCTUnwrap((try decode(result.stdout)["results"] as? [[String: Any]])?.first)
        XCTAssertEqual(first["truncated"] as? Bool, true)
        XCTAssertEqual(first["stdout"] as? String, "1\n2\n3\n4\n5\n")
    }

    func testMissingCommandIsAUsageError() throws {
        let result = try ProcessRunner.run(fleetAudit, ["exec", "-i", try inventory()])
        XCTAssertEqual(result.exitCode, 64)
        XCTAssertTrue(result.stderr.contains("give the command"), result.stderr)
    }
}

/// `fleet-audit collect` as a user runs it.
final class CollectCommandTests: XCTestCase {
    func testCollectWritesARunWithOneSnapshotPerHostAndPointsLatestAtIt() throws {
        let server = try SSHServer()
        let redis = try RedisServer()
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
                  - {name: cache-gone, address: 127.0.0.1, port: \(try FreePort.next())}
                """, to: "inventory.yaml")
        let out = directory.file("reports")
        let result = try ProcessRunner.run(
            BuiltProducts.path(of: "fleet-audit"), ["collect", "-i", inventory, "--out", out], timeout: 120)
        XCTAssertEqual(result.exitCode, 1, "one host unreachable: \(result.stderr)")
        XCTAssertTrue(result.stdout.contains("cache-a  collected"), result.stdout)
        XCTAssertTrue(result.stdout.contains("cache-gone  unreachable  refused"), result.stdout)
        let manifestData = try XCTUnwrap(FileManager.default.contents(atPath: out + "/latest/manifest.json"))
        let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: manifestData) as? [String: Any])
        XCTAssertEqual(manifest["complete"] as? Bool, true)
        XCTAssertEqual(manifest["schema"] as? String, "fleet-audit.run/1")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/latest/hosts/cache-a.json"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/latest/hosts/cache-gone.json"))
        let evidence = try TarArchive.read(out + "/latest/evidence/cache-a.tar")
        XCTAssertTrue(evidence.contents["\(redis.port)-info.txt"]?.contains("redis_version:") == true, evidence.listing)
    }
}

/// `fleet-audit audit` then `fleet-audit report` on the stored run, as a user runs them.
final class AuditCommandTests: XCTestCase {
    func testAuditWritesRankedReportsAndReportReproducesThemOffline() throws {
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
                  - {name: cache-gone, address: 127.0.0.1, port: \(try FreePort.next())}
                """, to: "inventory.yaml")
        let target = try directory.write(
            "name: t\nengine_version: \"7.1\"\nnode_type: cache.r6g.large\nvpc_id: vpc-1\n", to: "target.yaml")
        let out = directory.file("reports")
        let fleetAudit = BuiltProducts.path(of: "fleet-audit")
        let audit = try ProcessRunner.run(
            fleetAudit, ["audit", "-i", inventory, "-t", target, "--out", out], timeout: 120)
        XCTAssertEqual(audit.exitCode, 1, "blocked and unreachable hosts fail the default --fail-on blocked")
        XCTAssertTrue(audit.stdout.contains("cache-gone"), audit.stdout)
        for file in ["report.json", "report.html", "report.md", "report.csv"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/latest/" + file), file)
        }
        let first = try String(contentsOfFile: out + "/latest/report.json", encoding: .utf8)
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        let hosts = try XCTUnwrap(document["hosts"] as? [[String: Any]])
        XCTAssertEqual(hosts.map { $0["name"] as? String }, ["cache-a", "cache-gone"])
        XCTAssertEqual(hosts[0]["status"] as? String, "blocked", "loopback: bind and private address fail")
        XCTAssertEqual(hosts[1]["status"] as? String, "unreachable")
        let checks = try XCTUnwrap((hosts[0]["instances"] as? [[String: Any]])?.first?["checks"] as? [[String: Any]])
        let protectedMode = try XCTUnwrap(checks.first { $0["id"] as? String == "source.protected-mode" })
        XCTAssertEqual(protectedMode["status"] as? String, "pass")

        let never = try ProcessRunner.run(
            fleetAudit, ["report", "--run", out + "/latest", "-t", target, "--fail-on", "never"], timeout: 60)
        XCTAssertEqual(never.exitCode, 0, never.stderr)
        let second = try String(contentsOfFile: out + "/latest/report.json", encoding: .utf8)
        let withoutTime = { (text: String) in
            text.split(separator: "\n").filter { !$0.contains("\"generated_at\"") }.joined(separator: "\n")
        }
        XCTAssertEqual(withoutTime(first), withoutTime(second), "re-evaluating the stored run gives the same JSON")

        let badTarget = try directory.write("name: t\nengine_version: \"7.1\"\n", to: "bad.yaml")
        let invalid = try ProcessRunner.run(fleetAudit, ["report", "--run", out + "/latest", "-t", badTarget])
        XCTAssertEqual(invalid.exitCode, 2)
        XCTAssertTrue(invalid.stderr.contains("bad.yaml"), invalid.stderr)
    }
}
