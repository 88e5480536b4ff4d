import FleetCore
import Foundation
import GRDB

// The rows of history.sqlite's tables (HistorySchema), as GRDB Codable records, and their conversions to and from
// the verdict. Column names are the snake_case of the property names; nested values (tags, facts) are stored as
// JSON text. Decoding throws on a malformed row instead of trapping. Check blocks have no record: they are written
// by `HistoryRowWriter` and read as JSON (`CheckBlockJSON`, `CheckOutlineReader`).

/// A row of `run`.
struct RunRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "run"
    static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    var id: String
    var startedAt: Date
    var endedAt: Date?
    var recordedAt: Date
    var toolVersion: String
    var profile: String
    var inventoryPath: String
    var inventoryDigest: String
    var hostKeysVerified: Bool
    var targetName: String
    var targetEngineVersion: String
    var targetNodeType: String
    var targetClusterMode: String
    var targetSource: String

    init(_ verdict: FleetVerdict, manifest: RunManifest, recordedAt: Date) {
        id = verdict.runID
        startedAt = verdict.collectionStartedAt
        endedAt = verdict.collectionEndedAt
        self.recordedAt = recordedAt
        toolVersion = verdict.toolVersion
        profile = verdict.profile
        inventoryPath = manifest.inventoryPath
        inventoryDigest = verdict.inventoryDigest
        hostKeysVerified = !verdict.hostKeysUnverified
        targetName = verdict.target.name
        targetEngineVersion = verdict.target.engineVersion
        targetNodeType = verdict.target.nodeType
        targetClusterMode = verdict.target.clusterMode
        targetSource = verdict.target.source
    }

    var target: TargetSummary {
        TargetSummary(
            name: targetName, engineVersion: targetEngineVersion, nodeType: targetNodeType,
            clusterMode: targetClusterMode, source: targetSource)
    }
}

/// A row of `host`.
struct HostRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "host"
    static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    var runId: String
    var name: String
    var address: String
    var sshPort: Int
    var tags: [String: String]
    var hostGroups: [String]
    var vpcId: String?
    var securityGroupIds: [String]
    var status: ReadinessStatus
    var rank: Int
    var score: Double
    var reasonClass: FailureClass?
    var reasonPhase: SessionPhase?
    var reasonMessage: String?
    var hostKeyVerified: Bool

    init(_ host: HostVerdict, runID: String) {
        runId = runID
        name = host.host.name
        address = host.host.address
        sshPort = host.host.port
        tags = host.host.tags
        hostGroups = host.host.groups
        vpcId = host.host.vpcID
        securityGroupIds = host.host.securityGroupIDs
        status = host.status
        rank = host.rank
        score = host.score
        reasonClass = host.reason?.errorClass
        reasonPhase = host.reason?.phase
        reasonMessage = host.reason?.message
        hostKeyVerified = !host.hostKeyUnverified
    }

    func verdict(instances: [InstanceVerdict]) -> HostVerdict {
        HostVerdict(
            host: HostIdentity(
                name: name, address: address, port: sshPort, tags: tags, groups: hostGroups, vpcID: vpcId,
                securityGroupIDs: securityGroupIds),
            status: status, rank: rank, score: score,
            reason: reasonClass.map { Failure($0, phase: reasonPhase, message: reasonMessage ?? "") },
            instances: instances, hostKeyUnverified: !hostKeyVerified)
    }
}

/// A row of `instance`.
struct InstanceRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "instance"
    static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    var runId: String
    var hostName: String
    var port: Int
    var position: Int
    var status: ReadinessStatus
    var score: Double
    var redisVersion: String?
    var role: String?
    var usedMemoryBytes: Int64?
    var maxmemoryBytes: Int64?
    var keyCount: Int64?
    var facts: InstanceFacts

    init(_ instance: InstanceVerdict, runID: String, hostName: String, position: Int) {
        runId = runID
        self.hostName = hostName
        port = instance.port
        self.position = position
        status = instance.status
        score = instance.score
        redisVersion = instance.facts.redisVersion
        role = instance.facts.role
        usedMemoryBytes = instance.facts.usedMemoryBytes
        maxmemoryBytes = instance.facts.maxmemoryBytes
        keyCount = instance.facts.keys
        facts = instance.facts
    }

    func verdict(checks: [CheckResult]) -> InstanceVerdict {
        InstanceVerdict(port: port, status: status, score: score, checks: checks, facts: facts)
    }
}
