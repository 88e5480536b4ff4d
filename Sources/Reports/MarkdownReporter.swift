import FleetCore
import Foundation

/// `report.md`, for tickets and wikis. Remote and inventory text goes through `OutputText.markdown` (or
/// `markdownCode` in code), so it renders as the text it is: no link, image, HTML or extra table cell.
public struct MarkdownReporter: Reporter {
    public let identifier = "md"
    public let fileName: String? = "report.md"

    public init() {}

    public func render(_ model: ReportModel) -> String {
        let verdict = model.verdict
        var text = "# ElastiCache migration readiness: \(OutputText.markdown(verdict.target.name))\n\n"
        text +=
            "Target \(OutputText.markdownCode(verdict.target.nodeType)), engine \(OutputText.markdown(verdict.target.engineVersion)), profile \(OutputText.markdownCode(verdict.profile)), run \(OutputText.markdown(verdict.runID)).\n\n"
        if let warning = verdict.completeness.warning { text += "> **\(OutputText.markdown(warning))**\n\n" }
        if verdict.hostKeysUnverified { text += "> **Host keys were NOT verified for some hosts.**\n\n" }
        text += "## Summary\n\n| status | hosts | instances |\n|---|---|---|\n"
        let (hostCounts, instanceCounts) = (model.hostCounts, model.instanceCounts)
        for status in ReadinessStatus.allCases {
            text += "| \(status.rawValue) | \(hostCounts[status] ?? 0) | \(instanceCounts[status] ?? 0) |\n"
        }
        let failingTarget = verdict.targetChecks.filter { $0.status != .pass }
        if !failingTarget.isEmpty {
            text += "\n## Target deployment\n\n"
            for check in failingTarget {
                text +=
                    "- \(OutputText.markdownCode(check.id.rawValue)) **\(check.status.rawValue)**: \(OutputText.markdown(check.summary))\n"
            }
        }
        if let changes = model.sinceLastRun { text += "\n" + render(changes: changes, heading: "Since the last run") }
        text += "\n## Top blockers\n\n"
        let blockers = model.topBlockers
        if blockers.isEmpty { text += "None.\n" }
        for blocker in blockers.prefix(10) {
            text +=
                "- \(OutputText.markdownCode(blocker.id)): \(blocker.hosts) host(s), \(blocker.instances) instance(s)\n"
        }
        text +=
            "\n## Hosts by readiness\n\n| # | host | address | status | score | instances |\n|---|---|---|---|---|---|\n"
        for host in verdict.hosts {
            text +=
                "| \(host.rank) | \(OutputText.markdown(host.host.name)) | \(OutputText.markdown(host.host.address)) | \(host.status.rawValue) | \(Int(host.score)) | \(host.instances.map { String($0.port) }.joined(separator: ", ")) |\n"
        }
        if let matrix = model.pathMatrix {
            text +=
                "\n## Migration paths\n\n| instance | "
                + matrix.targets.map { OutputText.markdown($0) }.joined(separator: " | ")
            text += " | best path |\n|---|" + matrix.targets.map { _ in "---|" }.joined() + "---|\n"
            for row in matrix.rows {
                text += "| \(OutputText.markdown(row.host)):\(row.port) | "
                text += row.cells.map { OutputText.markdown(PathMatrix.describe($0)) }.joined(separator: " | ")
                text += " | \(OutputText.markdown(row.bestPath ?? "-")) |\n"
            }
        }
        text += "\n## What to fix\n"
        for host in verdict.hosts
        where host.status != .ready || host.collectionSummary != nil || host.accessSummary != nil {
            text += "\n### \(OutputText.markdown(host.host.name)) (\(host.status.rawValue))\n\n"
            if let reason = host.reason {
                text += "- unreachable: \(OutputText.markdown(reason.summary))\n"
            }
            if let collection = host.collectionSummary {
                text += "- not collected whole: \(OutputText.markdown(collection))\n"
            }
            if let access = host.accessSummary { text += "- access: \(OutputText.markdown(access))\n" }
            for instance in host.instances {
                for check in instance.checks where [.fail, .warn, .unknown].contains(check.status) {
                    text +=
                        "- port \(instance.port) \(OutputText.markdownCode(check.id.rawValue)) **\(check.status.rawValue)**: \(OutputText.markdown(check.summary))"
                    if let remediation = check.remediation { text += " Fix: \(OutputText.markdown(remediation))" }
                    text += "\n"
                }
            }
        }
        return text
    }
}
