import Foundation

/// What a check observed and where: a file and line, an INFO field, a command, the target file.
public struct Evidence: Sendable, Hashable, Codable {
    /// Where the value came from, e.g. `/etc/redis/redis.conf:87`, `INFO replication.role`,
    /// `CONFIG GET protected-mode`, `/proc/meminfo MemAvailable`, `target.yaml engine_version`.
    public var source: String
    /// The observed value, as text (already redacted: never a secret).
    public var observed: String
    /// Optional short explanation ("last of 2 definitions", "running value differs").
    public var note: String?

    public init(source: String, observed: String, note: String? = nil) {
        self.source = source
        self.observed = observed
        self.note = note
    }
}

/// A waiver that turned a failing or warning result into `waived`.
public struct AppliedWaiver: Sendable, Hashable, Codable {
    public var reason: String
    /// ISO date (`YYYY-MM-DD`) after which the waiver no longer applies.
    public var expires: String
    /// The status the check had before the waiver.
    public var originalStatus: CheckStatus

    public init(reason: String, expires: String, originalStatus: CheckStatus) {
        self.reason = reason
        self.expires = expires
        self.originalStatus = originalStatus
    }
}

/// The result of one check on one instance, or on the target deployment.
public struct CheckResult: Sendable, Hashable, Codable {
    /// Stable id from checks.md, e.g. `source.protected-mode`. Used in every format, in waivers and in history.
    public var id: CheckID
    public var title: String
    public var severity: Severity
    public var status: CheckStatus
    /// One sentence a person can read in a table cell.
    public var summary: String
    public var evidence: [Evidence]
    /// What to change (config line, restart needed or not, safe `CONFIG SET`), when not passing.
    public var remediation: String?
    public var waiver: AppliedWaiver?

    public init(
        id: CheckID, title: String, severity: Severity, status: CheckStatus, summary: String,
        evidence: [Evidence] = [], remediation: String? = nil, waiver: AppliedWaiver? = nil
    ) {
        self.id = id
        self.title = title
        self.severity = severity
        self.status = status
        self.summary = summary
        self.evidence = evidence
        self.remediation = remediation
        self.waiver = waiver
    }
}

/// Facts about one instance that planning and reports need beside the checks.
public struct InstanceFacts: Sendable, Hashable, Codable {
    public var redisVersion: String?
    public var role: String?
    public var usedMemoryBytes: Int64?
    public var maxmemoryBytes: Int64?
    public var keys: Int64?
    public var keysWithExpiry: Int64?
    /// Logical databases holding keys.
    public var databasesWithKeys: [Int]
    /// Estimated full-sync duration at the policy's assumed bandwidth.
    public var estimatedSyncSeconds: Double?
    /// Smallest ElastiCache node type whose usable memory fits the dataset.
    public var smallestFittingNodeType: String?
    public var connectedClients: Int?
    /// Distinct client addresses (applications to repoint at cut-over).
    public var clientAddresses: [String]
    /// The full-sync model's inputs and outcome (source.full-sync), when write-rate samples were collected.
    public var fullSync: FullSyncFacts?
    /// The largest sampled keys (source.big-keys), when keys were sampled.
    public var largestKeys: [KeySizeFact]?

    public init(
        redisVersion: String? = nil, role: String? = nil, usedMemoryBytes: Int64? = nil, maxmemoryBytes: Int64? = nil,
        keys: Int64? = nil, keysWithExpiry: Int64? = nil, databasesWithKeys: [Int] = [],
        estimatedSyncSeconds: Double? = nil, smallestFittingNodeType: String? = nil, connectedClients: Int? = nil,
        clientAddresses: [String] = [], fullSync: FullSyncFacts? = nil, largestKeys: [KeySizeFact]? = nil
    ) {
        self.redisVersion = redisVersion
        self.role = role
        self.usedMemoryBytes = usedMemoryBytes
        self.maxmemoryBytes = maxmemoryBytes
        self.keys = keys
        self.keysWithExpiry = keysWithExpiry
        self.databasesWithKeys = databasesWithKeys
        self.estimatedSyncSeconds = estimatedSyncSeconds
        self.smallestFittingNodeType = smallestFittingNodeType
        self.connectedClients = connectedClients
        self.clientAddresses = clientAddresses
        self.fullSync = fullSync
        self.largestKeys = largestKeys
    }
}

/// Readiness of one Redis instance (host + port): the unit of migration.
public struct InstanceVerdict: Sendable, Hashable, Codable {
    public var port: Int
    public var status: ReadinessStatus
    /// 0...100, higher is readier; documented in docs/readiness.md.
    public var score: Double
    public var checks: [CheckResult]
    public var facts: InstanceFacts
    /// The instance's verdict on every target of the run (one per `--target`), best first is not implied: in the
    /// order the targets were given. `status`, `score` and `checks` are those of `bestPath`.
    public var paths: [PathVerdict]
    /// The target name of the path with the best status (ties: the higher score, then the first given).
    public var bestPath: String?

    public init(
        port: Int, status: ReadinessStatus, score: Double, checks: [CheckResult], facts: InstanceFacts,
        paths: [PathVerdict] = [], bestPath: String? = nil
    ) {
        self.port = port
        self.status = status
        self.score = score
        self.checks = checks
        self.facts = facts
        self.paths = paths
        self.bestPath = bestPath
    }
}

