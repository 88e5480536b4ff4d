import FleetCore
import Foundation

/// `report.html`: one self-contained page (inline CSS and SVG, no scripts, no external assets) that works offline.
/// Every piece of text that came from a host or an inventory goes through `OutputText.html`.
public struct HTMLReporter: Reporter {
    public let identifier = "html"
    public let fileName: String? = "report.html"

    public init() {}

    /// One colour per status, shared by every HTML page (reports and plans).
    public static let colours: [ReadinessStatus: String] = [
        .ready: "#2e7d32", .warnings: "#f9a825", .review: "#1565c0", .blocked: "#c62828", .unreachable: "#616161",
    ]

    /// The CSS rules every HTML page shares (reports and plans): layout, headings, tables, badges, the banner.
    public static let baseStyle = """
        body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#212121;max-width:1200px}
        h1{font-size:1.6rem;margin-bottom:.2rem} h2{margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
        .meta{color:#616161;font-size:.9rem} table{border-collapse:collapse;width:100%;font-size:.9rem}
        th,td{border-bottom:1px solid #eee;padding:.35rem .5rem;text-align:left;vertical-align:top}
        th{background:#fafafa} .badge{display:inline-block;padding:.1rem .5rem;border-radius:.8rem;color:#fff;font-size:.8rem}
        .banner{background:#ffebee;border:2px solid #c62828;padding:.8rem;margin:1rem 0;font-weight:600}
        code{background:#f5f5f5;padding:0 .2rem} details{margin:.4rem 0} summary{cursor:pointer}
        """

    /// Instances x targets, each cell coloured by the instance's status on that path, the best path outlined.
    private func pathMatrix(_ matrix: PathMatrix?) -> String {
        guard let matrix else { return "" }
        var html = "<h2>Migration paths</h2><table><tr><th>Instance</th>"
        html += matrix.targets.map { "<th>\(OutputText.html($0))</th>" }.joined() + "<th>Best path</th></tr>"
        for row in matrix.rows {
            html += "<tr><td>\(OutputText.html(row.host)):\(row.port)</td>"
            for (index, cell) in row.cells.enumerated() {
                let best = row.bestPath == matrix.targets[index] ? " p-best" : ""
                let kind = cell.map { "p-\($0.status.rawValue)" } ?? ""
                html += "<td class=\"\(kind)\(best)\">\(OutputText.html(PathMatrix.describe(cell)))</td>"
            }
            html += "<td>\(OutputText.html(row.bestPath ?? "-"))</td></tr>"
        }
        return html + "</table>\n"
    }

    public func render(_ model: ReportModel) -> String {
        var html = PageText()
        document(model, into: &html) { _ in }
        return html.text
    }

    /// The page written as it is made, handed to the file host by host once `chunkSize` bytes are waiting: the
    /// details are about 13 KB a host, and held whole (then appended to the page) they were 13 MB copied twice.
    public func write(_ model: ReportModel, toFile path: String, chunkSize: Int) throws {
        let file = try ReportFile(path: path)
        var html = PageText(reservingCapacity: chunkSize + 64 * 1_024)
        document(model, into: &html) { html in
            guard html.bytes.count >= chunkSize else { return }
            html.handOver(to: file)
        }
        html.handOver(to: file)
        try file.commit()
    }

