import FleetCore

/// Wording shared by the plan's notes and its human-readable formats (Sources/Reports/Plan).
public enum PlanText {
    public static func constraints(_ constraints: PlanConstraints) -> String {
        var parts: [String] = []
        if let value = constraints.maxInstancesPerWave { parts.append("at most \(value) instances per wave") }
        if let value = constraints.maxDatasetBytesPerWave {
            parts.append("at most \(ByteCount.format(value)) per wave")
        }
        if let value = constraints.maxSyncSecondsPerWave { parts.append("at most \(duration(value)) of sync per wave") }
        if let order = constraints.tagOrder { parts.append("ordered by \(order.description)") }
        if let key = constraints.keepTogetherTag { parts.append("keeping \(key) together") }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }

    /// `1 h 5 min`, `12 min`, `40 s`.
    public static func duration(_ seconds: Double) -> String {
        // Int(_:) would trap on a NaN, infinite or huge estimate: print those as the Double they are.
        guard let whole = Int(checked: seconds.rounded(.up)) else { return "\(seconds) s" }
        if whole < 60 { return "\(whole) s" }
        let minutes = Int((seconds / 60).rounded(.up))
        return minutes < 60 ? "\(minutes) min" : "\(minutes / 60) h \(minutes % 60) min"
    }

    /// A wave's dataset, with how many instances of unknown size it leaves out.
    public static func dataset(_ wave: PlanWave) -> String {
        let unknown = wave.unknownDatasetCount
        return ByteCount.format(wave.datasetBytes) + (unknown > 0 ? " (+\(unknown) unknown)" : "")
    }

    /// Blocking checks with the same status and finding, as one line each: an instance that did not answer has a
    /// dozen checks that all say so, and a reader needs that once, with the ids it covers.
    public static func findings(_ checks: [BlockingCheck]) -> [(ids: [String], status: CheckStatus, summary: String)] {
        var groups: [(ids: [String], status: CheckStatus, summary: String)] = []
        for check in checks {
            if let index = groups.firstIndex(where: { $0.status == check.status && $0.summary == check.summary }) {
                groups[index].ids.append(check.id)
            } else {
                groups.append((ids: [check.id], status: check.status, summary: check.summary))
            }
        }
        return groups
    }

    /// The distinct fixes of an instance's blocking checks, in order.
    public static func fixes(_ checks: [BlockingCheck]) -> [String] {
        var seen: Set<String> = []
        return checks.map(\.remediation).filter { seen.insert($0).inserted }
    }

    /// The incomplete-run warning of a plan (raw: each format makes it safe), or nil for a complete run.
    public static func incompleteWarning(_ plan: MigrationPlan) -> String? {
        plan.completeness.warning.map { $0 + " The plan covers only the hosts that were collected." }
    }

    public static func tags(_ tags: [String: String]) -> String {
        tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    /// The first remediation texts of a backlog item, and how many more differ.
    public static func remediations(_ item: BacklogItem, limit: Int = 2) -> String {
        let shown = item.remediations.prefix(limit).joined(separator: " / ")
        let more = item.remediations.count - limit
        return more > 0 ? shown + " (+\(more) more)" : shown
    }
}
