import FleetCore
import Foundation

/// The terminal summary: the ranked table, aligned; colour only on a terminal and without NO_COLOR. Every cell goes
/// through `OutputText.terminal` in `TextTable`, so no remote or inventory text is interpreted by the terminal.
/// A `Reporter` like the file formats, printed rather than written (no file name).
public struct TerminalReporter: Reporter {
    public let identifier = "terminal"
    public let fileName: String? = nil
    public var colour: Bool

    public init(colour: Bool) { self.colour = colour }

    public func render(_ model: ReportModel) -> String {
        let codes: [ReadinessStatus: String] = [
            .ready: "32", .warnings: "33", .review: "34", .blocked: "31", .unreachable: "90",
        ]
        var rows: [[String]] = [["#", "HOST", "ADDRESS", "STATUS", "SCORE", "INSTANCES", "TOP ISSUE"]]
        for host in model.verdict.hosts {
            let issue = Self.topIssue(host)
            // A host may run dozens of instances: the table shows the first few and how many more.
            let shown = host.instances.prefix(8).map { String($0.port) }.joined(separator: ",")
            let ports = host.instances.count > 8 ? "\(shown),+\(host.instances.count - 8)" : shown
            let row: [String] = [
                String(host.rank), host.host.name, host.host.address, host.status.rawValue, String(Int(host.score)),
                ports, String(issue.prefix(60)),
            ]
            rows.append(row)
        }
        // The warning opens and closes the summary: with thousands of rows, the top scrolls away.
        let warning = model.verdict.completeness.warning.map { OutputText.terminal($0) + "\n" } ?? ""
        var text = warning
        text += TextTable.render(rows: rows) { row, column, cell in
            // Colour the status column; padding is measured before the escape codes are added.
            guard colour, row > 0, column == 3, let status = ReadinessStatus(rawValue: rows[row][column]),
                let code = codes[status]
            else { return cell }
            return "\u{1B}[\(code)m\(cell)\u{1B}[0m"
        }
        let counts = model.hostCounts
        text += ReadinessStatus.allCases.map { "\(counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ") + "\n"
        let cut = model.verdict.hosts.filter { $0.collectionSummary != nil }
        if !cut.isEmpty {
            let names = cut.prefix(10).map {
                "\($0.host.name) (\($0.collectionNotes.map(\.kind.rawValue).joined(separator: ", ")))"
            }
            text +=
                OutputText.terminal(
                    "Not collected whole: \(names.joined(separator: ", "))\(cut.count > 10 ? " and \(cut.count - 10) more" : "")"
                )
                + "\n"
        }
        let privileged = model.verdict.hosts.compactMap { host in host.accessSummary.map { (host.host.name, $0) } }
        for (name, summary) in privileged.prefix(10) {
            text += OutputText.terminal("Access on \(name): \(summary)") + "\n"
        }
        if privileged.count > 10 { text += "Access notes on \(privileged.count - 10) more hosts: see report.md\n" }
        if let matrix = model.pathMatrix {
            // Instances by path; the first 40 rows here, all of them in every report file.
            var paths: [[String]] = [["INSTANCE"] + matrix.targets.map { $0.uppercased() } + ["BEST PATH"]]
            for row in matrix.rows.prefix(40) {
                paths.append(
                    ["\(row.host):\(row.port)"] + row.cells.map { String(PathMatrix.describe($0).prefix(48)) }
                        + [row.bestPath ?? "-"])
            }
            text += "Migration paths:\n" + TextTable.render(rows: paths)
            if matrix.rows.count > 40 { text += "\(matrix.rows.count - 40) more instances: see report.md\n" }
        }
        if let changes = model.sinceLastRun {
            text += render(
                changes: changes, heading: "Since the last run" + (changes.previousRunID.map { " (\($0))" } ?? ""))
        }
        return text + warning
    }

    /// What most stands between a host and readiness, in a few words.
    public static func topIssue(_ host: HostVerdict) -> String {
        if let reason = host.reason { return reason.summary }
        let checks = host.instances.flatMap(\.checks)
        if let check = checks.first(where: { $0.status == .fail && $0.severity == .blocker }) {
            return check.id.rawValue
        }
        // Unknown: why it could not be told (an instance that does not answer says so) matters more than the id.
        if let check = checks.first(where: { $0.status == .unknown && $0.severity == .blocker }) {
            return "\(check.id) unknown: \(check.summary)"
        }
        if let check = checks.first(where: { $0.status == .fail || $0.status == .warn }) { return check.id.rawValue }
        return ""
    }
}
