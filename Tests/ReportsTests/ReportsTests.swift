import FleetCore
import Foundation
import Reports
import TestSupport
import XCTest

/// One verdict shared by every reporter test, with hostile text where a host could put it.
enum VerdictFixture {
    static let hostile = "<script>alert('x')</script> & \"quotes\""

    static var verdict: FleetVerdict {
        let failing = CheckResult(
            id: "source.protected-mode", title: "protected-mode is off", severity: .blocker, status: .fail,
            summary: "protected-mode is yes.",
            evidence: [Evidence(source: "/etc/redis/redis.conf:12", observed: hostile)],
            remediation: "CONFIG SET protected-mode no")
        let passing = CheckResult(
            id: "source.version", title: "Version", severity: .blocker, status: .pass, summary: "Redis 7.0.15.",
            evidence: [Evidence(source: "INFO server.redis_version", observed: "7.0.15")])
        let formula = CheckResult(
            id: "info.clients", title: "Clients", severity: .info, status: .pass, summary: "=HYPERLINK(\"http://x\")")
        let blocked = HostVerdict(
            host: HostIdentity(name: "cache-1", address: "10.0.1.15", tags: ["env": "prod"]), status: .blocked, rank: 2,
            score: 75,
            instances: [
                InstanceVerdict(
                    port: 6379, status: .blocked, score: 75, checks: [passing, failing, formula],
                    facts: InstanceFacts(redisVersion: "7.0.15", usedMemoryBytes: 1_048_576))
            ])
        let ready = HostVerdict(
            host: HostIdentity(name: "cache-2", address: "10.0.1.16"), status: .ready, rank: 1, score: 100,
            instances: [
                InstanceVerdict(
                    port: 6379, status: .ready, score: 100, checks: [passing],
                    facts: InstanceFacts(redisVersion: "7.0.15", usedMemoryBytes: 2_048))
            ])
        let gone = HostVerdict(
            host: HostIdentity(name: "cache-3", address: "10.0.1.17"), status: .unreachable, rank: 3, score: 0,
            reason: Failure(.timeout, phase: .handshake, message: "no SSH banner within 10 s " + hostile), instances: []
        )
        return FleetVerdict(
            toolVersion: "0.1.0", profile: "seed",
            target: TargetSummary(
                name: "demo", engineVersion: "7.1", nodeType: "cache.r6g.large", clusterMode: "disabled",
                source: "t.yaml"),
            runID: "20261125T000000Z", inventoryDigest: "sha256:abc",
            collectionStartedAt: Date(timeIntervalSince1970: 1_790_000_000),
            collectionEndedAt: Date(timeIntervalSince1970: 1_790_000_060),
            targetChecks: [
                CheckResult(id: "target.multi-az", title: "Multi-AZ", severity: .blocker, status: .pass, summary: "on")
            ],
            hosts: [ready, blocked, gone], hostKeysUnverified: false)
    }

    static func model(generatedAt: Double = 1_790_000_100) -> ReportModel {
        ReportModel(verdict: verdict, generatedAt: Date(timeIntervalSince1970: generatedAt))
    }
}

final class ReportsTests: XCTestCase {
    func testJSONFollowsTheSchemaAndIsDeterministicApartFromGenerationTime() throws {
        let first = JSONReporter().render(VerdictFixture.model(generatedAt: 1))
        let second = JSONReporter().render(VerdictFixture.model(generatedAt: 2))
        XCTAssertEqual(
            first.replacingOccurrences(of: "1970-01-01T00:00:01Z", with: "T"),
            second.replacingOccurrences(of: "1970-01-01T00:00:02Z", with: "T"))
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        XCTAssertEqual(document["schema"] as? String, "fleet-audit.report/1")
        let hosts = try XCTUnwrap(document["hosts"] as? [[String: Any]])
        XCTAssertEqual(hosts.map { $0["name"] as? String }, ["cache-2", "cache-1", "cache-3"])
        XCTAssertEqual(hosts[2]["status"] as? String, "unreachable")
        XCTAssertEqual((hosts[2]["reason"] as? [String: Any])?["phase"] as? String, "handshake")
        let check = try XCTUnwrap(
            ((hosts[1]["instances"] as? [[String: Any]])?.first?["checks"] as? [[String: Any]])?[1])
        for key in ["id", "severity", "status", "evidence", "remediation"] { XCTAssertNotNil(check[key], key) }
        XCTAssertEqual(check["status"] as? String, "fail")
        XCTAssertNotNil(document["target_checks"] as? [[String: Any]])
    }

