/// Whether a run recorded every host it set out to, and which ones it did not: a run killed mid-collection (Ctrl-C,
/// SIGKILL, a crash, a full disk) must never pass for a whole fleet in a report or a plan.
public struct RunCompleteness: Sendable, Hashable, Codable {
    /// The run's manifest says every planned host was recorded.
    public var complete: Bool
    /// How many hosts the run set out to collect; nil when its manifest predates the planned-hosts list.
    public var plannedHostCount: Int?
    /// Planned hosts with no stored snapshot, in inventory order (empty when complete, or when unknown).
    public var missingHosts: [String]

    public init(complete: Bool, plannedHostCount: Int?, missingHosts: [String]) {
        self.complete = complete
        self.plannedHostCount = plannedHostCount
        self.missingHosts = missingHosts
    }

    public static let complete = RunCompleteness(complete: true, plannedHostCount: nil, missingHosts: [])

    /// How many missing host names the human formats list before "and N more" (report.json and report.csv list
    /// every one): enough to act on, short enough that 10,000 missing hosts do not bury the report.
    public static let listedMissingHosts = 20

    /// One sentence for every human format, e.g. "INCOMPLETE RUN: 3 of 10 planned hosts were not collected
    /// (interrupted or failed mid-collection): a, b, c." Nil for a complete run. Names are raw: each format makes
    /// the sentence safe with its own sanitiser.
    public var warning: String? {
        guard !complete else { return nil }
        var text = "INCOMPLETE RUN: "
        if missingHosts.isEmpty {
            text +=
                plannedHostCount == nil
                ? "the run did not finish (interrupted or failed mid-collection); its manifest predates the list "
                    + "of planned hosts, so which hosts are missing is unknown."
                : "the run's manifest was never completed (interrupted, or some files could not be written), "
                    + "although every planned host has a snapshot."
            return text
        }
        let planned = plannedHostCount.map { " of \($0) planned" } ?? ""
        text += "\(missingHosts.count)\(planned) host(s) were not collected (interrupted or failed mid-collection): "
        text += missingHosts.prefix(Self.listedMissingHosts).joined(separator: ", ")
        let more = missingHosts.count - Self.listedMissingHosts
        return text + (more > 0 ? " and \(more) more (report.json lists every one)." : ".")
    }
}
