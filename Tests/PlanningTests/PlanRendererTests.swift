import FleetCore
import Foundation
import Reports
import TestSupport
import XCTest

@testable import Planning

/// Every plan format on one shared plan that holds hostile host names and tags.
final class PlanRendererTests: XCTestCase {
    private static let hostileHost = "<script>alert('host')</script>"
    private static let hostileTag = "\"><img src=x onerror=alert(1)>"
    private static let formulaHost = "=HYPERLINK(\"http://evil\",\"x\")"

    private func fixturePlan(generatedAt: Date = Date(timeIntervalSince1970: 1_800_000_000)) throws -> MigrationPlan {
        var fleet = FleetBuilder()
        fleet.ready(Self.hostileHost, gib: 1, tags: ["env": "dev", "app": Self.hostileTag])
        fleet.ready(Self.formulaHost, gib: 2, tags: ["env": "prod", "app": "+cmd|' /C calc'!A0"])
        fleet.ready("cache-big", gib: 40, tags: ["env": "prod"])
        fleet.ready("cache-unknown", gib: nil, tags: ["env": "prod"])
        fleet.host(
            "cache-blocked", tags: ["env": "dev"], [(6379, .blocked, 5)],
            checks: [FleetBuilder.check("source.bind", .fail, remediation: "-bind <everything> @now")])
        fleet.unreachable("cache-gone")
        let constraints = try PlanConstraints.fromCommandLine(
            maxInstancesPerWave: 2, maxGiBPerWave: 10, maxSyncMinutesPerWave: nil, orderByTag: "env=dev,prod",
            keepTogether: "app")
        return WavePlanner(constraints: constraints).plan(fleet.verdict, generatedAt: generatedAt)
    }

    /// plan.json byte for byte. The golden file was written by the `[String: Any]` + `JSONSerialization`
    /// implementation; the streaming writer that replaced it must give the same bytes.
    func testJSONIsByteForByteTheGoldenFile() throws {
        let text = PlanJSONRenderer().render(try fixturePlan())
        try GoldenFile.assertMatches(text, named: "plan.json")
        XCTAssertEqual(
            text, try GoldenFile.reserializedWithJSONSerialization(text, escapeHidden: OutputText.jsonEscapingHidden))
    }

