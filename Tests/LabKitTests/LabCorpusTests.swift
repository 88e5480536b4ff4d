import Foundation
import TestSupport
import XCTest
import YAMLInput

/// Issue 12, item 7: real redis.conf and valkey.conf files from public repositories (Tests/LabKitTests/Corpus), each
/// run as one instance of one lab, audited as a user would, and every check compared with what the file and AWS's
/// rules say (Corpus/expectations.yaml, written before fleet-audit ran). Disagreements are reported, never hidden:
/// one failure lists them all.
final class LabCorpusTests: XCTestCase {
    private let fleetAudit = BuiltProducts.path(of: "fleet-audit")
    private static let corpus = LabTests.repository + "/Tests/LabKitTests/Corpus"

    /// One corpus file's expectations.
    struct CorpusFile {
        var name: String
        var server: String
        var tlsOnly = false
        var runs = true
        var username: String?
        var password: String?
        var checks: [(id: String, expect: String, why: String)] = []
        /// Expectations reviewed after a disagreement: the status accepted instead, and why (never silent).
        var reviewed: [String: (status: String, why: String)] = [:]
        /// The lab port: 6400 + the file's number.
        var port: Int { 6400 + (Int(name.prefix(2)) ?? 0) }
        /// Five instances per lab host.
        var host: String { "corpus-\(((Int(name.prefix(2)) ?? 1) - 1) / 5 + 1)" }
    }

    static func loadExpectations() throws -> [CorpusFile] {
        let root = try YAMLNode.load(path: corpus + "/expectations.yaml")
        guard let files = try root.mapping(allowedKeys: ["files"])["files"] else { throw root.error("no files") }
        var result: [CorpusFile] = []
        for (name, node) in try files.mappingEntries() {
            let fields = try node.mapping(allowedKeys: [
                "server", "tls_only", "runs", "why", "username", "password", "checks",
            ])
            var file = CorpusFile(name: name, server: try fields["server"]?.nonEmptyString() ?? "redis-7.0.15")
            file.tlsOnly = try fields["tls_only"]?.bool() ?? false
            file.runs = try fields["runs"]?.bool() ?? true
            file.username = try fields["username"]?.nonEmptyString()
            file.password = try fields["password"]?.nonEmptyString()
            for (id, check) in try fields["checks"]?.mappingEntries() ?? [] {
                let entry = try check.mapping(allowedKeys: ["expect", "why", "reviewed"])
                if let review = entry["reviewed"] {
                    let fields = try review.mapping(allowedKeys: ["status", "why"])
                    file.reviewed[id] = (
                        try fields["status"]?.nonEmptyString() ?? "", try fields["why"]?.nonEmptyString() ?? ""
                    )
                }
                file.checks.append(
                    (id, try entry["expect"]?.nonEmptyString() ?? "", try entry["why"]?.string() ?? ""))
            }
            result.append(file)
        }
        return result
    }

    /// Where the lab puts one instance's files, for the rewrites of Corpus/PROVENANCE.md.
    struct LabPlace {
        var port: Int
        var hostDirectory: String
        var aclFile: String
        var module: String
        var hostAddress: String
    }

