import FleetCore
import Foundation

/// A complete, evaluated run as the history holds it: what `fleet-audit history` lists.
public struct RecordedRun: Sendable, Hashable {
    public var id: String
    public var startedAt: Date
    public var endedAt: Date?
    public var recordedAt: Date
    public var toolVersion: String
    public var profile: String
    public var targetName: String
    public var inventoryDigest: String
    /// Hosts per status.
    public var hosts: [ReadinessStatus: Int]
    /// Instances per status; an unreachable host counts as one unreachable instance (as in the report summary).
    public var instances: [ReadinessStatus: Int]

    public init(
        id: String, startedAt: Date, endedAt: Date?, recordedAt: Date, toolVersion: String, profile: String,
        targetName: String, inventoryDigest: String, hosts: [ReadinessStatus: Int], instances: [ReadinessStatus: Int]
    ) {
        self.id = id
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.recordedAt = recordedAt
        self.toolVersion = toolVersion
        self.profile = profile
        self.targetName = targetName
        self.inventoryDigest = inventoryDigest
        self.hosts = hosts
        self.instances = instances
    }

    /// Whether this run comes before another in time (ties broken by id).
    func isBefore(startedAt otherStart: Date, id otherID: String) -> Bool {
        (startedAt, id) < (otherStart, otherID)
    }
}
