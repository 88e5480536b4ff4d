import FleetCore
import Planning

/// `plan.md`, for tickets and change requests. Remote and inventory text goes through `OutputText.markdown` (or
/// `markdownCode` in code), as in report.md.
public struct PlanMarkdownRenderer: PlanRenderer {
    public let identifier = "md"
    public let fileName: String? = "plan.md"

    public init() {}

    public func render(_ plan: MigrationPlan) -> String {
        var text = "# ElastiCache migration waves: \(OutputText.markdown(plan.target.name))\n\n"
        text +=
            "Run \(OutputText.markdown(plan.runID)), profile \(OutputText.markdownCode(plan.profile)), target \(OutputText.markdownCode(plan.target.nodeType)) "
            + "engine \(OutputText.markdown(plan.target.engineVersion)). Constraints: \(OutputText.markdown(PlanText.constraints(plan.constraints))).\n\n"
        if let warning = PlanText.incompleteWarning(plan) { text += "> **\(OutputText.markdown(warning))**\n\n" }
        if plan.hostKeysUnverified { text += "> **Host keys were NOT verified for some hosts.**\n\n" }
        if !plan.notes.isEmpty {
            text += "## Notes\n\n"
            for note in plan.notes { text += "- **\(note.kind.rawValue)**: \(OutputText.markdown(note.message))\n" }
            text += "\n"
        }
        text += "## Waves\n\n| wave | order | instances | hosts | dataset | sync |\n|---|---|---|---|---|---|\n"
        for wave in plan.waves {
            text +=
                "| \(wave.number) | \(OutputText.markdown(wave.orderTagValue ?? "")) | \(wave.instances.count) | \(wave.hostCount) | "
                + "\(PlanText.dataset(wave)) | \(PlanText.duration(wave.estimatedSyncSeconds)) |\n"
        }
        if plan.waves.isEmpty { text += "\nNo wave.\n" }
        for wave in plan.waves {
            text += "\n### Wave \(wave.number)\(wave.orderTagValue.map { " (\(OutputText.markdown($0)))" } ?? "")\n\n"
            if !wave.exceededLimits.isEmpty {
                text += "Exceeds \(wave.exceededLimits.joined(separator: ", ")) on its own (one instance).\n\n"
            }
            text += "| host | port | status | dataset | sync | tags |\n|---|---|---|---|---|---|\n"
            for instance in wave.instances {
                text +=
                    "| \(OutputText.markdown(instance.host)) | \(instance.port) | \(instance.status.rawValue) | "
                    + "\(Text.bytes(instance.datasetBytes)) | "
                    + "\(instance.estimatedSyncSeconds.map(PlanText.duration) ?? "?") | \(OutputText.markdown(PlanText.tags(instance.tags))) |\n"
            }
        }
        text += "\n## Not ready\n\n"
        if plan.notReady.isEmpty { text += "None.\n" }
        for entry in plan.notReady {
            text += "- **\(OutputText.markdown(entry.name))** \(entry.status.rawValue)"
            if let reason = entry.reason { text += ": \(OutputText.markdown(reason))" }
            text += "\n"
            for finding in PlanText.findings(entry.blockingChecks) {
                let ids = finding.ids.map { OutputText.markdownCode($0) }.joined(separator: ", ")
                text += "  - \(ids) \(finding.status.rawValue): \(OutputText.markdown(finding.summary))\n"
            }
            for fix in PlanText.fixes(entry.blockingChecks) { text += "  - Fix: \(OutputText.markdown(fix))\n" }
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
                "| \(OutputText.markdownCode(item.checkID, inTable: true)) | \(item.scope.rawValue) | \(item.unblocksInstances) / \(item.unblocksHosts) | "
                + "\(item.instances) / \(item.hosts) | \(OutputText.markdown(PlanText.remediations(item))) |\n"
        }
        return text
    }

}