/// One instance on one migration path (target): its status, score and what blocks it there.
public struct PathVerdict: Sendable, Hashable, Codable {
    /// The target's name.
    public var target: String
    public var status: ReadinessStatus
    public var score: Double
    /// Blocker checks that fail or are unknown on this path (the instance's and the target's own).
    public var blockers: [CheckID]

    public init(target: String, status: ReadinessStatus, score: Double, blockers: [CheckID]) {
        self.target = target
        self.status = status
        self.score = score
        self.blockers = blockers
    }
}

/// One target of the run with its own target-level checks.
public struct TargetPath: Sendable, Hashable, Codable {
    public var target: TargetSummary
    public var profile: String
    public var targetChecks: [CheckResult]

    public init(target: TargetSummary, profile: String, targetChecks: [CheckResult]) {
        self.target = target
        self.profile = profile
        self.targetChecks = targetChecks
    }
}

/// Readiness of one host: the worst of its instances, or `unreachable` with the reason.
public struct HostVerdict: Sendable, Hashable, Codable {
    public var host: HostIdentity
    public var status: ReadinessStatus
    /// 1 = moves first.
    public var rank: Int
    public var score: Double
    /// Why the host could not be audited (status `unreachable`).
    public var reason: Failure?
    public var instances: [InstanceVerdict]
    public var hostKeyUnverified: Bool
    /// What kept this host's collection from being whole (output cut, timeout, forged frames): every format says it.
    public var collectionNotes: [CollectionNote]

    public init(
        host: HostIdentity, status: ReadinessStatus, rank: Int, score: Double, reason: Failure? = nil,
        instances: [InstanceVerdict], hostKeyUnverified: Bool = false, collectionNotes: [CollectionNote] = []
    ) {
        self.host = host
        self.status = status
        self.rank = rank
        self.score = score
        self.reason = reason
        self.instances = instances
        self.hostKeyUnverified = hostKeyUnverified
        self.collectionNotes = collectionNotes
    }
}

/// The target deployment as reports show it.
public struct TargetSummary: Sendable, Hashable, Codable {
    public var name: String
    public var engineVersion: String
    public var nodeType: String
    public var clusterMode: String
    /// Where the target came from: a target file path, or AWS CLI JSON files.
    public var source: String
    /// `redis` or `valkey`.
    public var engine: String
    /// `node-based` or `serverless`.
    public var deployment: String
    /// What a node holds for data: its memory less reserved memory and the policy's headroom (what
    /// `target.capacity` compares each dataset with). Nil for a serverless cache or a node type fleet-audit does not
    /// know.
    public var usableMemoryBytes: Int64?

    public init(
        name: String, engineVersion: String, nodeType: String, clusterMode: String, source: String,
        engine: String = "redis", deployment: String = "node-based", usableMemoryBytes: Int64? = nil
    ) {
        self.name = name
        self.engineVersion = engineVersion
        self.nodeType = nodeType
        self.clusterMode = clusterMode
        self.source = source
        self.engine = engine
        self.deployment = deployment
        self.usableMemoryBytes = usableMemoryBytes
    }
}

/// Everything one evaluation of one run produced: the input of every report format, of history and of planning.
public struct FleetVerdict: Sendable, Hashable, Codable {
    public var toolVersion: String
    /// Requirement profile used (`seed`, `aws-current`).
    public var profile: String
    public var target: TargetSummary
    /// Identifier of the evaluated run (its directory name, a UTC timestamp).
    public var runID: String
    public var inventoryDigest: String
    public var collectionStartedAt: Date
    public var collectionEndedAt: Date?
    public var targetChecks: [CheckResult]
    /// Hosts in rank order.
    public var hosts: [HostVerdict]
    /// True when any host's key was not verified.
    public var hostKeysUnverified: Bool
    /// Whether the run recorded every planned host; every report and plan format says so when it did not.
    public var completeness: RunCompleteness
    /// Every target of the run, in the order given (`target` is the first); one entry for a single target.
    public var paths: [TargetPath] = []

    public init(
        toolVersion: String, profile: String, target: TargetSummary, runID: String, inventoryDigest: String,
        collectionStartedAt: Date, collectionEndedAt: Date?, targetChecks: [CheckResult], hosts: [HostVerdict],
        hostKeysUnverified: Bool, completeness: RunCompleteness = .complete
    ) {
        self.toolVersion = toolVersion
        self.profile = profile
        self.target = target
        self.runID = runID
        self.inventoryDigest = inventoryDigest
        self.collectionStartedAt = collectionStartedAt
        self.collectionEndedAt = collectionEndedAt
        self.targetChecks = targetChecks
        self.hosts = hosts
        self.hostKeysUnverified = hostKeysUnverified
        self.completeness = completeness
    }
}

extension FleetVerdict {
    /// Instances per status; an unreachable host counts as one unreachable instance. The one counting rule of the
    /// report's summary and of every point on the readiness trend.
    public var instanceCounts: [ReadinessStatus: Int] {
        var counts: [ReadinessStatus: Int] = [:]
        for host in hosts {
            if host.status == .unreachable { counts[.unreachable, default: 0] += 1 }
            for instance in host.instances { counts[instance.status, default: 0] += 1 }
        }
        return counts
    }

    /// Hosts per status.
    public var hostCounts: [ReadinessStatus: Int] { Dictionary(grouping: hosts, by: \.status).mapValues(\.count) }
}