    /// The whole page into `html`; `handOver` may take what is there (between hosts, where the page is cut).
    private func document(_ model: ReportModel, into html: inout PageText, handOver: (inout PageText) -> Void) {
        let verdict = model.verdict
        html += """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>fleet-audit: ElastiCache migration readiness — \(OutputText.html(verdict.target.name))</title>
            <style>
            \(Self.baseStyle)
            .s-pass{color:#2e7d32} .s-warn{color:#e65100} .s-fail{color:#c62828;font-weight:600} .s-unknown{color:#1565c0}
            .s-waived{color:#6a1b9a} .s-na{color:#9e9e9e} .cards{display:flex;gap:1rem;flex-wrap:wrap}
            .card{border:1px solid #e0e0e0;border-radius:.5rem;padding:.6rem 1rem;min-width:7rem}
            .card b{display:block;font-size:1.6rem}
            .p-ready{background:#e8f5e9} .p-warnings{background:#fff3e0} .p-review{background:#e3f2fd}
            .p-blocked{background:#ffebee} .p-best{font-weight:600;outline:2px solid #2e7d32}
            </style></head><body>
            <h1>ElastiCache migration readiness</h1>
            <p class="meta">Target <b>\(OutputText.html(verdict.target.name))</b> (\(OutputText.html(verdict.target.nodeType)), engine \
            \(OutputText.html(verdict.target.engineVersion)), cluster mode \(OutputText.html(verdict.target.clusterMode))) · profile \
            <code>\(OutputText.html(verdict.profile))</code> · run \(OutputText.html(verdict.runID)) · inventory \
            <code>\(OutputText.html(String(verdict.inventoryDigest.prefix(19))))</code> · fleet-audit \(OutputText.html(verdict.toolVersion))</p>

            """
        if let warning = verdict.completeness.warning {
            html += "<div class=\"banner\">\(OutputText.html(warning))</div>\n"
        }
        if verdict.hostKeysUnverified {
            html += "<div class=\"banner\">Host keys were NOT verified for some hosts (host_key_checking: off).</div>\n"
        }
        html += summary(model)
        html += sinceLastRun(model.sinceLastRun)
        html += trendChart(model.trend)
        html += targetChecks(verdict)
        html += blockers(model)
        html += capacityChart(verdict)
        html += rankedTable(verdict)
        html += pathMatrix(model.pathMatrix)
        details(verdict, into: &html, handOver: handOver)
        if !model.expiredWaivers.isEmpty {
            html += "<h2>Expired waivers (no longer applied)</h2><ul>"
            html += model.expiredWaivers.map { "<li>\(OutputText.html($0))</li>" }.joined() + "</ul>\n"
        }
        html +=
            "<p class=\"meta\">Generated \(OutputText.html(Text.iso(model.generatedAt) ?? "")).</p>\n</body></html>\n"
    }

    func badge(_ status: ReadinessStatus) -> String {
        "<span class=\"badge\" style=\"background:\(Self.colours[status] ?? "#000")\">\(status.rawValue)</span>"
    }

    private func summary(_ model: ReportModel) -> String {
        let counts = model.hostCounts
        var html = "<h2>Summary</h2><div class=\"cards\">"
        for status in ReadinessStatus.allCases {
            html +=
                "<div class=\"card\"><b style=\"color:\(Self.colours[status] ?? "#000")\">\(counts[status] ?? 0)</b>\(status.rawValue) hosts</div>"
        }
        html += "</div>\n"
        // A stacked bar of instances per status.
        let instanceCounts = model.instanceCounts
        let total = max(1, instanceCounts.values.reduce(0, +))
        var x = 0.0
        html +=
            "<svg role=\"img\" aria-label=\"Instances by readiness status\" width=\"100%\" height=\"44\" viewBox=\"0 0 1000 44\" preserveAspectRatio=\"none\">"
        for status in ReadinessStatus.allCases {
            let count = instanceCounts[status] ?? 0
            guard count > 0 else { continue }
            let width = Double(count) / Double(total) * 1000
            html +=
                "<rect x=\"\(Int(x))\" y=\"4\" width=\"\(Int(width.rounded(.up)))\" height=\"28\" fill=\"\(Self.colours[status] ?? "#000")\"><title>\(status.rawValue): \(count)</title></rect>"
            if width > 60 {
                html +=
                    "<text x=\"\(Int(x + 6))\" y=\"23\" fill=\"#fff\" font-size=\"14\">\(status.rawValue) \(count)</text>"
            }
            x += width
        }
        html +=
            "</svg><p class=\"meta\">\(instanceCounts.values.reduce(0, +)) Redis instances (unreachable hosts count once).</p>\n"
        return html
    }

