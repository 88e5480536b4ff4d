import FleetCore
import Foundation

/// `report.md`, for tickets and wikis.
public struct MarkdownReporter: Reporter {
    public let identifier = "md"
    public let fileName = "report.md"

    public init() {}

    public func render(_ model: ReportModel) -> String {
        let verdict = model.verdict
        var text = "# ElastiCache migration readiness: \(cell(verdict.target.name))\n\n"
        text +=
            "Target `\(cell(verdict.target.nodeType))`, engine \(cell(verdict.target.engineVersion)), profile `\(verdict.profile)`, run \(verdict.runID).\n\n"
        if verdict.hostKeysUnverified { text += "> **Host keys were NOT verified for some hosts.**\n\n" }
        text += "## Summary\n\n| status | hosts | instances |\n|---|---|---|\n"
        for status in ReadinessStatus.allCases {
            text += "| \(status.rawValue) | \(model.hostCounts[status] ?? 0) | \(model.instanceCounts[status] ?? 0) |\n"
        }
        let failingTarget = verdict.targetChecks.filter { $0.status != .pass }
        if !failingTarget.isEmpty {
            text += "\n## Target deployment\n\n"
            for check in failingTarget {
                text += "- `\(check.id)` **\(check.status.rawValue)**: \(cell(check.summary))\n"
            }
        }
        text += "\n## Top blockers\n\n"
        let blockers = model.topBlockers
        if blockers.isEmpty { text += "None.\n" }
        for blocker in blockers.prefix(10) {
            text += "- `\(blocker.id)`: \(blocker.hosts) host(s), \(blocker.instances) instance(s)\n"
        }
        text +=
            "\n## Hosts by readiness\n\n| # | host | address | status | score | instances |\n|---|---|---|---|---|---|\n"
        for host in verdict.hosts {
            text +=
                "| \(host.rank) | \(cell(host.host.name)) | \(cell(host.host.address)) | \(host.status.rawValue) | \(Int(host.score)) | \(host.instances.map { String($0.port) }.joined(separator: ", ")) |\n"
        }
        text += "\n## What to fix\n"
        for host in verdict.hosts where host.status != .ready {
            text += "\n### \(cell(host.host.name)) (\(host.status.rawValue))\n\n"
            if let reason = host.reason {
                text += "- unreachable: \(reason.errorClass.rawValue): \(cell(reason.message))\n"
            }
            for instance in host.instances {
                for check in instance.checks where [.fail, .warn, .unknown].contains(check.status) {
                    text += "- port \(instance.port) `\(check.id)` **\(check.status.rawValue)**: \(cell(check.summary))"
                    if let remediation = check.remediation { text += " Fix: \(cell(remediation))" }
                    text += "\n"
                }
            }
        }
        return text
    }

    /// Remote text in a table cell or list item: no pipes, no newlines, no HTML.
    private func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

/// `report.csv`: one row per instance, one column per check (RFC 4180 quoting).
public struct CSVReporter: Reporter {
    public let identifier = "csv"
    public let fileName = "report.csv"

    public init() {}

    public func render(_ model: ReportModel) -> String {
        let ids = model.checkIDs
        var rows = [["host", "address", "port", "status", "rank", "score", "used_memory_bytes", "reason"] + ids]
        for host in model.verdict.hosts {
            if host.instances.isEmpty {
                rows.append(
                    [
                        host.host.name, host.host.address, "", host.status.rawValue, String(host.rank), "0", "",
                        host.reason.map { "\($0.errorClass.rawValue): \($0.message)" } ?? "",
                    ]
                        + ids.map { _ in "" })
            }
            for instance in host.instances {
                let statuses = Dictionary(
                    instance.checks.map { ($0.id, $0.status.rawValue) }, uniquingKeysWith: { a, _ in a })
                rows.append(
                    [
                        host.host.name, host.host.address, String(instance.port), instance.status.rawValue,
                        String(host.rank), String(Int(instance.score)),
                        instance.facts.usedMemoryBytes.map(String.init) ?? "", "",
                    ]
                        + ids.map { statuses[$0] ?? "" })
            }
        }
        return rows.map { $0.map(Self.field).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    /// Quotes when needed, and defuses spreadsheet formulas (a cell starting with = + - @ is prefixed with ').
    static func field(_ value: String) -> String {
        var text = value
        if let first = text.first, "=+-@\t\r".contains(first), Double(text) == nil { text = "'" + text }
        if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return text
    }
}

/// The terminal summary: the ranked table, aligned; colour only on a terminal and without NO_COLOR.
public struct TerminalReporter: Sendable {
    public var colour: Bool

    public init(colour: Bool) { self.colour = colour }

    public func render(_ model: ReportModel) -> String {
        let codes: [ReadinessStatus: String] = [
            .ready: "32", .warnings: "33", .review: "34", .blocked: "31", .unreachable: "90",
        ]
        var rows: [[String]] = [["#", "HOST", "ADDRESS", "STATUS", "SCORE", "INSTANCES", "TOP ISSUE"]]
        for host in model.verdict.hosts {
            let issue = Self.topIssue(host)
            let ports: String = host.instances.map { String($0.port) }.joined(separator: ",")
            let row: [String] = [
                String(host.rank), host.host.name, host.host.address, host.status.rawValue, String(Int(host.score)),
                ports, String(issue.prefix(60)),
            ]
            rows.append(row)
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var text = ""
        for (index, row) in rows.enumerated() {
            var line = ""
            for (column, value) in row.enumerated() {
                var cell =
                    column == row.count - 1
                    ? value : value.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                if colour, index > 0, column == 3, let status = ReadinessStatus(rawValue: value),
                    let code = codes[status]
                {
                    cell = "\u{1B}[\(code)m\(cell)\u{1B}[0m"
                }
                line += cell + (column == row.count - 1 ? "" : "  ")
            }
            text += line + "\n"
        }
        let counts = model.hostCounts
        text += ReadinessStatus.allCases.map { "\(counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ") + "\n"
        return text
    }

    /// What most stands between a host and readiness, in a few words.
    static func topIssue(_ host: HostVerdict) -> String {
        if let reason = host.reason { return "\(reason.errorClass.rawValue): \(reason.message)" }
        let checks = host.instances.flatMap(\.checks)
        if let check = checks.first(where: { $0.status == .fail && $0.severity == .blocker }) { return check.id }
        if let check = checks.first(where: { $0.status == .unknown && $0.severity == .blocker }) { return check.id }
        if let check = checks.first(where: { $0.status == .fail || $0.status == .warn }) { return check.id }
        return ""
    }
}