    func testHTMLIsSelfContainedAndEscapesRemoteText() {
        let html = HTMLReporter().render(VerdictFixture.model())
        XCTAssertFalse(html.contains("<script>"), "remote text must be escaped")
        XCTAssertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;"))
        XCTAssertFalse(html.contains("src=\"http"), "no external assets")
        XCTAssertFalse(html.contains("href=\"http"))
        XCTAssertTrue(html.contains("<svg"), "charts are inline SVG")
        XCTAssertTrue(html.contains("source.protected-mode"), "top blockers listed")
    }

    func testCSVHasOneRowPerInstanceAndDefusesFormulas() {
        let csv = CSVReporter().render(VerdictFixture.model())
        let rows = csv.split(separator: "\r\n")
        XCTAssertEqual(rows.count, 4, "header, two instances, one unreachable host")
        XCTAssertTrue(rows[0].hasPrefix("host,address,port,status,rank,score"))
        XCTAssertTrue(rows[0].contains("source.protected-mode"))
        XCTAssertFalse(csv.contains(",=HYPERLINK"), "summaries are not columns; any '=' cell would be prefixed")
        XCTAssertEqual(CSVReporterProbe.field("=1+1"), "'=1+1")
        XCTAssertEqual(CSVReporterProbe.field("a,b"), "\"a,b\"")
    }

    func testMarkdownListsWhatToFix() {
        let markdown = MarkdownReporter().render(VerdictFixture.model())
        XCTAssertTrue(markdown.contains("| 1 | cache-2 |"))
        XCTAssertTrue(markdown.contains("`source.protected-mode` **fail**"))
        XCTAssertTrue(markdown.contains("Fix: CONFIG SET protected-mode no"))
        XCTAssertFalse(markdown.contains("<script>"))
    }

    func testTerminalSummaryColoursOnlyWhenAsked() {
        let plain = TerminalReporter(colour: false).render(VerdictFixture.model())
        XCTAssertFalse(plain.contains("\u{1B}["))
        XCTAssertTrue(plain.contains("1 ready, 0 warnings, 0 review, 1 blocked, 1 unreachable"))
        XCTAssertTrue(TerminalReporter(colour: true).render(VerdictFixture.model()).contains("\u{1B}[31m"))
    }

    func testTheTopIssueOfAnInstanceThatCannotBeToldSaysWhy() {
        var verdict = VerdictFixture.verdict
        let silent = CheckResult(
            id: "target.capacity", title: "t", severity: .blocker, status: .unknown,
            summary: "Cannot tell: INFO said: Connection refused.")
        verdict.hosts[0].instances[0].checks = [silent]
        XCTAssertEqual(
            TerminalReporter.topIssue(verdict.hosts[0]),
            "target.capacity unknown: Cannot tell: INFO said: Connection refused.")
        verdict.hosts[0].instances[0].checks.append(
            CheckResult(id: "source.auth", title: "t", severity: .blocker, status: .fail, summary: "requirepass is set")
        )
        XCTAssertEqual(TerminalReporter.topIssue(verdict.hosts[0]), "source.auth", "a failing blocker comes first")
    }