    private func targetChecks(_ verdict: FleetVerdict) -> String {
        var html = PageText()
        html +=
            "<h2>Target deployment</h2><table><tr><th>Check</th><th>Status</th><th>Finding</th><th>Remediation</th></tr>"
        for check in verdict.targetChecks { appendCheckRow(check, to: &html) }
        html += "</table>\n"
        return html.text
    }

    private func blockers(_ model: ReportModel) -> String {
        let blockers = model.topBlockers
        guard !blockers.isEmpty else { return "<h2>Top blockers</h2><p>No blocker fails anywhere.</p>\n" }
        var html = "<h2>Top blockers</h2><table><tr><th>Check</th><th>Hosts</th><th>Instances</th></tr>"
        for blocker in blockers.prefix(10) {
            html +=
                "<tr><td><code>\(OutputText.html(blocker.id))</code></td><td>\(blocker.hosts)</td><td>\(blocker.instances)</td></tr>"
        }
        return html + "</table>\n"
    }

    private func capacityChart(_ verdict: FleetVerdict) -> String {
        let instances = verdict.hosts.flatMap { host in host.instances.map { (host.host.name, $0) } }
            .filter { $0.1.facts.usedMemoryBytes != nil }
        guard !instances.isEmpty else { return "" }
        let maxBytes = Double(max(1, instances.compactMap { $0.1.facts.usedMemoryBytes }.max() ?? 1))
        let usable = verdict.target.usableMemoryBytes.map(ByteCount.format) ?? "unknown"
        let rowHeight = 22
        let height = instances.count * rowHeight + 10
        var html =
            "<h2>Memory versus target capacity</h2><p class=\"meta\">used_memory per instance; target usable memory: \(OutputText.html(usable)).</p>"
        html +=
            "<svg role=\"img\" aria-label=\"Memory per instance\" width=\"100%\" height=\"\(height)\" viewBox=\"0 0 1000 \(height)\">"
        for (index, pair) in instances.enumerated() {
            let (name, instance) = pair
            let bytes = Double(instance.facts.usedMemoryBytes ?? 0)
            // Checked: a negative used_memory in a hand-made verdict must not make Int(_:) trap on a huge width.
            let width = Int(checked: max(2, min(600, bytes / maxBytes * 600))) ?? 2
            let y = index * rowHeight + 4
            html += "<text x=\"0\" y=\"\(y + 14)\" font-size=\"12\">\(OutputText.html(name)):\(instance.port)</text>"
            html +=
                "<rect x=\"260\" y=\"\(y)\" width=\"\(width)\" height=\"16\" fill=\"\(Self.colours[instance.status] ?? "#000")\"><title>\(OutputText.html(Text.bytes(instance.facts.usedMemoryBytes)))</title></rect>"
            html +=
                "<text x=\"\(270 + width)\" y=\"\(y + 13)\" font-size=\"12\">\(OutputText.html(Text.bytes(instance.facts.usedMemoryBytes)))</text>"
        }
        return html + "</svg>\n"
    }

    private func rankedTable(_ verdict: FleetVerdict) -> String {
        var html =
            "<h2>Hosts by readiness</h2><table><tr><th>#</th><th>Host</th><th>Address</th><th>Status</th><th>Score</th><th>Instances</th><th>Dataset</th><th>Tags</th></tr>"
        for host in verdict.hosts {
            // nil ("?") when the instances' datasets sum past Int64.max.
            let dataset = host.instances.compactMap(\.facts.usedMemoryBytes).checkedSum()
            let tags = host.host.tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            html +=
                "<tr><td>\(host.rank)</td><td><a href=\"#host-\(OutputText.html(host.host.name))\">\(OutputText.html(host.host.name))</a></td><td>\(OutputText.html(host.host.address))</td><td>\(badge(host.status))</td><td>\(Int(host.score))</td><td>\(host.instances.map { String($0.port) }.joined(separator: ", "))</td><td>\(host.instances.isEmpty ? "" : Text.bytes(dataset))</td><td>\(OutputText.html(tags))</td></tr>"
        }
        return html + "</table>\n"
    }

