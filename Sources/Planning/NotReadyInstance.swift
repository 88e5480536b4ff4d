import FleetCore

/// A blocked, review or unreachable instance (or host), listed apart from the waves with what keeps it out.
public struct NotReadyInstance: Sendable, Hashable {
    public var host: String
    public var address: String
    /// Nil for a host that could not be audited or where no Redis instance was found.
    public var port: Int?
    /// `review`, `blocked` or `unreachable`.
    public var status: ReadinessStatus
    public var score: Double
    public var hostRank: Int
    public var tags: [String: String]
    public var datasetBytes: Int64?
    /// Why the host has no instance verdicts (unreachable, or no instance found); nil otherwise.
    public var reason: String?
    /// Blockers that fail or are unknown, target checks included: fixing all of them moves it into a wave.
    public var blockingChecks: [BlockingCheck]
    /// Warning-level checks that still fail or warn: the instance would move with status `warnings` until fixed.
    public var remainingWarnings: [String]

    public init(
        host: String, address: String, port: Int?, status: ReadinessStatus, score: Double, hostRank: Int,
        tags: [String: String], datasetBytes: Int64?, reason: String?, blockingChecks: [BlockingCheck],
        remainingWarnings: [String]
    ) {
        self.host = host
        self.address = address
        self.port = port
        self.status = status
        self.score = score
        self.hostRank = hostRank
        self.tags = tags
        self.datasetBytes = datasetBytes
        self.reason = reason
        self.blockingChecks = blockingChecks
        self.remainingWarnings = remainingWarnings
    }

    /// `host:port`, or the host's name alone.
    public var name: String { port.map { "\(host):\($0)" } ?? host }
}
