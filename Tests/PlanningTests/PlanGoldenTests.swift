import FleetCore
import Foundation
import Reports
import TestSupport
import XCTest

@testable import Planning

/// Every plan format byte for byte on one fixed plan: waves under limits and a tag order, an oversized instance, a
/// split group, unknown sizes, blocked, review and unreachable instances (one timed out in a phase), an incomplete
/// run, unverified host keys, and hostile text (ANSI escapes, `<script>`, Markdown pipes, CSV formula prefixes,
/// CR and LF) in host names, tags, summaries and fixes. After a deliberate change of a format:
/// `FLEET_AUDIT_UPDATE_GOLDEN=1 swift test --filter PlanGoldenTests`, then review `git diff Tests/PlanningTests/Golden`.
final class PlanGoldenTests: XCTestCase {
    private static let ansi = "\u{1B}[2J\u{1B}]0;pwned\u{7}"
    private static let hostileHost = "=evil|host\(ansi)<script>alert('x')</script>\nrow2"
    private static let hostileText = "a|b [click](http://evil.example) **bold**\r\nnext \u{202E}rtl"

    static func plan() throws -> MigrationPlan {
        var fleet = FleetBuilder()
        fleet.ready("cache-dev-1", gib: 1, tags: ["env": "dev", "app": "shop"])
        fleet.ready(hostileHost, gib: 2, tags: ["env": "dev", "app": "+cmd|' /C calc'!A0"])
        fleet.ready("cache-prod-1", gib: 4, tags: ["env": "prod", "app": "shop"])
        fleet.ready("cache-prod-2", gib: 3, tags: ["env": "prod", "app": "shop"])
        fleet.ready("cache-huge", gib: 40, tags: ["env": "prod", "app": "@big"])
        fleet.ready("cache-unknown", gib: nil, tags: ["env": "prod"])
        fleet.ready("cache-untagged", gib: 1)
        fleet.host(
            "cache-warn", tags: ["env": "dev", "app": "-1+2"], [(6379, .warnings, 1_048_576)],
            checks: [FleetBuilder.check("source.persistence", .warn, severity: .warning, remediation: "save")])
        fleet.host(
            "cache-blocked", tags: ["env": "dev"], [(6379, .blocked, 5), (6380, .blocked, 7)],
            checks: [
                CheckResult(
                    id: "source.bind", title: "bind", severity: .blocker, status: .fail,
                    summary: "bind 0.0.0.0 \(hostileText)", remediation: "=bind <everything> @now"),
                CheckResult(
                    id: "source.auth", title: "auth", severity: .blocker, status: .fail,
                    summary: "bind 0.0.0.0 \(hostileText)", remediation: "=bind <everything> @now"),
            ])
        fleet.host(
            "cache-review", [(7000, .review, nil)],
            checks: [
                CheckResult(
                    id: "source.replication", title: "replication", severity: .blocker, status: .unknown,
                    summary: "Cannot tell: INFO said: NOAUTH \(ansi)")
            ])
        fleet.unreachable("cache-gone")
        var verdict = fleet.verdict
        verdict.hosts.append(
            HostVerdict(
                host: HostIdentity(name: "cache-slow", address: "10.0.9.99"), status: .unreachable,
                rank: verdict.hosts.count + 1, score: 0,
                reason: Failure(.timeout, phase: .handshake, message: "no SSH banner within 10 s \(ansi)"),
                instances: []))
        verdict.hostKeysUnverified = true
        verdict.completeness = RunCompleteness(
            complete: false, plannedHostCount: 15, missingHosts: ["cache-lost", hostileHost])
        let constraints = try PlanConstraints.fromCommandLine(
            maxInstancesPerWave: 2, maxGiBPerWave: 8, maxSyncMinutesPerWave: nil, orderByTag: "env=dev,prod",
            keepTogether: "app")
        return WavePlanner(constraints: constraints).plan(
            verdict, generatedAt: Date(timeIntervalSince1970: 1_800_000_000))
    }

    func testEveryPlanFormatIsByteForByteItsGoldenFile() throws {
        let plan = try Self.plan()
        try GoldenFile.assertMatches(PlanJSONRenderer().render(plan), named: "plan-full.json")
        try GoldenFile.assertMatches(PlanHTMLRenderer().render(plan), named: "plan.html")
        try GoldenFile.assertMatches(PlanMarkdownRenderer().render(plan), named: "plan.md")
        try GoldenFile.assertMatches(PlanCSVRenderer().render(plan), named: "plan.csv")
        let terminal: any PlanRenderer = PlanTerminalRenderer()
        XCTAssertNil(terminal.fileName, "printed, not written")
        try GoldenFile.assertMatches(terminal.render(plan), named: "plan-terminal.txt")
        try GoldenFile.assertMatches(
            PlanTerminalRenderer(maxWaves: 2, maxNotes: 2).render(plan), named: "plan-terminal-short.txt")
    }

    /// The fixture keeps covering what the golden files are meant to pin.
    func testTheGoldenPlanCoversWhatItPromises() throws {
        let plan = try Self.plan()
        XCTAssertGreaterThan(plan.waves.count, 2)
        XCTAssertEqual(Set(plan.notReady.map(\.status)), [.blocked, .review, .unreachable])
        XCTAssertTrue(plan.notes.contains { $0.kind == .oversizedInstance })
        XCTAssertTrue(plan.notReady.contains { $0.reason?.hasPrefix("timeout/handshake: ") == true })
        XCTAssertFalse(plan.completeness.complete)
    }
}