    func testEveryFormatSaysTheRunIsIncompleteWithABoundedListOfMissingHosts() throws {
        var verdict = VerdictFixture.verdict
        let missing = (1...25).map { "lost-\($0)" }
        verdict.completeness = RunCompleteness(complete: false, plannedHostCount: 28, missingHosts: missing)
        let model = ReportModel(verdict: verdict, generatedAt: Date(timeIntervalSince1970: 1_790_000_100))
        let sentence = "INCOMPLETE RUN: 25 of 28 planned host(s) were not collected"

        let json = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(JSONReporter().render(model).utf8)) as? [String: Any])
        XCTAssertEqual(json["complete"] as? Bool, false)
        XCTAssertEqual(json["missing_hosts"] as? [String], missing, "JSON lists every missing host")
        XCTAssertEqual(json["planned_host_count"] as? Int, 28)

        let human = [
            // Markdown as a reader sees it (its source escapes the parentheses).
            "html": HTMLReporter().render(model),
            "md": try HostileText.renderGitHubMarkdown(MarkdownReporter().render(model)),
            "terminal": TerminalReporter(colour: false).render(model),
        ]
        for (format, text) in human {
            XCTAssertTrue(text.contains(sentence), format)
            XCTAssertTrue(text.contains("lost-20"), format)
            XCTAssertFalse(text.contains("lost-21"), "\(format): at most 20 names")
            XCTAssertTrue(text.contains("and 5 more (report.json lists every one)"), format)
        }
        XCTAssertTrue(human["terminal"]?.hasPrefix(sentence) == true, "first line of the summary")
        XCTAssertTrue(human["terminal"]?.hasSuffix("lists every one).\n") == true, "and its last")

        let csv = CSVReporter().render(model)
        let missingRows = csv.components(separatedBy: "\r\n").filter { $0.contains(",missing,") }
        XCTAssertEqual(missingRows.count, 25, "one row per missing host")
        XCTAssertTrue(missingRows.first?.hasPrefix("lost-1,,,missing,,,,not collected") == true)

        let complete = VerdictFixture.model()
        for text in [
            HTMLReporter().render(complete), MarkdownReporter().render(complete), CSVReporter().render(complete),
            TerminalReporter(colour: false).render(complete),
        ] {
            XCTAssertFalse(text.contains("INCOMPLETE"))
            XCTAssertFalse(text.contains("missing"))
        }
    }

    /// The HTML report in a real headless browser: it must render (and the PNG can be looked at).
    func testChromiumRendersTheHTMLReport() throws {
        let browser = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        let chromium = try XCTUnwrap(browser, "chromium is installed by scripts/install-deps.sh")
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let page = try directory.write(HTMLReporter().render(VerdictFixture.model()), to: "report.html")
        let png = directory.file("report.png")
        let result = try ProcessRunner.run(
            chromium,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--user-data-dir=\(directory.file("profile"))", "--screenshot=\(png)", "--window-size=1280,1600",
                "file://\(page)",
            ], timeout: 120)
        XCTAssertFalse(result.timedOut)
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: png), result.stderr)
        XCTAssertGreaterThan(bytes.count, 10_000, "a rendered page, not an empty image")
        XCTAssertEqual(Array(bytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "a PNG")
    }
}

/// CSV quoting is internal; this mirrors its contract through the public renderer.
enum CSVReporterProbe {
    static func field(_ value: String) -> String {
        let verdict = FleetVerdict(
            toolVersion: "", profile: "",
            target: TargetSummary(name: "", engineVersion: "", nodeType: "", clusterMode: "", source: ""),
            runID: "", inventoryDigest: "", collectionStartedAt: Date(), collectionEndedAt: nil, targetChecks: [],
            hosts: [
                HostVerdict(
                    host: HostIdentity(name: value, address: "a"), status: .unreachable, rank: 1, score: 0,
                    reason: Failure(.dns, message: "m"), instances: [])
            ],
            hostKeysUnverified: false)
        let csv = CSVReporter().render(ReportModel(verdict: verdict, generatedAt: Date()))
        let row = csv.split(separator: "\r\n")[1]
        if row.hasPrefix("\""), let close = row.dropFirst().firstIndex(of: "\"") { return String(row[...close]) }
        return String(row.split(separator: ",").first ?? "")
    }
}
