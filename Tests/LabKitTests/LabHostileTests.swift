import FleetCore
import Foundation
import LabKit
import TestSupport
import XCTest

final class HostileScenarioTests: XCTestCase {
    /// The scenario keeps every attack of issue 10; the acceptance test below relies on each being there.
    func testTheHostileScenarioHasEveryAttackBesideOrdinaryHosts() throws {
        let scenario = try Scenario.load(path: LabTests.repository + "/inventory/lab/hostile.yaml")
        let hostile = scenario.hosts.filter(\.isHostile)
        // `hold` only waits for its deadline with a full buffer: bench/hostile-rss.sh measures it, the scenario would
        // just be slower with it.
        XCTAssertEqual(
            Set(hostile.compactMap(\.forceCommand)), Set(LabHost.ForceCommand.allCases).subtracting([.hold]),
            "every forced command")
        let ordinary = scenario.hosts.filter { $0.tags["kind"] == "ordinary" }
        XCTAssertEqual(ordinary.map(\.name), LabHostileTests.ordinaryHosts)
        XCTAssertFalse(
            ordinary.contains { $0.isHostile || $0.redis.contains(where: \.crlf) }, "ordinary means ordinary")
        let fakes = scenario.hosts.flatMap(\.redis).compactMap(\.fake)
        XCTAssertTrue(fakes.contains { $0.info.contains { $0.value == "9223372036854775807" } }, "huge numbers")
        XCTAssertEqual(scenario.hosts.first { $0.name == "huge" }?.redis.count, 2, "two, so that sums overflow")
        XCTAssertTrue(fakes.contains { $0.configFile.contains("include /dev/zero") })
        XCTAssertTrue(fakes.contains { $0.title.contains("\u{1b}]0;pwned\u{7}") }, "a control title")
        XCTAssertTrue(scenario.hosts.contains { $0.hostname?.contains("\u{202e}") == true }, "a bidi hostname")
        XCTAssertTrue(scenario.hosts.contains(where: \.specialFiles))
        let secrets = try XCTUnwrap(scenario.hosts.first { $0.name == "secrets" }?.redis.first)
        XCTAssertTrue(secrets.crlf)
        XCTAssertEqual(secrets.password, "ab", "a password shorter than 4 characters")
        for secret in LabHostileTests.scenarioSecrets {
            XCTAssertTrue(
                scenario.hosts.flatMap(\.redis).contains {
                    $0.password == secret || $0.config.contains { $0.contains(secret) }
                }, "\(secret) is planted by the scenario")
        }
    }
}

/// Issue 10's acceptance: hostile hosts (inventory/lab/hostile.yaml) audited in one run with ordinary ones. Whatever
/// they answer, the run completes, the ordinary hosts' verdicts are those of a run without them, nothing is written
/// outside the reports root, no secret is kept, evidence is private, and the auditor's memory stays bounded.
final class LabHostileTests: XCTestCase {
    /// hostile.yaml's hosts tagged `kind: ordinary`.
    static let ordinaryHosts = ["plain-1", "plain-2", "twice"]
    /// The secrets hostile.yaml writes into redis.conf files and the inventory's secrets.env.
    static let scenarioSecrets = ["Plain-2-Secret", "S3cretCRLF", "Carol Pw", "TlsKeyPass-9", "TlsClientPass-9"]
    /// Every secret planted: the scenario's, the forged-sections host's `requirepass ForgedPw`, the lab's shadow
    /// hash and the mode-600 folder's masterauth (the two-character `ab` is looked for in context below).
    static let plantedSecrets =
        scenarioSecrets + ["ForgedPw", HostileMarkers.privateFolderSecret, HostileMarkers.shadowHash]
    /// The peak RSS the auditor may reach auditing this fleet (measured: see docs/lab.md#hostile-hosts).
    static let peakRSSBoundKiB = 1_048_576

    private let fleetAudit = BuiltProducts.path(of: "fleet-audit")