    func testJSONIsDeterministicApartFromGenerationTimeAndHasTheSchemaFields() throws {
        let first = PlanJSONRenderer().render(try fixturePlan())
        let later = PlanJSONRenderer().render(try fixturePlan(generatedAt: Date(timeIntervalSince1970: 1_900_000_000)))
        XCTAssertEqual(first, PlanJSONRenderer().render(try fixturePlan()))
        let withoutTime = { (text: String) in text.split(separator: "\n").filter { !$0.contains("\"generated_at\"") } }
        XCTAssertEqual(withoutTime(first), withoutTime(later))
        XCTAssertNotEqual(first, later)

        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        XCTAssertEqual(document["schema"] as? String, "fleet-audit.plan/1")
        XCTAssertEqual(
            Set(document.keys),
            [
                "schema", "tool_version", "profile", "run_id", "inventory_digest", "generated_at", "host_keys_verified",
                "target", "constraints", "summary", "waves", "not_ready", "backlog", "notes", "complete",
                "missing_hosts", "planned_host_count",
            ])
        XCTAssertEqual(document["complete"] as? Bool, true)
        XCTAssertEqual(document["missing_hosts"] as? [String], [])
        XCTAssertEqual(document["run_id"] as? String, "20261130T000000Z")
        let constraints = try XCTUnwrap(document["constraints"] as? [String: Any])
        XCTAssertEqual(constraints["max_instances_per_wave"] as? Int, 2)
        XCTAssertEqual(constraints["max_dataset_bytes_per_wave"] as? Int, 10 * 1024 * 1024 * 1024)
        XCTAssertTrue(constraints["max_sync_seconds_per_wave"] is NSNull)
        XCTAssertEqual((constraints["order_by_tag"] as? [String: Any])?["values"] as? [String], ["dev", "prod"])
        XCTAssertEqual(constraints["keep_together"] as? String, "app")

        let waves = try XCTUnwrap(document["waves"] as? [[String: Any]])
        // dev first; in prod the 40 GiB instance moves alone and the unknown-size one joins the first prod wave.
        XCTAssertEqual(waves.map { $0["number"] as? Int }, [1, 2, 3])
        XCTAssertEqual(waves.map { $0["order_tag_value"] as? String }, ["dev", "prod", "prod"])
        XCTAssertEqual(
            waves.map { ($0["instances"] as? [[String: Any]])?.compactMap { $0["host"] as? String } },
            [[Self.hostileHost], [Self.formulaHost, "cache-unknown"], ["cache-big"]])
        XCTAssertEqual(Set(waves[0].keys), ["number", "order_tag_value", "exceeded_limits", "totals", "instances"])
        let totals = try XCTUnwrap(waves[0]["totals"] as? [String: Any])
        XCTAssertEqual(
            Set(totals.keys),
            ["instances", "hosts", "dataset_bytes", "estimated_sync_seconds", "unknown_dataset_instances"])
        let instance = try XCTUnwrap((waves[0]["instances"] as? [[String: Any]])?.first)
        XCTAssertEqual(
            Set(instance.keys),
            [
                "host", "address", "port", "status", "score", "host_rank", "dataset_bytes", "estimated_sync_seconds",
                "tags",
            ])
        XCTAssertEqual(instance["host"] as? String, Self.hostileHost)
        XCTAssertEqual((instance["tags"] as? [String: String])?["app"], Self.hostileTag)
        let big = try XCTUnwrap(waves.first { ($0["exceeded_limits"] as? [String])?.isEmpty == false })
        XCTAssertEqual(big["exceeded_limits"] as? [String], ["max_dataset_bytes_per_wave"])
        let unknown = waves.flatMap { $0["instances"] as? [[String: Any]] ?? [] }.first {
            $0["host"] as? String == "cache-unknown"
        }
        XCTAssertTrue(unknown?["dataset_bytes"] is NSNull)

        let notReady = try XCTUnwrap(document["not_ready"] as? [[String: Any]])
        XCTAssertEqual(notReady.map { $0["host"] as? String }, ["cache-blocked", "cache-gone"])
        XCTAssertTrue(notReady[1]["port"] is NSNull)
        let blocking = try XCTUnwrap((notReady[0]["blocking_checks"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(blocking.keys), ["id", "title", "status", "scope", "summary", "remediation"])
        let backlog = try XCTUnwrap((document["backlog"] as? [[String: Any]])?.first)
        XCTAssertEqual(
            Set(backlog.keys),
            [
                "check", "title", "scope", "instances", "hosts", "unblocks_instances", "unblocks_hosts", "failing",
                "unknown", "remediations", "affected",
            ])
        let kinds = (document["notes"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }
        XCTAssertEqual(Set(kinds ?? []), ["oversized-instance", "unknown-dataset", "unreachable-hosts"])
    }

    func testHTMLIsSelfContainedAndEscapesRemoteText() throws {
        let html = PlanHTMLRenderer().render(try fixturePlan())
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertTrue(html.contains("<svg"), "the timeline chart")
        for external in ["href=", "url(", "@import"] {
            XCTAssertFalse(html.contains(external), "external content: \(external)")
        }
        // Only these elements: no script, img, link, iframe or object can load or run anything.
        let allowed: Set<String> = [
            "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "b", "code", "div", "span",
            "svg", "rect", "text", "table", "tr", "th", "td", "details", "summary", "small", "br",
        ]
        let tags = try NSRegularExpression(pattern: "</?([!A-Za-z][A-Za-z0-9]*)")
            .matches(in: html, range: NSRange(html.startIndex..., in: html))
            .compactMap { Range($0.range(at: 1), in: html).map { String(html[$0]) } }
        XCTAssertEqual(Set(tags).subtracting(allowed), [])
        XCTAssertFalse(html.contains(Self.hostileTag))
        XCTAssertTrue(html.contains("&lt;script&gt;alert(&#39;host&#39;)&lt;/script&gt;"))
        XCTAssertTrue(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"))
        XCTAssertTrue(html.contains("-bind &lt;everything&gt; @now"), "remediation text is escaped too")
    }

    func testCSVHasOneRowPerInstanceAndDefusesFormulas() throws {
        let csv = PlanCSVRenderer().render(try fixturePlan())
        let lines = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        XCTAssertEqual(
            lines.first,
            "wave,host,address,port,status,dataset_bytes,estimated_sync_seconds,tag:env,tag:app,tags,blocking_checks,reason"
        )
        XCTAssertEqual(
            lines.count, 1 + 4 + 2, "header, four planned instances, a blocked instance, an unreachable host")
        XCTAssertTrue(csv.contains("\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\""), csv)
        XCTAssertTrue(csv.contains(",'+cmd|' /C calc'!A0,"), csv)
        XCTAssertTrue(csv.contains(",'-bind") == false, "remediation is not in the CSV; blocking ids are")
        XCTAssertTrue(csv.contains(",source.bind,"), csv)
        for line in lines.dropFirst() {
            for dangerous in [",=", ",+", ",@"] { XCTAssertFalse(line.contains(dangerous), line) }
        }
    }

    func testMarkdownAndTerminalSummariseEveryWave() throws {
        let plan = try fixturePlan()
        let markdown = PlanMarkdownRenderer().render(plan)
        for wave in plan.waves { XCTAssertTrue(markdown.contains("### Wave \(wave.number)"), markdown) }
        XCTAssertFalse(markdown.contains("<script>"))
        XCTAssertTrue(markdown.contains("`source.bind`"))
        let terminal = PlanTerminalRenderer().render(plan)
        XCTAssertTrue(terminal.contains("3 wave(s), 4 instance(s)"), terminal)
        XCTAssertTrue(terminal.contains("not ready: 0 review, 1 blocked, 1 unreachable"), terminal)
        XCTAssertTrue(terminal.contains("alone: exceeds max_dataset_bytes_per_wave"), terminal)
    }

    /// An instance that did not answer has many unknown checks saying the same thing: shown once, with every id.
    func testIdenticalFindingsAndFixesOfAnInstanceAreShownOnce() throws {
        var fleet = FleetBuilder()
        var silent = ["target.capacity", "source.version", "source.auth"].map {
            FleetBuilder.check($0, .unknown, remediation: "Make the instance answer INFO.")
        }
        for index in silent.indices { silent[index].summary = "Cannot tell: INFO said: connection refused." }
        silent.append(FleetBuilder.check("source.bind", .fail, remediation: "Bind a private address."))
        fleet.host("cache-down", [(6379, .review, nil)], checks: silent)
        let plan = WavePlanner(constraints: PlanConstraints()).plan(fleet.verdict, generatedAt: Date())
        for document in [PlanMarkdownRenderer().render(plan), PlanHTMLRenderer().render(plan)] {
            // The not-ready section only (the backlog lists each check's fix again, by check).
            let start = try XCTUnwrap(document.range(of: "Not ready</h2>") ?? document.range(of: "## Not ready"))
            let end = try XCTUnwrap(
                document.range(of: "backlog", options: .caseInsensitive, range: start.upperBound..<document.endIndex))
            let rendered = String(document[start.upperBound..<end.lowerBound])
            XCTAssertEqual(rendered.components(separatedBy: "connection refused").count - 1, 1, rendered)
            XCTAssertEqual(rendered.components(separatedBy: "Make the instance answer INFO.").count - 1, 1)
            XCTAssertEqual(rendered.components(separatedBy: "Bind a private address.").count - 1, 1)
            for id in ["target.capacity", "source.version", "source.auth", "source.bind"] {
                XCTAssertTrue(rendered.contains(id), id)
            }
        }
    }
}
