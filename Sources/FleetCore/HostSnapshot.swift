import Foundation

/// Everything collected from one host in one run, as stored in `runs/<time>/hosts/<name>.json`.
///
/// Sections hold the (redacted, size-bounded) text real programs printed; parsing happens in RedisFacts when a run is
/// evaluated, so a stored run can be evaluated again by a newer fleet-audit without collecting again.
public struct HostSnapshot: Sendable, Hashable, Codable {
    /// Schema id; bump the number on any change a reader of version 1 would misread.
    public static let currentSchema = "fleet-audit.snapshot/1"

    public var schema: String
    public var host: HostIdentity
    public var collectedAt: Date
    /// `nil` when the host was reached and the collector ran; otherwise why not.
    public var failure: Failure?
    /// Host-level sections, keyed by `SectionName` raw values (meminfo, loadavg, ip_addr, imds, ...).
    public var sections: [String: CapturedSection]
    public var instances: [InstanceSnapshot]
    /// True when the host key was not verified for this collection.
    public var hostKeyUnverified: Bool

    public init(
        host: HostIdentity, collectedAt: Date, failure: Failure? = nil, sections: [String: CapturedSection] = [:],
        instances: [InstanceSnapshot] = [], hostKeyUnverified: Bool = false
    ) {
        self.schema = Self.currentSchema
        self.host = host
        self.collectedAt = collectedAt
        self.failure = failure
        self.sections = sections
        self.instances = instances
        self.hostKeyUnverified = hostKeyUnverified
    }

    public subscript(section: SectionName) -> CapturedSection? { sections[section.rawValue] }
}

/// Who a snapshot is about, as the inventory describes it.
public struct HostIdentity: Sendable, Hashable, Codable {
    public var name: String
    public var address: String
    public var port: Int
    public var tags: [String: String]
    public var groups: [String]
    /// VPC id from the inventory, used when instance metadata does not tell.
    public var vpcID: String?
    /// Security groups from the inventory, used when instance metadata does not tell.
    public var securityGroupIDs: [String]

    public init(
        name: String, address: String, port: Int = 22, tags: [String: String] = [:], groups: [String] = [],
        vpcID: String? = nil, securityGroupIDs: [String] = []
    ) {
        self.name = name
        self.address = address
        self.port = port
        self.tags = tags
        self.groups = groups
        self.vpcID = vpcID
        self.securityGroupIDs = securityGroupIDs
    }
}

/// One Redis instance (host + port) found on a host: the unit of migration.
public struct InstanceSnapshot: Sendable, Hashable, Codable {
    public enum Origin: String, Sendable, Codable {
        /// Listed in the inventory only (not seen running: it may be down).
        case inventory
        /// Found running (process list or listening socket) and not listed.
        case discovered
        /// Listed and found running.
        case both
    }

    public var port: Int
    public var pid: Int?
    /// Path of the config file the instance was started with, when known.
    public var configFile: String?
    public var origin: Origin
    /// Instance-level sections, keyed by `SectionName` raw values (info, config_get, client_list, ...).
    public var sections: [String: CapturedSection]
    /// redis.conf and every file it includes, in the order read, secrets redacted.
    public var configFiles: [ConfigFileCapture]
    /// True when the collector had to talk TLS to it (a TLS-only port); nil for plain TCP (and older snapshots).
    public var reachedOverTLS: Bool?

    public init(
        port: Int, pid: Int? = nil, configFile: String? = nil, origin: Origin,
        sections: [String: CapturedSection] = [:], configFiles: [ConfigFileCapture] = []
    ) {
        self.port = port
        self.pid = pid
        self.configFile = configFile
        self.origin = origin
        self.sections = sections
        self.configFiles = configFiles
    }

    public subscript(section: SectionName) -> CapturedSection? { sections[section.rawValue] }
}

/// The text one remote command printed, with how it ended.
public struct CapturedSection: Sendable, Hashable, Codable {
    public var exitCode: Int?
    public var text: String
    /// The collector cut the output at its size bound.
    public var truncated: Bool

    public init(exitCode: Int?, text: String, truncated: Bool = false) {
        self.exitCode = exitCode
        self.text = text
        self.truncated = truncated
    }

    public var succeeded: Bool { exitCode == 0 }
}

/// One configuration file as read on the host (secrets already redacted).
public struct ConfigFileCapture: Sendable, Hashable, Codable {
    public var path: String
    public var text: String

    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }
}

/// Names of snapshot sections: the contract between the collector (which writes them) and the rules (which read
/// them). Each holds the text of the program named in the comment.
public enum SectionName: String, Sendable, CaseIterable, Codable {
    // Host level
    /// `hostname`
    case hostname
    /// `/etc/os-release`
    case osRelease = "os_release"
    /// `/proc/meminfo`
    case meminfo
    /// `/proc/loadavg`
    case loadavg
    /// `nproc` (or count of processors in /proc/cpuinfo)
    case cpuCount = "cpu_count"
    /// Two `/proc/stat` "cpu" lines one short interval apart
    case cpuSample = "cpu_sample"
    /// cgroup memory limit (v2 `memory.max` or v1 `memory.limit_in_bytes`)
    case cgroupMemoryLimit = "cgroup_memory_limit"
    /// `/sys/kernel/mm/transparent_hugepage/enabled`
    case transparentHugepages = "thp"
    /// `/proc/sys/vm/overcommit_memory`
    case overcommitMemory = "overcommit_memory"
    /// `ip -j addr` (JSON) or `ip addr` (text), or /proc/net fallbacks
    case ipAddr = "ip_addr"
    /// `ip -j route` / `ip route` / `/proc/net/route`
    case ipRoute = "ip_route"
    /// `ss -ltnp` / `/proc/net/tcp` listening sockets
    case listeningSockets = "listening"
    /// Process list (`ps -eo pid,args` or /proc/*/cmdline)
    case processes
    /// `iptables -S` / `nft list ruleset` lines when readable
    case firewall
    /// EC2 instance metadata, `key=value` lines (instance-id, instance-type, ...), or absent when not on EC2
    case instanceMetadata = "imds"

    // Instance level
    /// `redis-cli INFO everything` (or `INFO all`, or `INFO`)
    case info
    /// `redis-cli CONFIG GET *` (alternating name and value lines)
    case configGet = "config_get"
    /// `redis-cli CLIENT LIST`
    case clientList = "client_list"
    /// `redis-cli MODULE LIST`
    case moduleList = "module_list"
    /// `redis-cli ACL LIST` (passwords redacted)
    case aclList = "acl_list"
    /// `df -Pk <dir>` for the instance's RDB `dir`
    case diskFree = "disk_free"
    /// `ps -o rss= -p <pid>` or /proc/<pid>/status VmRSS
    case processRSS = "process_rss"
}