    /// One collapsible section per host with a table of every check per instance: most of the page (about 13 KB a
    /// host), so it is appended piece by piece rather than built from interpolated temporaries, and offered to
    /// `handOver` after each host.
    private func details(_ verdict: FleetVerdict, into html: inout PageText, handOver: (inout PageText) -> Void) {
        html += "<h2>Details</h2>"
        for host in verdict.hosts {
            let name = OutputText.html(host.host.name)
            html += "<details id=\"host-"
            html += name
            html += "\"><summary>"
            html += badge(host.status)
            html += " <b>"
            html += name
            html += "</b> "
            html += OutputText.html(host.host.address)
            html += "</summary>"
            if let reason = host.reason {
                html += "<p class=\"s-fail\">\(OutputText.html(reason.summary))</p>"
            }
            if let collection = host.collectionSummary {
                html += "<p class=\"s-warn\">Not collected whole: \(OutputText.html(collection))</p>"
            }
            if let access = host.accessSummary {
                html += "<p class=\"meta\">Access: \(OutputText.html(access))</p>"
            }
            for instance in host.instances {
                html +=
                    "<h3>Port \(instance.port) \(badge(instance.status)) <span class=\"meta\">Redis \(OutputText.html(instance.facts.redisVersion ?? "?")), \(OutputText.html(Text.bytes(instance.facts.usedMemoryBytes))), score \(Int(instance.score))</span></h3>"
                html += "<table><tr><th>Check</th><th>Status</th><th>Finding</th><th>Remediation</th></tr>"
                for check in instance.checks { appendCheckRow(check, to: &html) }
                html += "</table>"
            }
            html += "</details>\n"
            handOver(&html)
        }
    }

    private func appendCheckRow(_ check: CheckResult, to html: inout PageText) {
        html += "<tr><td><code>"
        html += OutputText.html(check.id.rawValue)
        html += "</code><br><small>"
        html += OutputText.html(check.severity.rawValue)
        html += "</small></td><td class=\""
        html += check.status == .notApplicable ? "s-na" : "s-" + check.status.rawValue
        html += "\">"
        html += check.status.rawValue
        html += "</td><td>"
        html += OutputText.html(check.summary)
        if !check.evidence.isEmpty {
            html += "<br><small>"
            for (index, evidence) in check.evidence.enumerated() {
                if index > 0 { html += "<br>" }
                html += "<code>"
                html += OutputText.html(evidence.source)
                html += "</code> = "
                html += OutputText.html(evidence.observed)
                if let note = evidence.note {
                    html += " ("
                    html += OutputText.html(note)
                    html += ")"
                }
            }
            html += "</small>"
        }
        if let waiver = check.waiver {
            html +=
                "<br><small>waived until \(OutputText.html(waiver.expires)): \(OutputText.html(waiver.reason))</small>"
        }
        html += "</td><td>"
        html += OutputText.html(check.remediation ?? "")
        html += "</td></tr>"
    }

}

/// A page's text as its UTF-8 bytes, appended with `+=` like a string: `String.append` cost about 330 instructions a
/// call, and the details of a 1,000-host page make over a million of them; appending a string's bytes to an array
/// costs a third of that. Every piece appended is a `String`, so the bytes are valid UTF-8.
struct PageText {
    private(set) var bytes: [UInt8] = []

    init(reservingCapacity capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    static func += (page: inout PageText, text: String) { page.bytes.append(contentsOf: text.utf8) }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Hands what is held to `file` and keeps the buffer for what follows.
    mutating func handOver(to file: ReportFile) {
        bytes.withUnsafeBytes { file.append($0) }
        bytes.removeAll(keepingCapacity: true)
    }
}
