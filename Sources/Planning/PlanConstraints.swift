/// The limits and ordering a plan respects. Every limit is optional; without any, one wave holds every instance.
public struct PlanConstraints: Sendable, Hashable {
    public var maxInstancesPerWave: Int?
    /// Total dataset (`used_memory`) of a wave, in bytes.
    public var maxDatasetBytesPerWave: Int64?
    /// Sum of the instances' estimated full-sync durations in a wave, in seconds.
    public var maxSyncSecondsPerWave: Double?
    public var tagOrder: TagOrder?
    /// A host tag whose instances sharing a value move in the same wave when the limits allow.
    public var keepTogetherTag: String?

    public init(
        maxInstancesPerWave: Int? = nil, maxDatasetBytesPerWave: Int64? = nil, maxSyncSecondsPerWave: Double? = nil,
        tagOrder: TagOrder? = nil, keepTogetherTag: String? = nil
    ) {
        self.maxInstancesPerWave = maxInstancesPerWave
        self.maxDatasetBytesPerWave = maxDatasetBytesPerWave
        self.maxSyncSecondsPerWave = maxSyncSecondsPerWave
        self.tagOrder = tagOrder
        self.keepTogetherTag = keepTogetherTag
    }

    public static let bytesPerGiB: Double = 1024 * 1024 * 1024

    /// The constraints as the command line gives them: GiB and minutes. Throws on a value no plan can honour.
    public static func fromCommandLine(
        maxInstancesPerWave: Int?, maxGiBPerWave: Double?, maxSyncMinutesPerWave: Double?, orderByTag: String?,
        keepTogether: String?
    ) throws(PlanConstraintError) -> PlanConstraints {
        if let maxInstancesPerWave, maxInstancesPerWave < 1 {
            throw PlanConstraintError(option: "--max-instances-per-wave", message: "must be at least 1")
        }
        // Upper bounds keep the byte and second conversions finite (a petabyte per wave is already no limit).
        if let maxGiBPerWave, !(maxGiBPerWave > 0 && maxGiBPerWave <= 1_048_576) {
            throw PlanConstraintError(option: "--max-gib-per-wave", message: "must be above 0 and at most 1048576")
        }
        if let maxSyncMinutesPerWave, !(maxSyncMinutesPerWave > 0 && maxSyncMinutesPerWave <= 525_600) {
            throw PlanConstraintError(
                option: "--max-sync-minutes-per-wave", message: "must be above 0 and at most 525600 (a year)")
        }
        let tagOrder = try orderByTag.map { text throws(PlanConstraintError) in try TagOrder(parsing: text) }
        if let keepTogether, keepTogether.trimmingSpaces.isEmpty || keepTogether.contains("=") {
            throw PlanConstraintError(option: "--keep-together", message: "expected a tag key, e.g. app")
        }
        return PlanConstraints(
            maxInstancesPerWave: maxInstancesPerWave,
            maxDatasetBytesPerWave: maxGiBPerWave.map { Int64(($0 * bytesPerGiB).rounded(.down)) },
            maxSyncSecondsPerWave: maxSyncMinutesPerWave.map { $0 * 60 }, tagOrder: tagOrder,
            keepTogetherTag: keepTogether?.trimmingSpaces)
    }

    /// Which limits `instances`, `datasetBytes` and `syncSeconds` together exceed, by their plan.json names.
    func exceededLimits(instances: Int, datasetBytes: Int64, syncSeconds: Double) -> [String] {
        var exceeded: [String] = []
        if let maxInstancesPerWave, instances > maxInstancesPerWave { exceeded.append("max_instances_per_wave") }
        if let maxDatasetBytesPerWave, datasetBytes > maxDatasetBytesPerWave {
            exceeded.append("max_dataset_bytes_per_wave")
        }
        if let maxSyncSecondsPerWave, syncSeconds > maxSyncSecondsPerWave {
            exceeded.append("max_sync_seconds_per_wave")
        }
        return exceeded
    }
}
