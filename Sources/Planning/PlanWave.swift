import FleetCore

/// One migration wave: instances that move together, with their totals.
public struct PlanWave: Sendable, Hashable {
    /// 1 = moves first.
    public var number: Int
    /// The `--order-by-tag` value every instance of this wave has; nil without a tag order, or for the wave(s) of
    /// instances whose value is missing or unlisted.
    public var orderTagValue: String?
    public var instances: [PlannedInstance]
    /// Total dataset; unknown datasets count as 0. Saturates at Int64.max (a total that large exceeds every limit,
    /// as the true one would) instead of trapping on instances that report huge `used_memory`.
    public var datasetBytes: Int64
    /// Sum of the estimated full-sync durations; unknown ones count as 0.
    public var estimatedSyncSeconds: Double
    /// Limits this wave exceeds (plan.json names): only ever a wave holding one instance that alone exceeds them.
    public var exceededLimits: [String]

    public init(
        number: Int, orderTagValue: String?, instances: [PlannedInstance] = [], datasetBytes: Int64 = 0,
        estimatedSyncSeconds: Double = 0, exceededLimits: [String] = []
    ) {
        self.number = number
        self.orderTagValue = orderTagValue
        self.instances = instances
        self.datasetBytes = datasetBytes
        self.estimatedSyncSeconds = estimatedSyncSeconds
        self.exceededLimits = exceededLimits
    }

    /// Distinct hosts in the wave.
    public var hostCount: Int { Set(instances.map(\.host)).count }

    /// Instances whose dataset size is unknown (counted as 0 in the totals).
    public var unknownDatasetCount: Int { instances.filter { $0.datasetBytes == nil }.count }

    mutating func append(_ instance: PlannedInstance) {
        instances.append(instance)
        datasetBytes = datasetBytes.saturatingAdding(instance.datasetBytes ?? 0)
        estimatedSyncSeconds += instance.estimatedSyncSeconds ?? 0
    }
}
