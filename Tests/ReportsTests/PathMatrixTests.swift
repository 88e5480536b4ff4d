import FleetCore
import Foundation
import Reports
import XCTest

/// With several targets, every format shows each instance on each path and which path is best; a target name is
/// text from a file like any other, made safe per format.
final class PathMatrixTests: XCTestCase {
    private let hostileName = "<b>srv</b>|=cmd"

    private var model: ReportModel {
        var verdict = VerdictFixture.verdict
        let targets = ["demo", hostileName]
        verdict.paths = targets.map {
            TargetPath(
                target: TargetSummary(
                    name: $0, engineVersion: "8.1", nodeType: "serverless", clusterMode: "n/a", source: "t.yaml",
                    engine: "valkey", deployment: "serverless"), profile: "aws-current", targetChecks: [])
        }
        for hostIndex in verdict.hosts.indices {
            for instanceIndex in verdict.hosts[hostIndex].instances.indices {
                let instance = verdict.hosts[hostIndex].instances[instanceIndex]
                verdict.hosts[hostIndex].instances[instanceIndex].paths = [
                    PathVerdict(
                        target: "demo", status: .blocked, score: 70, blockers: ["source.auth", "source.tls-only"]),
                    PathVerdict(target: hostileName, status: instance.status, score: instance.score, blockers: []),
                ]
                verdict.hosts[hostIndex].instances[instanceIndex].bestPath = hostileName
            }
        }
        return ReportModel(verdict: verdict, generatedAt: Date(timeIntervalSince1970: 1_790_000_100))
    }

    func testEveryFormatShowsThePathsAndTheBestOne() throws {
        let model = self.model
        let matrix = try XCTUnwrap(model.pathMatrix)
        XCTAssertEqual(matrix.targets, ["demo", hostileName])
        XCTAssertEqual(matrix.rows.count, 2, "one row per instance; the unreachable host has none")

        let json = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(JSONReporter().render(model).utf8)) as? [String: Any])
        let instance = try XCTUnwrap(((json["hosts"] as? [[String: Any]])?[1]["instances"] as? [[String: Any]])?[0])
        XCTAssertEqual(instance["best_path"] as? String, hostileName)
        let paths = try XCTUnwrap(instance["paths"] as? [[String: Any]])
        XCTAssertEqual(paths.first?["blockers"] as? [String], ["source.auth", "source.tls-only"])
        XCTAssertEqual((json["targets"] as? [[String: Any]])?.count, 2)

        let markdown = MarkdownReporter().render(model)
        XCTAssertTrue(markdown.contains("## Migration paths"), markdown)
        XCTAssertTrue(
            markdown.contains("| cache-1:6379 | blocked \\(source.auth, source.tls-only\\) | blocked |"), markdown)
        XCTAssertFalse(markdown.contains("<b>srv</b>|"), "a target name cannot add HTML or a table cell")

        let html = HTMLReporter().render(model)
        XCTAssertTrue(html.contains("<h2>Migration paths</h2>"))
        XCTAssertTrue(html.contains("p-best"), "the best path is marked")
        XCTAssertTrue(html.contains("p-blocked"))
        XCTAssertFalse(html.contains("<b>srv</b>"), "escaped")

        let csv = CSVReporter().render(model)
        let header = try XCTUnwrap(csv.split(separator: "\n").first)
        XCTAssertTrue(header.contains("best_path,path:demo,"), String(header))

        let terminal = TerminalReporter(colour: false).render(model)
        XCTAssertTrue(terminal.contains("Migration paths:"), terminal)
        XCTAssertTrue(terminal.contains("BEST PATH"))
    }

    func testOneTargetShowsNoMatrix() {
        XCTAssertNil(VerdictFixture.model().pathMatrix)
        XCTAssertFalse(MarkdownReporter().render(VerdictFixture.model()).contains("Migration paths"))
    }
}
