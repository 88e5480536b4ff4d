import FleetCore
import Foundation

/// `report.md`, for tickets and wikis. Remote and inventory text goes through `OutputText.markdown` (or
/// `markdownCode` in code), so it renders as the text it is: no link, image, HTML or extra table cell.
public struct MarkdownReporter: Reporter {
    public let identifier = "md"
    public let fileName: String? = "report.md"

    public init() {}

    private func cell(_ text: String) -> String { OutputText.markdown(text) }
    private func code(_ text: String, inTable: Bool = false) -> String {
        OutputText.markdownCode(text, inTable: inTable)
    }

    public func render(_ model: ReportModel) -> String {
        let verdict = model.verdict
        var text = "# ElastiCache migration readiness: \(cell(verdict.target.name))\n\n"
        text +=
            "Target \(code(verdict.target.nodeType)), engine \(cell(verdict.target.engineVersion)), profile \(code(verdict.profile)), run \(cell(verdict.runID)).\n\n"
        if let warning = verdict.completeness.warning { text += "> **\(cell(warning))**\n\n" }
        if verdict.hostKeysUnverified { text += "> **Host keys were NOT verified for some hosts.**\n\n" }
        text += "## Summary\n\n| status | hosts | instances |\n|---|---|---|\n"
        for status in ReadinessStatus.allCases {
            text += "| \(status.rawValue) | \(model.hostCounts[status] ?? 0) | \(model.instanceCounts[status] ?? 0) |\n"
        }
        let failingTarget = verdict.targetChecks.filter { $0.status != .pass }
        if !failingTarget.isEmpty {
            text += "\n## Target deployment\n\n"
            for check in failingTarget {
                text += "- \(code(check.id.rawValue)) **\(check.status.rawValue)**: \(cell(check.summary))\n"
            }
        }
        if let changes = model.sinceLastRun { text += "\n" + render(changes: changes, heading: "Since the last run") }
        text += "\n## Top blockers\n\n"
        let blockers = model.topBlockers
        if blockers.isEmpty { text += "None.\n" }
        for blocker in blockers.prefix(10) {
            text += "- \(code(blocker.id)): \(blocker.hosts) host(s), \(blocker.instances) instance(s)\n"
        }
        text +=
            "\n## Hosts by readiness\n\n| # | host | address | status | score | instances |\n|---|---|---|---|---|---|\n"
        for host in verdict.hosts {
            text +=
                "| \(host.rank) | \(cell(host.host.name)) | \(cell(host.host.address)) | \(host.status.rawValue) | \(Int(host.score)) | \(host.instances.map { String($0.port) }.joined(separator: ", ")) |\n"
        }
        if let matrix = model.pathMatrix {
            text += "\n## Migration paths\n\n| instance | " + matrix.targets.map { cell($0) }.joined(separator: " | ")
            text += " | best path |\n|---|" + matrix.targets.map { _ in "---|" }.joined() + "---|\n"
            for row in matrix.rows {
                text += "| \(cell(row.host)):\(row.port) | "
                text += row.cells.map { cell(PathMatrix.describe($0)) }.joined(separator: " | ")
                text += " | \(cell(row.bestPath ?? "-")) |\n"
            }
        }
        text += "\n## What to fix\n"
        for host in verdict.hosts
        where host.status != .ready || host.collectionSummary != nil || host.accessSummary != nil {
            text += "\n### \(cell(host.host.name)) (\(host.status.rawValue))\n\n"
            if let reason = host.reason {
                text += "- unreachable: \(cell(reason.summary))\n"
            }
            if let collection = host.collectionSummary { text += "- not collected whole: \(cell(collection))\n" }
            if let access = host.accessSummary { text += "- access: \(cell(access))\n" }
            for instance in host.instances {
                for check in instance.checks where [.fail, .warn, .unknown].contains(check.status) {
                    text +=
                        "- port \(instance.port) \(code(check.id.rawValue)) **\(check.status.rawValue)**: \(cell(check.summary))"
                    if let remediation = check.remediation { text += " Fix: \(cell(remediation))" }
                    text += "\n"
                }
            }
        }
        return text
    }
}
