import FleetCore
import Foundation
import Reports
import TestSupport
import XCTest

@testable import Planning

/// Issue 10, class 7, for plans: every variant of `HostileText` as host names, tag values (the order and group
/// tags too), fixes and reasons, through every plan format.
final class PlanOutputInjectionTests: XCTestCase {
    private func hostilePlan() throws -> MigrationPlan {
        var fleet = FleetBuilder()
        for (index, variant) in HostileText.variants.enumerated() {
            let name = "h\(index) \(variant.text)"
            switch index % 3 {
            case 0: fleet.ready(name, gib: 1, tags: ["env": variant.text, "app": variant.text])
            case 1:
                fleet.host(
                    name, tags: ["env": variant.text], [(6379, .blocked, 5)],
                    checks: [FleetBuilder.check("source.bind", .fail, remediation: variant.text)])
            default: fleet.unreachable(name)
            }
        }
        let constraints = try PlanConstraints.fromCommandLine(
            maxInstancesPerWave: 3, maxGiBPerWave: nil, maxSyncMinutesPerWave: nil,
            orderByTag: "env=dev,prod", keepTogether: "app")
        return WavePlanner(constraints: constraints).plan(fleet.verdict, generatedAt: Date())
    }

    func testNoFormatWritesAHiddenCharacterRaw() throws {
        let plan = try hostilePlan()
        for renderer in PlanRenderers.all {
            let output = renderer.render(plan)
            XCTAssertEqual(
                HostileText.rawDangerous(in: output, allowingCRLF: renderer.identifier == "csv"), [],
                renderer.identifier)
        }
        let terminal = PlanTerminalRenderer().render(plan)
        XCTAssertEqual(HostileText.rawDangerous(in: terminal), [])
        XCTAssertTrue(PlanHTMLRenderer().render(plan).contains("txt.&lt;U+202E&gt;exe.sh"))
    }

    func testPlanMarkdownRendersNoLinkImageOrHTMLInGitHubsRenderer() throws {
        let html = try HostileText.renderGitHubMarkdown(PlanMarkdownRenderer().render(try hostilePlan()))
        XCTAssertEqual(HostileText.liveMarkup(in: html), [], html)
        XCTAssertEqual(HostileText.rawDangerous(in: html), [])
        XCTAssertTrue(html.contains("[click](http[:]//evil.example/a)"), html)
        XCTAssertTrue(html.contains("&lt;img src=x onerror=alert(1)&gt;"), html)
    }

    func testPlanCSVHasOneLinePerRecordAndNoFormula() throws {
        let plan = try hostilePlan()
        let csv = PlanCSVRenderer().render(plan)
        let lines = csv.components(separatedBy: "\r\n").dropLast()
        XCTAssertEqual(lines.count, 1 + plan.plannedInstances.count + plan.notReady.count)
        for line in lines {
            for field in try HostileText.csvFields(line) {
                let first = field.first { $0 != " " }
                XCTAssertFalse(first.map { "=+-@".contains($0) } ?? false, "formula in \(line)")
            }
        }
    }
}
