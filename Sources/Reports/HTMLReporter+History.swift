import FleetCore
import Foundation
import RunComparison

/// "Since the last run" and the readiness trend chart of `report.html`. All remote text is escaped.
extension HTMLReporter {
    func sinceLastRun(_ changes: RunChanges?) -> String {
        guard let changes else { return "" }
        var html = "<h2>Since the last run</h2>"
        guard let previous = changes.previousRunID else {
            return html + "<p>First run: nothing to compare with.</p>\n"
        }
        html += "<p class=\"meta\">Compared with run \(OutputText.html(previous)).</p>"
        guard !changes.isEmpty else { return html + "<p>No changes.</p>\n" }
        for group in changes.statusChanges {
            html += "<table><tr><th>\(group.noun)</th><th>Change</th><th>Before</th><th>After</th></tr>"
            for change in group.changes {
                html +=
                    "<tr><td>\(OutputText.html(change.place))</td><td>\(change.kind.rawValue)</td><td>\(statusBadge(change.before))</td><td>\(statusBadge(change.after))</td></tr>"
            }
            html += "</table>"
        }
        if !changes.checks.isEmpty {
            html +=
                "<table><tr><th>Where</th><th>Check</th><th>Before</th><th>After</th><th>Observed before</th><th>Observed after</th></tr>"
            for check in changes.checks {
                html +=
                    "<tr><td>\(OutputText.html(check.place))</td><td><code>\(OutputText.html(check.id))</code></td><td>\(check.before?.rawValue ?? "absent")</td><td>\(check.after?.rawValue ?? "absent")</td><td>\(observed(check.evidenceBefore))</td><td>\(observed(check.evidenceAfter))</td></tr>"
            }
            html += "</table>"
        }
        return html + "\n"
    }

    /// Instances per status for each recorded run up to this one: one stacked column per run, oldest on the left.
    func trendChart(_ points: [TrendPoint]) -> String {
        guard !points.isEmpty else { return "" }
        let width = 1000.0
        let plotHeight = 160.0
        let top = 10.0
        let labelHeight = 30.0
        let highest = Double(max(1, points.map(\.instanceTotal).max() ?? 1))
        let slot = width / Double(points.count)
        let barWidth = max(2, min(60, slot * 0.7))
        var html = "<h2>Readiness trend</h2><p class=\"meta\">Instances per status in the last \(points.count) run(s) "
        html += "(unreachable hosts count once).</p>"
        html +=
            "<svg role=\"img\" aria-label=\"Instances per readiness status over time\" width=\"100%\" height=\"\(Int(top + plotHeight + labelHeight))\" viewBox=\"0 0 \(Int(width)) \(Int(top + plotHeight + labelHeight))\">"
        html +=
            "<line x1=\"0\" y1=\"\(Int(top + plotHeight))\" x2=\"\(Int(width))\" y2=\"\(Int(top + plotHeight))\" stroke=\"#bdbdbd\"/>"
        // Label at most ~10 runs so the dates stay readable; with two runs on one day, the day alone tells nothing.
        let labelEvery = max(1, points.count / 10)
        let days = points.map { String((Text.iso($0.startedAt) ?? "").prefix(10)) }
        let withTime = Set(days).count < days.count
        for (index, point) in points.enumerated() {
            let x = slot * Double(index) + (slot - barWidth) / 2
            var y = top + plotHeight
            let tooltip = ReadinessStatus.allCases.map { "\($0.rawValue) \(point.instances[$0] ?? 0)" }
                .joined(separator: ", ")
            html += "<g><title>\(OutputText.html(point.runID)): \(tooltip)</title>"
            for status in ReadinessStatus.allCases {
                let count = point.instances[status] ?? 0
                guard count > 0 else { continue }
                let height = Double(count) / highest * plotHeight
                y -= height
                html +=
                    "<rect x=\"\(Self.coordinate(x))\" y=\"\(Self.coordinate(y))\" width=\"\(Self.coordinate(barWidth))\" height=\"\(Self.coordinate(height))\" fill=\"\(Self.colours[status] ?? "#000")\"/>"
            }
            html += "</g>"
            if index % labelEvery == 0 || index == points.count - 1 {
                // ISO 8601: "2026-11-30" or "2026-11-30 17:44" (UTC).
                let iso = (Text.iso(point.startedAt) ?? "").replacingOccurrences(of: "T", with: " ")
                let day = String(iso.prefix(withTime ? 16 : 10))
                html +=
                    "<text x=\"\(Self.coordinate(x + barWidth / 2))\" y=\"\(Int(top + plotHeight + 18))\" font-size=\"11\" text-anchor=\"middle\">\(OutputText.html(day))</text>"
            }
        }
        html += "</svg><p class=\"meta\">"
        html += ReadinessStatus.allCases.map { status in
            "<span style=\"color:\(Self.colours[status] ?? "#000")\">■</span> \(status.rawValue)"
        }.joined(separator: " · ")
        return html + "</p>\n"
    }

    private func statusBadge(_ status: ReadinessStatus?) -> String { status.map(badge) ?? "—" }

    private func observed(_ evidence: [Evidence]) -> String {
        evidence.map { "<code>\(OutputText.html($0.source))</code> = \(OutputText.html($0.observed))" }
            .joined(separator: "<br>")
    }

    private static func coordinate(_ value: Double) -> String { String(format: "%.1f", value) }
}
