import Foundation

/// What a run was and how each host ended. `complete` is true only when every host was recorded.
///
/// Written twice: at the start (with `plannedHosts`, `complete` false, no outcomes) and once at the end. A run killed
/// in between keeps the first version, so a reader knows which planned hosts have no snapshot; it is never rewritten
/// per host, which would cost O(n²) writes at 10,000 hosts.
public struct RunManifest: Sendable, Codable, Hashable {
    public struct HostOutcome: Sendable, Codable, Hashable {
        public var name: String
        public var address: String
        /// `collected` or `unreachable`.
        public var outcome: String
        public var errorClass: String?
        public var phase: String?
        public var message: String?
        public var instances: Int

        public init(
            name: String, address: String, outcome: String, errorClass: String?, phase: String?, message: String?,
            instances: Int
        ) {
            self.name = name
            self.address = address
            self.outcome = outcome
            self.errorClass = errorClass
            self.phase = phase
            self.message = message
            self.instances = instances
        }
    }

    public var schema: String
    public var runID: String
    public var toolVersion: String
    public var inventoryPath: String
    public var inventoryDigest: String
    public var startedAt: Date
    public var endedAt: Date?
    public var complete: Bool
    public var hostKeysVerified: Bool
    public var hosts: [HostOutcome]
    /// Every selected host's name, in inventory order, written before any host is contacted. Empty in manifests
    /// written before fleet-audit recorded it (then the missing hosts of an incomplete run are unknown).
    public var plannedHosts: [String]

    public init(
        schema: String, runID: String, toolVersion: String, inventoryPath: String, inventoryDigest: String,
        startedAt: Date, endedAt: Date?, complete: Bool, hostKeysVerified: Bool, hosts: [HostOutcome],
        plannedHosts: [String] = []
    ) {
        self.schema = schema
        self.runID = runID
        self.toolVersion = toolVersion
        self.inventoryPath = inventoryPath
        self.inventoryDigest = inventoryDigest
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.complete = complete
        self.hostKeysVerified = hostKeysVerified
        self.hosts = hosts
        self.plannedHosts = plannedHosts
    }

    enum CodingKeys: String, CodingKey {
        case schema, runID, toolVersion, inventoryPath, inventoryDigest, startedAt, endedAt, complete
        case hostKeysVerified, hosts, plannedHosts
    }

    /// Decodes manifests of every fleet-audit version: `plannedHosts` is absent from older ones (an additive key:
    /// the schema stays `fleet-audit.run/1`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        schema = try container.decode(String.self, forKey: .schema)
        runID = try container.decode(String.self, forKey: .runID)
        toolVersion = try container.decode(String.self, forKey: .toolVersion)
        inventoryPath = try container.decode(String.self, forKey: .inventoryPath)
        inventoryDigest = try container.decode(String.self, forKey: .inventoryDigest)
        startedAt = try container.decode(Date.self, forKey: .startedAt)
        endedAt = try container.decodeIfPresent(Date.self, forKey: .endedAt)
        complete = try container.decode(Bool.self, forKey: .complete)
        hostKeysVerified = try container.decode(Bool.self, forKey: .hostKeysVerified)
        hosts = try container.decode([HostOutcome].self, forKey: .hosts)
        plannedHosts = try container.decodeIfPresent([String].self, forKey: .plannedHosts) ?? []
    }
}
