import FleetCore
import Foundation

/// `report.csv`: one row per instance, one column per check; fields made safe by `OutputText.csvField` (RFC 4180
/// quoting, one line per record, formulas defused).
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
        return rows.map(OutputText.csvRecord).joined()
    }
}
