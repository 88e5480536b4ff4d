import FleetCore

/// One fix across the fleet: a blocking check id, how many not-ready instances it concerns and unblocks.
public struct BacklogItem: Sendable, Hashable {
    public var checkID: String
    public var title: String
    public var scope: BlockingCheck.Scope
    /// Not-ready instances this check blocks (fails or is unknown on).
    public var instances: Int
    /// Distinct hosts of those instances.
    public var hosts: Int
    /// Instances this check is the only blocker of: fixing it alone moves them into a wave.
    public var unblocksInstances: Int
    /// Hosts all of whose not-ready instances this fix alone unblocks.
    public var unblocksHosts: Int
    /// Of `instances`, how many fail and how many are unknown.
    public var failing: Int
    public var unknown: Int
    /// Distinct remediation texts, sorted (the rule's text names the instance's own values).
    public var remediations: [String]
    /// The instances concerned (`host:port`), in plan order.
    public var affected: [String]

    public init(
        checkID: String, title: String, scope: BlockingCheck.Scope, instances: Int, hosts: Int,
        unblocksInstances: Int, unblocksHosts: Int, failing: Int, unknown: Int, remediations: [String],
        affected: [String]
    ) {
        self.checkID = checkID
        self.title = title
        self.scope = scope
        self.instances = instances
        self.hosts = hosts
        self.unblocksInstances = unblocksInstances
        self.unblocksHosts = unblocksHosts
        self.failing = failing
        self.unknown = unknown
        self.remediations = remediations
        self.affected = affected
    }
}
