import FleetCore
import Foundation
import RunComparison

/// "Since the last run" in `report.md`, and `fleet-audit diff --format md`.
extension MarkdownReporter {
    /// The changes under a level-2 `heading`; every piece of remote text goes through `OutputText.markdown`.
    public func render(changes: RunChanges, heading: String) -> String {
        var text = "## \(OutputText.markdown(heading))\n\n"
        guard let previous = changes.previousRunID else { return text + "First run: nothing to compare with.\n" }
        text += "Compared with run \(OutputText.markdown(previous)).\n\n"
        guard !changes.isEmpty else { return text + "No changes.\n" }
        for group in changes.statusChanges {
            text += "| \(group.noun.lowercased()) | change | before | after |\n|---|---|---|---|\n"
            for change in group.changes {
                text +=
                    "| \(OutputText.markdown(change.place)) | \(change.kind.rawValue) | \(change.before?.rawValue ?? "") | \(change.after?.rawValue ?? "") |\n"
            }
            text += "\n"
        }
        if !changes.checks.isEmpty {
            text += "| where | check | before | after | observed before | observed after |\n"
            text += "|---|---|---|---|---|---|\n"
            for check in changes.checks {
                text +=
                    "| \(OutputText.markdown(check.place)) | \(OutputText.markdownCode(check.id, inTable: true)) | \(check.before?.rawValue ?? "absent") | \(check.after?.rawValue ?? "absent") | \(observed(check.evidenceBefore)) | \(observed(check.evidenceAfter)) |\n"
            }
        }
        return text
    }

    private func observed(_ evidence: [Evidence]) -> String {
        evidence.map { "\(OutputText.markdown($0.source)) = \(OutputText.markdown($0.observed))" }.joined(
            separator: "<br>")
    }
}
