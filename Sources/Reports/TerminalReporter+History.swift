import FleetCore
import Foundation
import RunComparison

/// "Since the last run" on the terminal, and `fleet-audit diff`'s text output.
extension TerminalReporter {
    /// The changes as indented lines under `heading`. Remote text goes through `OutputText.terminal`, so a hostile
    /// host name or observed value cannot move the cursor, change colours or split a line.
    public func render(changes: RunChanges, heading: String) -> String {
        let heading = OutputText.terminal(heading)
        guard !changes.isFirstRun else { return "\(heading): first run (nothing to compare with).\n" }
        guard !changes.isEmpty else { return "\(heading): no changes.\n" }
        var text = "\(heading):\n"
        for group in changes.statusChanges {
            text += "  \(group.noun)s\n"
            let rows = group.changes.map { change in
                ["   ", change.place, change.kind.rawValue, Self.transition(change.before, change.after)]
            }
            text += TextTable.render(rows: rows)
        }
        if !changes.checks.isEmpty {
            text += "  Checks\n"
            for check in changes.checks {
                text +=
                    "    \(OutputText.terminal(check.place))  \(OutputText.terminal(check.id))  "
                    + "\(check.before?.rawValue ?? "absent") -> \(check.after?.rawValue ?? "absent")\n"
                text += evidenceLines("before", check.evidenceBefore) + evidenceLines("after ", check.evidenceAfter)
            }
        }
        return text
    }

    private func evidenceLines(_ label: String, _ evidence: [Evidence]) -> String {
        guard !evidence.isEmpty else { return "      \(label): (no evidence)\n" }
        return evidence.map { item in
            "      \(label): \(OutputText.terminal(item.source)) = \(OutputText.terminal(item.observed))"
                + (item.note.map { " (\(OutputText.terminal($0)))" } ?? "") + "\n"
        }.joined()
    }

    static func transition(_ before: ReadinessStatus?, _ after: ReadinessStatus?) -> String {
        "\(before?.rawValue ?? "-") -> \(after?.rawValue ?? "-")"
    }
}
