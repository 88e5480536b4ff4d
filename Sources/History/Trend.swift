import FleetCore
import Foundation
import Reports
import RunComparison

/// The readiness trend: instances per status for each recorded run up to a given run, oldest first.
public enum Trend {
    /// Points shown by default: about a year of weekly audits, and still a readable chart.
    public static let defaultLimit = 60

    /// The recorded runs that started before `verdict`'s run (never its own earlier record), then `verdict`
    /// itself, keeping the newest `limit` points.
    public static func points(recorded: [RecordedRun], through verdict: FleetVerdict, limit: Int = defaultLimit)
        -> [TrendPoint]
    {
        let earlier =
            recorded
            .filter { $0.id != verdict.runID && $0.isBefore(startedAt: verdict.collectionStartedAt, id: verdict.runID) }
            .sorted { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }
            .map { TrendPoint(runID: $0.id, startedAt: $0.startedAt, instances: $0.instances, hosts: $0.hosts) }
        return Array((earlier + [TrendPoint(verdict: verdict)]).suffix(max(1, limit)))
    }
}