    func testHostileHostsChangeNothingForOrdinaryHostsAndLeakNothing() throws {
        let lab = try TestLab(scenario: "hostile.yaml", prefix: "hl")
        defer { lab.remove() }
        XCTAssertEqual(lab.upResult.exitCode, 0, lab.upResult.stdout + lab.upResult.stderr)
        XCTAssertFalse(lab.upResult.stdout.contains("warning:"), lab.upResult.stdout)
        let (directory, out) = (lab.directory, lab.out)
        let targetText = try String(
            contentsOfFile: LabTests.repository + "/inventory/lab/hostile-target.yaml", encoding: .utf8)
        let target = try directory.write(
            targetText.replacingOccurrences(of: "10.81.0.0/24", with: lab.subnet)
                .replacingOccurrences(of: "10.81.0.0/16", with: "10.\(lab.second).0.0/16"), to: "target.yaml")
        let environment = try Self.environment(secretsFile: out + "/secrets.env")
        // The audit runs in an empty folder of its own: a relative path a host smuggles in would land here.
        let workingDirectory = directory.file("cwd")
        try FileManager.default.createDirectory(atPath: workingDirectory, withIntermediateDirectories: true)

        // The ordinary hosts alone, first: the verdicts the hostile run must not change.
        let baselineRoot = directory.file("baseline")
        let baseline = try ProcessRunner.run(
            fleetAudit,
            [
                "audit", "-i", out + "/inventory.yaml", "-t", target, "--out", baselineRoot, "--limit",
                Self.ordinaryHosts.joined(separator: ","),
            ], environment: environment, timeout: 180, currentDirectory: workingDirectory)
        XCTAssertTrue([0, 1].contains(baseline.exitCode), baseline.stderr)
        let expected = Self.verdicts(reportsRoot: baselineRoot, hosts: Self.ordinaryHosts)
        XCTAssertEqual(expected.count, Self.ordinaryHosts.count, "the baseline run reports every ordinary host")

        // What a path attack could reach, before: /tmp, the reports root's parent (the lab folder is inside it).
        let reportsRoot = directory.file("reports")
        let secondRoot = directory.file("second")
        let outputRoots = [reportsRoot, baselineRoot, secondRoot]
        // This test's own files (GNU time's output, the second auditor's log and stop file) go in a folder of their
        // own, left out of the comparison below like the reports roots.
        let harness = directory.file("harness")
        try FileManager.default.createDirectory(atPath: harness, withIntermediateDirectories: true)
        let temporaryBefore = Self.forgedNamesInTemporary()
        let treeBefore = Self.files(under: directory.path, except: outputRoots + [harness])
        let passwdBefore = try FileManager.default.attributesOfItem(atPath: "/etc/passwd")

        // A second auditor collects from `twice` again and again for as long as the hostile run lasts, so that
        // its collector is running on that host whenever the first one lists processes.
        let stopFile = harness + "/stop-second"
        let second = try ProcessRunner.start(
            "/bin/sh",
            [
                "-c",
                "while [ ! -e \"$1\" ]; do \"$2\" collect -i \"$3\" --limit twice --out \"$4\" || exit 1; done",
                "second-auditor", stopFile, fleetAudit, out + "/inventory.yaml", secondRoot,
            ], environment: environment, logFile: harness + "/second.log")
        func stopSecond() {
            _ = FileManager.default.createFile(atPath: stopFile, contents: nil)
            Self.waitOrKill(second, seconds: 30)
        }
        // Also when something below throws: the loop must not outlive the test.
        defer { stopSecond() }
        usleep(300_000)
        let rssFile = harness + "/rss.txt"
        let audit = try ProcessRunner.run(
            "/usr/bin/time",
            [
                "-f", "%M", "-o", rssFile, fleetAudit, "audit", "-i", out + "/inventory.yaml", "-t", target, "--out",
                reportsRoot,
            ],
            environment: environment, timeout: 300, currentDirectory: workingDirectory)
        stopSecond()
        let temporaryAfter = Self.forgedNamesInTemporary()
        // Whatever the outcome, files a path attack put in /tmp go (by their exact forged names, none other's).
        defer { for name in temporaryAfter.subtracting(temporaryBefore) { unlink("/tmp/" + name) } }

        // (a) The run completes: exit 0 (all ready) or 1 (something blocked), never a crash, with every host reported.
        XCTAssertTrue([0, 1].contains(audit.exitCode), "exit \(audit.exitCode): \(audit.stderr.suffix(3_000))")
        let scenario = try Scenario.load(path: LabTests.repository + "/inventory/lab/hostile.yaml")
        let reported = Self.verdicts(reportsRoot: reportsRoot, hosts: scenario.hosts.map(\.name))
        XCTAssertEqual(Set(reported.keys), Set(scenario.hosts.map(\.name)), "report.json lists every host")

        // (b) The ordinary hosts' verdicts, host and instance statuses and every check's status, are unchanged.
        for host in Self.ordinaryHosts {
            XCTAssertEqual(reported[host], expected[host], "\(host) changed beside hostile hosts")
        }

        // (c) Nothing was created outside the reports root.
        XCTAssertEqual(temporaryAfter.subtracting(temporaryBefore), [], "files a host named, created in /tmp")
        let treeAfter = Self.files(under: directory.path, except: outputRoots + [harness])
        XCTAssertEqual(treeAfter.subtracting(treeBefore), [], "files created beside the reports root")
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: workingDirectory), [], "the audit's own folder")
        let passwdAfter = try FileManager.default.attributesOfItem(atPath: "/etc/passwd")
        XCTAssertEqual(passwdAfter[.modificationDate] as? Date, passwdBefore[.modificationDate] as? Date)
        XCTAssertEqual(passwdAfter[.size] as? Int, passwdBefore[.size] as? Int)

        // (d) No planted secret, in any encoding, in any file the auditors wrote or in what they printed; and the
        // flood (70 MB) and the 20,000 sections were cut, not kept: the whole reports root stays under 32 MiB.
        let forms = Self.secretForms()
        var leaks: Set<String> = []
        func search(_ name: String, _ data: Data) {
            for (secret, form) in forms where data.range(of: form) != nil { leaks.insert("\(secret) in \(name)") }
        }
        search("the audit's stdout", Data(audit.stdout.utf8))
        search("the audit's stderr", Data(audit.stderr.utf8))
        var storedBytes = 0
        for root in outputRoots {
            for path in Self.files(under: root, except: []) {
                let data = FileManager.default.contents(atPath: root + "/" + path) ?? Data()
                if root == reportsRoot { storedBytes += data.count }
                search(URL(fileURLWithPath: root).lastPathComponent + "/" + path, data)
            }
        }
        XCTAssertEqual(leaks.sorted(), [], "planted secrets in outputs")
        XCTAssertLessThan(storedBytes, 32 << 20, "bytes under the reports root")

        // (e) Evidence, snapshots, reports and the history are private: files 0600, folders 0700, everywhere under
        // the reports root the audit created (the root itself included).
        var exposed: [String] = []
        for path in ["."] + Self.files(under: reportsRoot, except: [], folders: true).sorted() {
            var status = stat()
            guard lstat(reportsRoot + "/" + path, &status) == 0, status.st_mode & S_IFMT != S_IFLNK else {
                continue
            }
            let wanted: mode_t = status.st_mode & S_IFMT == S_IFDIR ? 0o700 : 0o600
            if status.st_mode & 0o777 != wanted {
                exposed.append("\(path) \(String(status.st_mode & 0o777, radix: 8))")
            }
        }
        XCTAssertEqual(
            exposed.count, 0, "not private under the reports root (first 10 of \(exposed.count)): \(exposed.prefix(10))"
        )

        // (f) Peak RSS (GNU time's maximum resident set size, KiB) under the stated bound.
        let rssText = (try? String(contentsOfFile: rssFile, encoding: .utf8)) ?? ""
        let peak = rssText.split(whereSeparator: \.isNewline).last.flatMap { Int($0) }
        let measured = try XCTUnwrap(peak, "GNU time wrote no maximum RSS: \(rssText)")
        print("hostile audit: peak RSS \(measured) KiB (bound \(Self.peakRSSBoundKiB) KiB), exit \(audit.exitCode)")
        XCTAssertLessThan(measured, Self.peakRSSBoundKiB)

        // (g) The second auditor ran, and its collector was not taken for a Sentinel.
        let secondRuns = (try? FileManager.default.contentsOfDirectory(atPath: secondRoot + "/runs")) ?? []
        XCTAssertFalse(
            secondRuns.isEmpty, (try? String(contentsOfFile: harness + "/second.log", encoding: .utf8)) ?? "")
        // The baseline (no second auditor) passes it; so must this run, whose report must exist to say so.
        XCTAssertEqual(
            reported["twice"]?.checks["6379 source.sentinel"], "pass", "another audit's collector is no Sentinel")

        // (h) What reaches a terminal, Markdown or CSV viewer carries no escape, C1 or bidi control.
        var shown: [(String, Data)] = [("audit stdout", Data(audit.stdout.utf8))]
        for name in try FileManager.default.contentsOfDirectory(atPath: reportsRoot + "/latest")
        where name.hasSuffix(".md") || name.hasSuffix(".csv") {
            shown.append((name, try Data(contentsOf: URL(fileURLWithPath: reportsRoot + "/latest/" + name))))
        }
        XCTAssertTrue(shown.contains { $0.0.hasSuffix(".csv") }, "the run wrote a CSV report: \(shown.map(\.0))")
        XCTAssertTrue(shown.contains { $0.0.hasSuffix(".md") }, "the run wrote a Markdown report")
        for (name, data) in shown {
            if let control = Self.firstControl(in: data) { XCTFail("\(name) holds \(control)") }
        }
    }

    /// One host's verdict as report.json states it: its status, each instance's status, each check's status.
    struct Verdict: Equatable, CustomStringConvertible {
        var status: String
        var instances: [Int: String]
        var checks: [String: String]
        var description: String {
            "\(status) \(instances.sorted { $0.key < $1.key }) \(checks.sorted { $0.key < $1.key })"
        }
    }

    static func verdicts(reportsRoot: String, hosts: [String]) -> [String: Verdict] {
        guard let data = FileManager.default.contents(atPath: reportsRoot + "/latest/report.json"),
            let report = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let reportedHosts = report["hosts"] as? [[String: Any]]
        else { return [:] }
        var result: [String: Verdict] = [:]
        for host in reportedHosts {
            guard let name = host["name"] as? String, hosts.contains(name) else { continue }
            var verdict = Verdict(status: host["status"] as? String ?? "?", instances: [:], checks: [:])
            for instance in (host["instances"] as? [[String: Any]]) ?? [] {
                let port = instance["port"] as? Int ?? 0
                verdict.instances[port] = instance["status"] as? String ?? "?"
                for check in (instance["checks"] as? [[String: Any]]) ?? [] {
                    verdict.checks["\(port) \(check["id"] as? String ?? "?")"] = check["status"] as? String ?? "?"
                }
            }
            result[name] = verdict
        }
        return result
    }

    /// Each planted secret in the forms an output could carry it: as is, base64, hex, percent-encoded, its SHA-256
    /// (an ACL hash), JSON-escaped. The two-character `ab` would match everywhere alone, so only in its contexts.
    static func secretForms() -> [(String, Data)] {
        var forms: [(String, Data)] = []
        for secret in plantedSecrets {
            let bytes = Data(secret.utf8)
            let encodings = [
                secret, bytes.base64EncodedString(), bytes.map { String(format: "%02x", $0) }.joined(),
                secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? secret,
                SHA256.hexDigest(of: bytes), secret.replacingOccurrences(of: "/", with: "\\/"),
            ]
            for form in Set(encodings) { forms.append((secret, Data(form.utf8))) }
        }
        for form in [
            "requirepass ab", "requirepass \"ab\"", "requirepass\nab", "requirepass\r\nab", "requirepass\\nab",
            "requirepass\\r\\nab", "\"requirepass\":\"ab\"", "\"requirepass\": \"ab\"",
            SHA256.hexDigest(of: Data("ab".utf8)),
        ] {
            forms.append(("requirepass ab", Data(form.utf8)))
        }
        return forms
    }

    /// The first byte sequence a terminal or viewer would act on: C0 controls but tab, LF and CR; DEL; C1 (as
    /// UTF-8 or raw); bidi embeddings, overrides and isolates.
    static func firstControl(in data: Data) -> String? {
        let bytes = [UInt8](data)
        for (index, byte) in bytes.enumerated() {
            if byte < 0x20 && ![0x09, 0x0a, 0x0d].contains(byte) || byte == 0x7f {
                return String(format: "control byte 0x%02x at %d", byte, index)
            }
            let next = index + 1 < bytes.count ? bytes[index + 1] : 0
            if byte == 0xc2 && (0x80...0x9f).contains(next) { return "C1 U+00\(String(format: "%02X", next))" }
            if byte == 0xe2 && index + 2 < bytes.count {
                let third = bytes[index + 2]
                if next == 0x80 && (0xaa...0xae).contains(third) || next == 0x81 && (0xa6...0xa9).contains(third) {
                    return "bidi control at \(index)"
                }
            }
        }
        return nil
    }

    /// Entries of /tmp named like the forged sections' targets (`x-forged…`): only the names this test's hosts use.
    static func forgedNamesInTemporary() -> Set<String> {
        Set(((try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []).filter { $0.hasPrefix("x-forged") })
    }

    /// Paths (relative) under `root`, files and symbolic links, plus folders when asked, skipping `except` roots.
    static func files(under root: String, except: [String], folders: Bool = false) -> Set<String> {
        var result: Set<String> = []
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return result }
        while let relative = enumerator.nextObject() as? String {
            let full = root + "/" + relative
            if except.contains(full) {
                enumerator.skipDescendants()
                continue
            }
            var status = stat()
            guard lstat(full, &status) == 0 else { continue }
            if status.st_mode & S_IFMT != S_IFDIR || folders { result.insert(relative) }
        }
        return result
    }

    /// The environment with the lab's passwords; a secrets file that is not there fails the test (the lab writes it).
    static func environment(secretsFile: String) throws -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for line in try String(contentsOfFile: secretsFile, encoding: .utf8).split(separator: "\n") {
            let assignment = line.dropFirst("export ".count).split(separator: "=", maxSplits: 1)
            if assignment.count == 2 {
                environment[String(assignment[0])] = String(assignment[1]).trimmingCharacters(in: ["'"])
            }
        }
        return environment
    }

    /// Waits for a process this test started to end; kills that one process (by its PID) past the deadline.
    static func waitOrKill(_ process: Process, seconds: Double) {
        // waitpid, not Process.isRunning: Foundation's own reaping is not to be relied on here (ProcessRunner).
        let pid = process.processIdentifier
        let deadline = Date().addingTimeInterval(seconds)
        var status: Int32 = 0
        while Date() < deadline {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid || (reaped < 0 && errno == ECHILD) { return }
            usleep(50_000)
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
    }
}
