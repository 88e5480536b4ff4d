import FleetCore
import Foundation

/// Migration waves for one evaluated run: the input of every plan format.
public struct MigrationPlan: Sendable, Hashable {
    /// Schema id of plan.json; docs/planning.md has the versioning rules.
    public static let schema = "fleet-audit.plan/1"

    public var toolVersion: String
    public var profile: String
    public var target: TargetSummary
    public var runID: String
    public var inventoryDigest: String
    public var hostKeysUnverified: Bool
    public var generatedAt: Date
    public var constraints: PlanConstraints
    public var waves: [PlanWave]
    /// Blocked, review and unreachable instances and hosts, in rank order.
    public var notReady: [NotReadyInstance]
    /// Fixes grouped by check id, largest impact first.
    public var backlog: [BacklogItem]
    public var notes: [PlanNote]
    /// Whether the planned run recorded every host: an incomplete one is planned only with `--allow-incomplete`,
    /// and every plan format then says which hosts the plan knows nothing about.
    public var completeness: RunCompleteness

    public init(
        toolVersion: String, profile: String, target: TargetSummary, runID: String, inventoryDigest: String,
        hostKeysUnverified: Bool, generatedAt: Date, constraints: PlanConstraints, waves: [PlanWave],
        notReady: [NotReadyInstance], backlog: [BacklogItem], notes: [PlanNote],
        completeness: RunCompleteness = .complete
    ) {
        self.toolVersion = toolVersion
        self.profile = profile
        self.target = target
        self.runID = runID
        self.inventoryDigest = inventoryDigest
        self.hostKeysUnverified = hostKeysUnverified
        self.generatedAt = generatedAt
        self.constraints = constraints
        self.waves = waves
        self.notReady = notReady
        self.backlog = backlog
        self.notes = notes
        self.completeness = completeness
    }

    /// Every planned instance, wave by wave.
    public var plannedInstances: [PlannedInstance] { waves.flatMap(\.instances) }
}
