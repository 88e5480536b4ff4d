import FleetCore
import Planning

/// `plan.html`: one self-contained page (inline CSS and SVG, no scripts, no external assets) with a timeline of the
/// waves. Every piece of text that came from a host or the command line is escaped.
public struct PlanHTMLRenderer: PlanRenderer {
    public let identifier = "html"
    public let fileName: String? = "plan.html"

    public init() {}

    /// Colours of the tag-order values, in order; the last one is for missing or unlisted values.
    static let palette = ["#2e7d32", "#1565c0", "#6a1b9a", "#00838f", "#ef6c00", "#5d4037", "#616161"]

    public func render(_ plan: MigrationPlan) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>fleet-audit: ElastiCache migration waves — \(OutputText.html(plan.target.name))</title>
            <style>
            \(HTMLReporter.baseStyle)
            .note{background:#fff8e1;border-left:4px solid #f9a825;padding:.4rem .8rem;margin:.4rem 0}
            </style></head><body>
            <h1>ElastiCache migration waves</h1>
            <p class="meta">Target <b>\(OutputText.html(plan.target.name))</b> (\(OutputText.html(plan.target.nodeType)), engine \
            \(OutputText.html(plan.target.engineVersion))) · profile <code>\(OutputText.html(plan.profile))</code> · run \
            \(OutputText.html(plan.runID)) · fleet-audit \(OutputText.html(plan.toolVersion))</p>
            <p class="meta">Constraints: \(OutputText.html(PlanText.constraints(plan.constraints))).</p>

            """
        if let warning = PlanText.incompleteWarning(plan) {
            html += "<div class=\"banner\">\(OutputText.html(warning))</div>\n"
        }
        if plan.hostKeysUnverified {
            html += "<div class=\"banner\">Host keys were NOT verified for some hosts (host_key_checking: off).</div>\n"
        }
        let planned = plan.plannedInstances.count
        html +=
            "<p><b>\(plan.waves.count)</b> wave(s), <b>\(planned)</b> instance(s) planned, "
            + "<b>\(plan.notReady.count)</b> not ready.</p>\n"
        for note in plan.notes {
            html +=
                "<div class=\"note\"><b>\(OutputText.html(note.kind.rawValue))</b>: \(OutputText.html(note.message))</div>\n"
        }
        html += timeline(plan)
        html += waves(plan)
        html += notReady(plan)
        html += backlog(plan)
        html +=
            "<p class=\"meta\">Generated \(OutputText.html(Text.iso(plan.generatedAt) ?? "")).</p>\n</body></html>\n"
        return html
    }

    /// One bar per wave on a time axis: waves move one after the other, each as long as its summed sync estimate.
    private func timeline(_ plan: MigrationPlan) -> String {
        guard !plan.waves.isEmpty else { return "" }
        let total = plan.waves.reduce(0.0) { $0 + $1.estimatedSyncSeconds }
        // Long plans get thinner rows so the chart stays about a screen high; labels only where they fit.
        let rowHeight = max(3, min(22, 1200 / plan.waves.count))
        let height = plan.waves.count * rowHeight + 24
        let labelWidth = 110.0
        let width = 1000.0 - labelWidth - 10
        var html =
            "<h2>Timeline</h2><p class=\"meta\">Each bar is a wave; its length is the wave's summed full-sync "
            + "estimate (\(OutputText.html(PlanText.duration(total))) in all), waves one after the other. Validation and "
            + "cut-over time come on top.</p>"
        html +=
            "<svg role=\"img\" aria-label=\"Migration waves timeline\" width=\"100%\" viewBox=\"0 0 1000 \(height)\">"
        var start = 0.0
        for (index, wave) in plan.waves.enumerated() {
            let share = total > 0 ? wave.estimatedSyncSeconds / total : 1 / Double(plan.waves.count)
            let x = labelWidth + start * width
            let y = index * rowHeight + 2
            let barWidth = max(2, share * width)
            let colour = colour(of: wave, in: plan.constraints)
            let label =
                "Wave \(wave.number)\(wave.orderTagValue.map { " (\($0))" } ?? ""): \(wave.instances.count) instance(s), "
                + "\(PlanText.dataset(wave)), \(PlanText.duration(wave.estimatedSyncSeconds))"
            if rowHeight >= 14 {
                html += "<text x=\"0\" y=\"\(y + rowHeight - 6)\" font-size=\"12\">Wave \(wave.number)</text>"
            }
            html +=
                "<rect x=\"\(Self.number(x))\" y=\"\(y)\" width=\"\(Self.number(barWidth))\" "
                + "height=\"\(max(2, rowHeight - 4))\" fill=\"\(colour)\"><title>\(OutputText.html(label))</title></rect>"
            start += share
        }
        html +=
            "<text x=\"\(Int(labelWidth))\" y=\"\(height - 4)\" font-size=\"11\" fill=\"#616161\">0</text>"
            + "<text x=\"990\" y=\"\(height - 4)\" font-size=\"11\" fill=\"#616161\" text-anchor=\"end\">"
            + "\(OutputText.html(PlanText.duration(total)))</text></svg>\n"
        if let order = plan.constraints.tagOrder {
            html += "<p class=\"meta\">"
            for (index, value) in (order.values + ["(unlisted)"]).enumerated() {
                html +=
                    "<span class=\"badge\" style=\"background:\(Self.palette[min(index, Self.palette.count - 1)])\">"
                    + "\(OutputText.html(order.key))=\(OutputText.html(value))</span> "
            }
            html += "</p>\n"
        }
        return html
    }

    private func colour(of wave: PlanWave, in constraints: PlanConstraints) -> String {
        guard let order = constraints.tagOrder else { return Self.palette[0] }
        let position = wave.orderTagValue.flatMap { order.values.firstIndex(of: $0) } ?? order.values.count
        return Self.palette[
            position < order.values.count ? min(position, Self.palette.count - 2) : Self.palette.count - 1]
    }

    private func waves(_ plan: MigrationPlan) -> String {
        var html = "<h2>Waves</h2>"
        if plan.waves.isEmpty { html += "<p>No wave: nothing is ready.</p>\n" }
        for wave in plan.waves {
            html +=
                "<details\(wave.number <= 20 ? " open" : "")><summary><b>Wave \(wave.number)</b>"
                + "\(wave.orderTagValue.map { " · \(OutputText.html($0))" } ?? "") · \(wave.instances.count) instance(s) on "
                + "\(wave.hostCount) host(s) · \(OutputText.html(PlanText.dataset(wave))) · "
                + "\(OutputText.html(PlanText.duration(wave.estimatedSyncSeconds))) of sync</summary>"
            if !wave.exceededLimits.isEmpty {
                html +=
                    "<p class=\"note\">One instance that alone exceeds \(OutputText.html(wave.exceededLimits.joined(separator: ", "))).</p>"
            }
            html +=
                "<table><tr><th>Host</th><th>Address</th><th>Port</th><th>Status</th><th>Dataset</th><th>Sync</th><th>Tags</th></tr>"
            for instance in wave.instances {
                html +=
                    "<tr><td>\(OutputText.html(instance.host))</td><td>\(OutputText.html(instance.address))</td><td>\(instance.port)</td>"
                    + "<td>\(badge(instance.status))</td><td>\(OutputText.html(Text.bytes(instance.datasetBytes)))</td>"
                    + "<td>\(OutputText.html(instance.estimatedSyncSeconds.map(PlanText.duration) ?? "?"))</td>"
                    + "<td>\(OutputText.html(PlanText.tags(instance.tags)))</td></tr>"
            }
            html += "</table></details>\n"
        }
        return html
    }

    private func notReady(_ plan: MigrationPlan) -> String {
        var html = "<h2>Not ready</h2>"
        guard !plan.notReady.isEmpty else { return html + "<p>Every audited instance is in a wave.</p>\n" }
        html += "<table><tr><th>Instance</th><th>Status</th><th>What blocks it</th><th>Fix</th></tr>"
        for entry in plan.notReady {
            let blockers =
                entry.reason.map(OutputText.html)
                ?? PlanText.findings(entry.blockingChecks).map { finding in
                    finding.ids.map { "<code>\(OutputText.html($0))</code>" }.joined(separator: ", ")
                        + " \(finding.status.rawValue): \(OutputText.html(finding.summary))"
                }
                .joined(separator: "<br>")
            let fixes = PlanText.fixes(entry.blockingChecks).map(OutputText.html).joined(separator: "<br>")
            html +=
                "<tr><td>\(OutputText.html(entry.name))</td><td>\(badge(entry.status))</td><td>\(blockers)</td><td>\(fixes)</td></tr>"
        }
        return html + "</table>\n"
    }

    private func backlog(_ plan: MigrationPlan) -> String {
        var html = "<h2>Remediation backlog</h2>"
        guard !plan.backlog.isEmpty else { return html + "<p>Nothing blocks an audited instance.</p>\n" }
        html +=
            "<p class=\"meta\">Largest impact first: instances the fix alone would move into a wave, then instances "
            + "it blocks.</p><table><tr><th>Check</th><th>Scope</th><th>Unblocks alone</th><th>Blocks</th>"
            + "<th>Fix</th></tr>"
        for item in plan.backlog {
            html +=
                "<tr><td><code>\(OutputText.html(item.checkID))</code><br><small>\(OutputText.html(item.title))</small></td>"
                + "<td>\(item.scope.rawValue)</td><td>\(item.unblocksInstances) instance(s), \(item.unblocksHosts) "
                + "host(s)</td><td>\(item.instances) instance(s), \(item.hosts) host(s)</td>"
                + "<td>\(OutputText.html(PlanText.remediations(item)))</td></tr>"
        }
        return html + "</table>\n"
    }

    private func badge(_ status: ReadinessStatus) -> String {
        "<span class=\"badge\" style=\"background:\(HTMLReporter.colours[status] ?? "#000")\">\(status.rawValue)</span>"
    }

    /// An SVG coordinate; 0 for a NaN or infinite one (Int(_:) would trap on it).
    private static func number(_ value: Double) -> String { String(Int(checked: value.rounded()) ?? 0) }
}