    /// The file's lines as the lab runs them: each kept as published except the rewrites PROVENANCE.md lists.
    static func labLines(of text: String, place: LabPlace) -> [String] {
        var lines = text.components(separatedBy: "\n")
        if text.hasSuffix("\n") { lines.removeLast() }
        var modulesLoaded = 0
        return lines.map { line in
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            // The lab's config list takes no empty entries: a blank line becomes an empty comment (same meaning).
            guard let directive = words.first?.lowercased() else { return "#" + line }
            if directive.hasPrefix("#") { return line }
            let value = words.dropFirst().joined(separator: " ")
            let directory = place.hostDirectory
            switch directive {
            case "port": return value == "0" ? line : "port \(place.port)"
            case "tls-port": return "tls-port \(place.port)"
            case "dir": return "dir \(directory)/data/\(place.port)"
            case "logfile": return value == "\"\"" ? line : "logfile \(directory)/redis-\(place.port).log"
            case "pidfile": return "pidfile \(directory)/redis-\(place.port).pid"
            case "unixsocket": return "unixsocket \(directory)/redis-\(place.port).sock"
            case "aclfile": return "aclfile \(place.aclFile)"
            case "include": return "# fleet-audit lab: no include is active in this corpus: \(line)"
            case "daemonize": return "daemonize no"
            case "supervised": return "supervised no"
            case "bind":
                // Loopback stays loopback and wildcards stay wildcards; a private address becomes the lab host's.
                let mapped = words.dropFirst().map { isPrivate($0) ? place.hostAddress : $0 }
                return mapped == Array(words.dropFirst()) ? line : "bind " + mapped.joined(separator: " ")
            case "loadmodule":
                modulesLoaded += 1
                return modulesLoaded == 1
                    ? "loadmodule \(place.module)" : "# fleet-audit lab: the lab module loads once: \(line)"
            case "tls-cert-file", "tls-ca-cert-file": return "\(directive) \(directory)/tls.crt"
            case "tls-key-file": return "tls-key-file \(directory)/tls.key"
            case "tls-dh-params-file": return "# fleet-audit lab: OpenSSL 3 needs no DH file: \(line)"
            default: return line
            }
        }
    }

    static func isPrivate(_ address: String) -> Bool {
        let octets = address.trimmingCharacters(in: ["-"]).split(separator: ".").compactMap { Int($0) }
        guard octets.count == 4 else { return false }
        return octets[0] == 10 || (octets[0] == 172 && (16...31).contains(octets[1]))
            || (octets[0] == 192 && octets[1] == 168)
    }

