import FleetCore
import Reports

/// `plan.md`, for tickets and change requests. Remote and inventory text goes through `OutputText.markdown` (or
/// `markdownCode` in code), as in report.md.
public struct PlanMarkdownRenderer: PlanRenderer {
    public let identifier = "md"
    public let fileName: String? = "plan.md"

    public init() {}

    public func render(_ plan: MigrationPlan) -> String {
        var text = "# ElastiCache migration waves: \(cell(plan.target.name))\n\n"
        text +=
            "Run \(cell(plan.runID)), profile \(code(plan.profile)), target \(code(plan.target.nodeType)) "
            + "engine \(cell(plan.target.engineVersion)). Constraints: \(cell(PlanText.constraints(plan.constraints))).\n\n"
        if let warning = PlanText.incompleteWarning(plan) { text += "> **\(cell(warning))**\n\n" }
        if plan.hostKeysUnverified { text += "> **Host keys were NOT verified for some hosts.**\n\n" }
        if !plan.notes.isEmpty {
            text += "## Notes\n\n"
            for note in plan.notes { text += "- **\(note.kind.rawValue)**: \(cell(note.message))\n" }
            text += "\n"
        }
        text += "## Waves\n\n| wave | order | instances | hosts | dataset | sync |\n|---|---|---|---|---|---|\n"
        for wave in plan.waves {
            text +=
                "| \(wave.number) | \(cell(wave.orderTagValue ?? "")) | \(wave.instances.count) | \(wave.hostCount) | "
                + "\(PlanText.dataset(wave)) | \(PlanText.duration(wave.estimatedSyncSeconds)) |\n"
        }
        if plan.waves.isEmpty { text += "\nNo wave.\n" }
        for wave in plan.waves {
            text += "\n### Wave \(wave.number)\(wave.orderTagValue.map { " (\(cell($0)))" } ?? "")\n\n"
            if !wave.exceededLimits.isEmpty {
                text += "Exceeds \(wave.exceededLimits.joined(separator: ", ")) on its own (one instance).\n\n"
            }
            text += "| host | port | status | dataset | sync | tags |\n|---|---|---|---|---|---|\n"
            for instance in wave.instances {
                text +=
                    "| \(cell(instance.host)) | \(instance.port) | \(instance.status.rawValue) | "
                    + "\(Text.bytes(instance.datasetBytes)) | "
                    + "\(instance.estimatedSyncSeconds.map(PlanText.duration) ?? "?") | \(cell(PlanText.tags(instance.tags))) |\n"
            }
        }
        text += "\n## Not ready\n\n"
        if plan.notReady.isEmpty { text += "None.\n" }
        for entry in plan.notReady {
            text += "- **\(cell(entry.name))** \(entry.status.rawValue)"
            if let reason = entry.reason { text += ": \(cell(reason))" }
            text += "\n"
            for finding in PlanText.findings(entry.blockingChecks) {
                let ids = finding.ids.map { code($0) }.joined(separator: ", ")
                text += "  - \(ids) \(finding.status.rawValue): \(cell(finding.summary))\n"
            }
            for fix in PlanText.fixes(entry.blockingChecks) { text += "  - Fix: \(cell(fix))\n" }
        }
        text += "\n## Remediation backlog\n\n"
        if plan.backlog.isEmpty {
            text += "Nothing blocks an audited instance.\n"
        } else {
            text +=
                "| check | scope | unblocks alone (instances / hosts) | blocks (instances / hosts) | fix |\n|---|---|---|---|---|\n"
        }
        for item in plan.backlog {
            text +=
                "| \(code(item.checkID, inTable: true)) | \(item.scope.rawValue) | \(item.unblocksInstances) / \(item.unblocksHosts) | "
                + "\(item.instances) / \(item.hosts) | \(cell(PlanText.remediations(item))) |\n"
        }
        return text
    }

    private func cell(_ text: String) -> String { OutputText.markdown(text) }
    private func code(_ text: String, inTable: Bool = false) -> String {
        OutputText.markdownCode(text, inTable: inTable)
    }
}
