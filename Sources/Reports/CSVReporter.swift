import FleetCore
import Foundation

/// `report.csv`: one row per instance (and one per host an incomplete run did not collect), one column per check;
/// fields made safe by `OutputText.csvField` (RFC 4180 quoting, one line per record, formulas defused).
public struct CSVReporter: Reporter {
    public let identifier = "csv"
    public let fileName: String? = "report.csv"

    public init() {}

    public func render(_ model: ReportModel) -> String {
        let ids = model.checkIDs
        // With several targets: the best path, and the status on each path (`path:<target>` columns).
        let pathTargets = model.pathMatrix?.targets ?? []
        let pathColumns = pathTargets.isEmpty ? [] : ["best_path"] + pathTargets.map { "path:" + $0 }
        var rows = [
            ["host", "address", "port", "status", "rank", "score", "used_memory_bytes", "reason"] + ids + pathColumns
        ]
        for host in model.verdict.hosts {
            if host.instances.isEmpty {
                rows.append(
                    [
                        host.host.name, host.host.address, "", host.status.rawValue, String(host.rank), "0", "",
                        host.reason?.summary ?? "",
                    ]
                        + ids.map { _ in "" } + pathColumns.map { _ in "" })
            }
            for instance in host.instances {
                let statuses = Dictionary(
                    instance.checks.map { ($0.id.rawValue, $0.status.rawValue) }, uniquingKeysWith: { a, _ in a })
                var row: [String] = [
                    host.host.name, host.host.address, String(instance.port), instance.status.rawValue,
                    String(host.rank), String(Int(instance.score)),
                    instance.facts.usedMemoryBytes.map(String.init) ?? "", Self.notesCell(host),
                ]
                row += ids.map { statuses[$0] ?? "" }
                if !pathTargets.isEmpty {
                    row.append(instance.bestPath ?? "")
                    for target in pathTargets {
                        row.append(PathMatrix.describe(instance.paths.first { $0.target == target }))
                    }
                }
                rows.append(row)
            }
        }
        rows += Self.incompleteRows(model.verdict.completeness, columns: rows[0].count)
        return rows.map(OutputText.csvRecord).joined()
    }

    /// The host's notes column: what cut its collection, then what needed privilege (the `access` note).
    static func notesCell(_ host: HostVerdict) -> String {
        let cut: String? = host.collectionSummary.map { "not collected whole: " + $0 }
        let access: String? = host.accessSummary.map { "access: " + $0 }
        return [cut, access].compactMap { $0 }.joined(separator: "; ")
    }

    /// An incomplete run's rows: one per missing host (status `missing`), or, when which hosts are missing is
    /// unknown, one row without a host (status `incomplete`) whose reason says why. A spreadsheet filtered by
    /// status then still shows that the fleet is not all there.
    static func incompleteRows(_ completeness: RunCompleteness, columns: Int) -> [[String]] {
        guard !completeness.complete else { return [] }
        let pad = { (row: [String]) in row + Array(repeating: "", count: max(0, columns - row.count)) }
        guard !completeness.missingHosts.isEmpty else {
            return [pad(["", "", "", "incomplete", "", "", "", completeness.warning ?? ""])]
        }
        return completeness.missingHosts.map { name in
            pad([name, "", "", "missing", "", "", "", "not collected: the run is incomplete"])
        }
    }
}