    /// A YAML double-quoted scalar (JSON's escapes are YAML's).
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    func testEveryCorpusFileGetsTheVerdictsItsTextAndAWSsRulesCallFor() throws {
        let files = try Self.loadExpectations()
        XCTAssertGreaterThanOrEqual(files.count, 20)
        let running = files.filter(\.runs)
        let labServers = ProcessInfo.processInfo.environment["LAB_SERVERS"] ?? "/opt/fleet-audit-lab"
        let lab = try TestLab(scenario: "corpus", prefix: "fk") { paths in
            try Self.scenario(for: running, paths: paths, labServers: labServers)
        }
        defer { lab.remove() }
        XCTAssertEqual(lab.upResult.exitCode, 0, lab.upResult.stdout + lab.upResult.stderr)
        guard lab.upResult.exitCode == 0 else { return }
        let out = lab.out

        // The passwords (and 02's ACL user) go into the inventory as a user would write them: password_env.
        var inventory = try String(contentsOfFile: out + "/inventory.yaml", encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        for file in running where file.password != nil || file.username != nil {
            let variable = "FK_CORPUS_\(file.port)_PASSWORD"
            environment[variable] = file.password
            let extra =
                (file.password == nil ? "" : ", password_env: \(variable)")
                + (file.username.map { ", username: \($0)" } ?? "")
            inventory = inventory.replacingOccurrences(of: "{port: \(file.port)}", with: "{port: \(file.port)\(extra)}")
        }
        // Beside the lab's own inventory: its known_hosts and key are relative to it.
        let inventoryPath = out + "/inventory-corpus.yaml"
        try inventory.write(toFile: inventoryPath, atomically: true, encoding: .utf8)
        // A host starts sshd after its servers answer (or after 5 s each that never answer without credentials).
        let hostCount = Set(running.map(\.host)).count
        for index in 0..<hostCount {
            let address = "10.\(lab.second).\(lab.third).\(11 + index)"
            let wait = try ProcessRunner.run(
                "/bin/bash",
                [
                    "-c",
                    "for i in $(seq 240); do (exec 3<>/dev/tcp/\(address)/22) 2>/dev/null && exit 0; sleep 0.25; done; exit 1",
                ],
                timeout: 70)
            XCTAssertEqual(wait.exitCode, 0, "sshd of \(address) never answered")
        }
        let target = try lab.demoTarget()
        let reports = lab.directory.file("reports")
        let audit = try ProcessRunner.run(
            fleetAudit, ["audit", "-i", inventoryPath, "-t", target, "--out", reports, "--fail-on", "never"],
            environment: environment, timeout: 240)
        XCTAssertEqual(audit.exitCode, 0, audit.stdout + audit.stderr)
        let data = try XCTUnwrap(FileManager.default.contents(atPath: reports + "/latest/report.json"))
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        var checks: [String: [String: Any]] = [:]
        for host in report["hosts"] as? [[String: Any]] ?? [] {
            for instance in host["instances"] as? [[String: Any]] ?? [] {
                for check in instance["checks"] as? [[String: Any]] ?? [] {
                    checks["\(instance["port"] as? Int ?? 0) \(check["id"] as? String ?? "")"] = check
                }
            }
        }

        // Every expectation against report.json; all disagreements in one message.
        var mismatches: [String] = []
        var compared = 0
        for file in running {
            for expected in file.checks {
                compared += 1
                let check = checks["\(file.port) \(expected.id)"]
                let got = check?["status"] as? String ?? "(missing)"
                if let review = file.reviewed[expected.id], got == review.status, !review.why.isEmpty {
                    // The disagreement was reviewed and the written expectation kept: printed, not hidden.
                    print(
                        "corpus: \(file.name) \(expected.id): expected \(expected.expect), reviewed \(got): \(review.why)"
                    )
                } else if got != expected.expect {
                    let summary = (check?["summary"] as? String ?? "").replacingOccurrences(of: "\n", with: " ")
                    mismatches.append(
                        "\(file.name) \(expected.id): expected \(expected.expect) (\(expected.why)), got \(got): \(summary)"
                    )
                }
            }
        }
        XCTAssertEqual(compared, running.reduce(0) { $0 + $1.checks.count })
        if !mismatches.isEmpty {
            XCTFail(
                "\(mismatches.count) of \(compared) expectations disagree with fleet-audit:\n"
                    + mismatches.joined(separator: "\n")
                    + (checks.isEmpty
                        ? "\nno instance reported; fleet-audit said:\n\(audit.stdout)\(audit.stderr)" : ""))
        }
    }

    /// The lab scenario: five corpus instances per host, each file's lines after the rewrites, the server it needs.
    static func scenario(for files: [CorpusFile], paths: TestLab.Paths, labServers: String) throws -> String {
        let hosts = Array(Set(files.map(\.host))).sorted()
        var text = "name: corpus\nhosts:\n"
        for (index, host) in hosts.enumerated() {
            text += "  - name: \(host)\n    redis:\n"
            for file in files where file.host == host {
                let place = LabPlace(
                    port: file.port, hostDirectory: paths.out + "/hosts/" + host,
                    aclFile: try paths.directory.write("", to: "\(file.port).acl"),
                    module: labServers + "/modules/labmodule.so",
                    hostAddress: "10.\(paths.second).\(paths.third).\(11 + index)")
                let original = try String(contentsOfFile: corpus + "/" + file.name, encoding: .utf8)
                text += "      - port: \(file.port)\n"
                if file.server != "redis-7.0.15" { text += "        server: \(file.server)\n" }
                if file.tlsOnly { text += "        tls_only: true\n" }
                // The lab's seeding client knows no credentials and no client certificate: it would only stall.
                if file.tlsOnly || file.password != nil || file.username != nil { text += "        keys: {0: 0}\n" }
                text += "        config:\n"
                for line in labLines(of: original, place: place) { text += "          - \(quoted(line))\n" }
            }
        }
        return try paths.directory.write(text, to: "corpus.yaml")
    }
}
