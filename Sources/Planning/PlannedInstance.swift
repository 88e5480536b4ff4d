import FleetCore

/// One ready or warnings instance placed in a wave.
public struct PlannedInstance: Sendable, Hashable {
    public var host: String
    public var address: String
    public var port: Int
    /// `ready` or `warnings`.
    public var status: ReadinessStatus
    public var score: Double
    /// The host's rank in the evaluated run (1 = moves first).
    public var hostRank: Int
    /// `used_memory`; nil when the instance did not say (counted as 0 in totals, and flagged).
    public var datasetBytes: Int64?
    /// Estimated full-sync duration at the target policy's assumed bandwidth; nil with an unknown dataset.
    public var estimatedSyncSeconds: Double?
    /// The host's tags.
    public var tags: [String: String]

    public init(
        host: String, address: String, port: Int, status: ReadinessStatus, score: Double, hostRank: Int,
        datasetBytes: Int64?, estimatedSyncSeconds: Double?, tags: [String: String]
    ) {
        self.host = host
        self.address = address
        self.port = port
        self.status = status
        self.score = score
        self.hostRank = hostRank
        self.datasetBytes = datasetBytes
        self.estimatedSyncSeconds = estimatedSyncSeconds
        self.tags = tags
    }

    /// `host:port`, how notes and waivers name an instance.
    public var name: String { "\(host):\(port)" }
}
