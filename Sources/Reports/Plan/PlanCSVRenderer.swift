import FleetCore
import Planning

/// `plan.csv`: one row per instance, planned ones first in wave order, then the not-ready ones (empty wave).
/// Fields made safe by `OutputText.csvField`, as in report.csv.
public struct PlanCSVRenderer: PlanRenderer {
    public let identifier = "csv"
    public let fileName: String? = "plan.csv"

    public init() {}

    public func render(_ plan: MigrationPlan) -> String {
        let orderKey = plan.constraints.tagOrder?.key
        let groupKey = plan.constraints.keepTogetherTag
        var header = ["wave", "host", "address", "port", "status", "dataset_bytes", "estimated_sync_seconds"]
        header += [orderKey, groupKey].compactMap { $0.map { "tag:" + $0 } }
        header += ["tags", "blocking_checks", "reason"]
        var rows = [header]
        let tagColumns = { (tags: [String: String]) in [orderKey, groupKey].compactMap { $0.map { tags[$0] ?? "" } } }
        for wave in plan.waves {
            for instance in wave.instances {
                rows.append(
                    [
                        String(wave.number), instance.host, instance.address, String(instance.port),
                        instance.status.rawValue, instance.datasetBytes.map(String.init) ?? "",
                        instance.estimatedSyncSeconds.map { String($0) } ?? "",
                    ] + tagColumns(instance.tags) + [PlanText.tags(instance.tags), "", ""])
            }
        }
        for entry in plan.notReady {
            rows.append(
                [
                    "", entry.host, entry.address, entry.port.map(String.init) ?? "", entry.status.rawValue,
                    entry.datasetBytes.map(String.init) ?? "", "",
                ]
                    + tagColumns(entry.tags)
                    + [
                        PlanText.tags(entry.tags), entry.blockingChecks.map(\.id).joined(separator: " "),
                        entry.reason ?? "",
                    ])
        }
        // An incomplete run: one row per host it did not collect (status `missing`), as in report.csv.
        if !plan.completeness.complete {
            let missing =
                plan.completeness.missingHosts.isEmpty
                ? [("", "incomplete", plan.completeness.warning ?? "")]
                : plan.completeness.missingHosts.map { ($0, "missing", "not collected: the run is incomplete") }
            for (host, status, reason) in missing {
                var row = Array(repeating: "", count: header.count)
                row[1] = host
                row[4] = status
                row[header.count - 1] = reason
                rows.append(row)
            }
        }
        return rows.map(OutputText.csvRecord).joined()
    }
}
