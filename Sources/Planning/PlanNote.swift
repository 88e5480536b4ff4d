/// Something a reader of the plan must know: an instance over a limit, a split group, unknown sizes, ...
public struct PlanNote: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// One instance alone exceeds a limit: it has a wave of its own.
        case oversizedInstance = "oversized-instance"
        /// A keep-together group does not fit in one wave: split across the waves listed.
        case groupSplit = "group-split"
        /// A keep-together group spans several `--order-by-tag` values: each value's part moves with its value.
        case groupSpansOrder = "group-spans-order"
        /// Instances whose dataset size is unknown: counted as 0 in the limits.
        case unknownDataset = "unknown-dataset"
        /// Instances without the order tag, or with a value not listed: they move after every listed value.
        case unlistedOrderValue = "unlisted-order-value"
        /// Hosts that could not be audited: not planned.
        case unreachableHosts = "unreachable-hosts"
        /// No ready or warnings instance: no wave.
        case nothingToPlan = "nothing-to-plan"
    }

    public var kind: Kind
    public var message: String
    /// The keep-together tag value, for the group notes.
    public var group: String?
    /// Instances (`host:port`) or hosts concerned.
    public var instances: [String]
    /// Waves concerned.
    public var waves: [Int]

    public init(kind: Kind, message: String, group: String? = nil, instances: [String] = [], waves: [Int] = []) {
        self.kind = kind
        self.message = message
        self.group = group
        self.instances = instances
        self.waves = waves
    }
}
