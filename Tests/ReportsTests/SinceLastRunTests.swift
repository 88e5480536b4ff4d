import FleetCore
import Foundation
import Reports
import RunComparison
import XCTest

/// "Since the last run" and the trend in every format, with a hostile host name and observed value.
final class SinceLastRunTests: XCTestCase {
    static let hostile = VerdictFixture.hostile

    static var changes: RunChanges {
        RunChanges(
            previousRunID: "20261118T000000Z", previousStartedAt: Date(timeIntervalSince1970: 1_789_395_200),
            runID: "20261125T000000Z",
            hosts: [
                RunChanges.Host(
                    name: "cache-2", address: "10.0.1.16", kind: .becameReady, before: .blocked, after: .ready),
                RunChanges.Host(name: hostile, address: "10.0.1.99", kind: .disappeared, before: .ready, after: nil),
            ],
            instances: [
                RunChanges.Instance(host: "cache-2", port: 6379, kind: .becameReady, before: .blocked, after: .ready)
            ],
            checks: [
                RunChanges.Check(
                    host: "cache-1", port: 6379, id: "source.protected-mode", title: "protected-mode is off",
                    severity: .blocker, before: .pass, after: .fail,
                    evidenceBefore: [Evidence(source: "CONFIG GET protected-mode", observed: "no")],
                    evidenceAfter: [Evidence(source: "CONFIG GET protected-mode", observed: "yes \u{1B}[2J" + hostile)])
            ])
    }

    static var model: ReportModel {
        var model = VerdictFixture.model()
        model.sinceLastRun = changes
        model.trend = [
            TrendPoint(
                runID: "20261118T000000Z", startedAt: Date(timeIntervalSince1970: 1_789_395_200),
                instances: [.ready: 1, .blocked: 2], hosts: [.ready: 1, .blocked: 2]),
            TrendPoint(verdict: VerdictFixture.verdict),
        ]
        return model
    }

    func testJSONCarriesTheChangesAndTheTrendUnderAdditiveKeys() throws {
        let text = JSONReporter().render(Self.model)
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(document["schema"] as? String, "fleet-audit.report/1", "additive: the schema id stays")
        let since = try XCTUnwrap(document["since_last_run"] as? [String: Any])
        XCTAssertEqual(since["previous_run_id"] as? String, "20261118T000000Z")
        XCTAssertEqual(since["first_run"] as? Bool, false)
        let hosts = try XCTUnwrap(since["hosts"] as? [[String: Any]])
        XCTAssertEqual(hosts.map { $0["change"] as? String }, ["became-ready", "disappeared"])
        XCTAssertTrue(hosts[1]["after"] is NSNull)
        let check = try XCTUnwrap((since["checks"] as? [[String: Any]])?.first)
        XCTAssertEqual((check["evidence_before"] as? [[String: Any]])?.first?["observed"] as? String, "no")
        let trend = try XCTUnwrap(document["trend"] as? [[String: Any]])
        XCTAssertEqual(trend.map { $0["run_id"] as? String }, ["20261118T000000Z", "20261125T000000Z"])
        XCTAssertEqual((trend[0]["instances"] as? [String: Int])?["blocked"], 2)
        XCTAssertEqual((trend[0]["instances"] as? [String: Int])?["review"], 0, "every status is present")

        let withoutHistory = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(JSONReporter().render(VerdictFixture.model()).utf8))
                as? [String: Any])
        XCTAssertTrue(withoutHistory["since_last_run"] is NSNull, "null: made without a history")
        XCTAssertEqual((withoutHistory["trend"] as? [Any])?.count, 0)
    }

    func testHTMLShowsTheChangesEscapedAndATrendChart() {
        let html = HTMLReporter().render(Self.model)
        XCTAssertTrue(html.contains("<h2>Since the last run</h2>"))
        XCTAssertFalse(html.contains("<script>"), "a hostile host name is escaped")
        XCTAssertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;"))
        XCTAssertTrue(html.contains("<code>source.protected-mode</code>"))
        XCTAssertTrue(html.contains("<h2>Readiness trend</h2>"))
        XCTAssertTrue(html.contains("aria-label=\"Instances per readiness status over time\""))
        XCTAssertFalse(html.contains("src=\"http"), "still self-contained")

        var first = VerdictFixture.model()
        first.sinceLastRun = RunChanges(previousRunID: nil, runID: "20261125T000000Z")
        XCTAssertTrue(HTMLReporter().render(first).contains("First run: nothing to compare with."))
        XCTAssertFalse(HTMLReporter().render(VerdictFixture.model()).contains("Since the last run"))
    }

    func testTrendLabelsCarryTheTimeOnlyWhenTwoRunsShareADay() {
        var model = Self.model
        let html = HTMLReporter().render(model)
        XCTAssertTrue(html.contains(">2026-09-14<"), "a run a day: dates alone")
        let morning = Date(timeIntervalSince1970: 1_789_395_200)  // 2026-09-14 14:13 UTC
        model.trend = [
            TrendPoint(runID: "a", startedAt: morning, instances: [.ready: 1], hosts: [.ready: 1]),
            TrendPoint(
                runID: "b", startedAt: morning.addingTimeInterval(3_600), instances: [.ready: 1], hosts: [.ready: 1]),
        ]
        let sameDay = HTMLReporter().render(model)
        XCTAssertTrue(sameDay.contains(">2026-09-14 14:13<"), sameDay)
        XCTAssertTrue(sameDay.contains(">2026-09-14 15:13<"), sameDay)
    }

    func testMarkdownListsHostsInstancesAndChecksWithBothValues() {
        let markdown = MarkdownReporter().render(Self.model)
        XCTAssertTrue(markdown.contains("## Since the last run"))
        XCTAssertTrue(markdown.contains("| cache-2 | became-ready | blocked | ready |"))
        XCTAssertTrue(markdown.contains("| cache-1:6379 | `source.protected-mode` | pass | fail |"))
        XCTAssertTrue(markdown.contains("CONFIG GET protected-mode = no"))
        XCTAssertFalse(markdown.contains("<script>"))
    }

    func testTerminalShowsTheChangesWithoutControlCharactersFromHosts() {
        let text = TerminalReporter(colour: false).render(Self.model)
        XCTAssertTrue(text.contains("Since the last run (20261118T000000Z):"), text)
        XCTAssertTrue(text.contains("cache-1:6379  source.protected-mode  pass -> fail"), text)
        XCTAssertTrue(text.contains("before: CONFIG GET protected-mode = no"), text)
        XCTAssertTrue(text.contains("after : CONFIG GET protected-mode = yes \\x1b[2J"), text)
        XCTAssertFalse(text.contains("\u{1B}"), "no escape sequence from a host reaches the terminal")

        var first = VerdictFixture.model()
        first.sinceLastRun = RunChanges(previousRunID: nil, runID: "x")
        XCTAssertTrue(TerminalReporter(colour: false).render(first).contains("first run"))
    }
}
