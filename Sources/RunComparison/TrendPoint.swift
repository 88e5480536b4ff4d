import FleetCore
import Foundation

/// One run on the readiness trend: how many hosts and instances had each status. Oldest first in
/// `ReportModel.trend`; History computes earlier points from its database with the same counting rule.
public struct TrendPoint: Sendable, Hashable {
    public var runID: String
    public var startedAt: Date
    /// Instances per status; an unreachable host counts as one unreachable instance (as in the summary).
    public var instances: [ReadinessStatus: Int]
    public var hosts: [ReadinessStatus: Int]

    public init(runID: String, startedAt: Date, instances: [ReadinessStatus: Int], hosts: [ReadinessStatus: Int]) {
        self.runID = runID
        self.startedAt = startedAt
        self.instances = instances
        self.hosts = hosts
    }

    /// The point of one evaluated run, counted as the report's summary counts it.
    public init(verdict: FleetVerdict) {
        self.init(
            runID: verdict.runID, startedAt: verdict.collectionStartedAt, instances: verdict.instanceCounts,
            hosts: verdict.hostCounts)
    }

    /// Instances of every status.
    public var instanceTotal: Int { instances.values.reduce(0, +) }
}
