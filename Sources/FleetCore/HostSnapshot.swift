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
    /// Frames the collector did not write (forged or corrupted), kept as bounded data.
    public var unexpectedSections: [UnexpectedSection]
    /// What kept this collection from being whole (output cut at its cap, a timeout, dropped sections).
    public var collectionNotes: [CollectionNote]

    public init(
        host: HostIdentity, collectedAt: Date, failure: Failure? = nil, sections: [String: CapturedSection] = [:],
        instances: [InstanceSnapshot] = [], hostKeyUnverified: Bool = false,
        unexpectedSections: [UnexpectedSection] = [], collectionNotes: [CollectionNote] = []
    ) {
        self.schema = Self.currentSchema
        self.host = host
        self.collectedAt = collectedAt
        self.failure = failure
        self.sections = sections
        self.instances = instances
        self.hostKeyUnverified = hostKeyUnverified
        self.unexpectedSections = unexpectedSections
        self.collectionNotes = collectionNotes
    }

    private enum CodingKeys: String, CodingKey {
        case schema, host, collectedAt, failure, sections, instances, hostKeyUnverified, unexpectedSections
        case collectionNotes
    }

    /// Snapshots written before `unexpectedSections` and `collectionNotes` existed read with both empty.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        schema = try container.decode(String.self, forKey: .schema)
        host = try container.decode(HostIdentity.self, forKey: .host)
        collectedAt = try container.decode(Date.self, forKey: .collectedAt)
        failure = try container.decodeIfPresent(Failure.self, forKey: .failure)
        sections = try container.decode([String: CapturedSection].self, forKey: .sections)
        instances = try container.decode([InstanceSnapshot].self, forKey: .instances)
        hostKeyUnverified = try container.decode(Bool.self, forKey: .hostKeyUnverified)
        unexpectedSections = try container.decodeIfPresent([UnexpectedSection].self, forKey: .unexpectedSections) ?? []
        collectionNotes = try container.decodeIfPresent([CollectionNote].self, forKey: .collectionNotes) ?? []
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
    /// Whether the auditor sent this instance a password (the inventory's). false is evidence in itself: whatever
    /// answered then needed none. nil when not recorded (older snapshots).
    public var sentCredentials: Bool?

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

    /// The text, when it is what the command was meant to capture; nil when the read failed. A failed read is
    /// evidence of the failure (`failure` says which), never content: "Permission denied" is not an empty file,
    /// and `NOPERM` is not an empty module list.
    public var content: String? { failure == nil ? text : nil }

    /// Why the read failed: a non-zero exit status, or a reply that is an error. redis-cli exits 0 on an error
    /// reply when its output is not a terminal (measured on 7.0.15), so the reply's first line decides. Nearly every
    /// text settles that with its first bytes (`isCertainlyContent`); the rest goes through `firstLineFailure`.
    public var failure: String? { isCertainlyContent ? nil : firstLineFailure }

    /// `failure` found by trimming the first line with something on it with Foundation (microseconds a section,
    /// for every section of every host of a run): the definition `isCertainlyContent` shortens.
    var firstLineFailure: String? {
        if let exitCode, exitCode != 0 { return "exit status \(exitCode)" }
        guard exitCode != nil else { return "no exit status recorded" }
        // The first line with something on it, found without splitting the whole text (a command table is
        // hundreds of lines, and this runs for every section read).
        var first = ""
        var rest = text[...]
        while !rest.isEmpty {
            let end = rest.firstIndex(where: \.isNewline) ?? rest.endIndex
            first = rest[..<end].trimmingCharacters(in: .whitespaces)
            if !first.isEmpty || end == rest.endIndex { break }
            rest = rest[rest.index(after: end)...]
        }
        guard Self.errorPrefixes.contains(where: { first.hasPrefix($0) }) else { return nil }
        return String(first.prefix(160))
    }

    /// How Redis error replies (and redis-cli's own failures) begin: `ERR unknown command`, `NOPERM this user has
    /// no permissions`, `NOAUTH Authentication required`, `-DENIED Redis is running in protected mode`, ...
    static let errorPrefixes = [
        "ERR ", "ERR:", "-ERR", "(error)", "NOPERM", "NOAUTH", "WRONGPASS", "LOADING", "BUSY", "MISCONF", "READONLY",
        "MASTERDOWN", "DENIED", "-DENIED", "NOREPLICAS", "Could not connect", "Error: ", "AUTH failed",
    ]
}

/// Something that kept one host's collection from being whole; every report shows it beside the host.
public struct CollectionNote: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The host printed more than the per-host output cap: the engine stopped reading and closed the channel.
        case outputCut = "output-cut"
        /// The collector did not finish within its deadline: what arrived before is kept.
        case timedOut = "timed-out"
        /// More sections or instances than the per-host bounds: the rest were counted and dropped.
        case sectionsDropped = "sections-dropped"
        /// Frames the collector did not write (see `HostSnapshot.unexpectedSections`).
        case unexpectedSections = "unexpected-sections"
        /// Sections that began and never ended (output cut, or a forged frame).
        case unterminatedSections = "unterminated-sections"
        /// What the login user could not read, and what `become: sudo` was needed for (`AccessLog.note`). Not a cut:
        /// renderers show it apart from "not collected whole".
        case access
    }

    public var kind: Kind
    /// One sentence, made from the auditor's own words and numbers only (never remote text).
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}

/// One configuration file as the collector found it on the host (secrets already redacted).
///
/// Only a file that was read (`wasRead`) has content: a failed read (`cat: ...: Permission denied`) or a skipped
/// file keeps its message in `text` as evidence of the failure, never as configuration.
public struct ConfigFileCapture: Sendable, Hashable, Codable {
    public var path: String
    public var text: String
    /// Exit status of the bounded read (nil in snapshots written before it was recorded, which count as read).
    public var exitCode: Int?
    /// Why the collector did not copy it (not a regular file, not readable by the server's user, ...).
    public var skipped: String?
    /// The file was larger than the collector's bound; only its beginning is here.
    public var truncated: Bool?

    public init(path: String, text: String, exitCode: Int? = 0, skipped: String? = nil, truncated: Bool = false) {
        self.path = path
        self.text = text
        self.exitCode = exitCode
        self.skipped = skipped
        self.truncated = truncated ? true : nil
    }

    /// The text is the file's content: the read succeeded and nothing was skipped.
    public var wasRead: Bool { skipped == nil && (exitCode ?? 0) == 0 }

    /// Not read because the login user was refused (`cat: ...: Permission denied`, or a folder it may not enter):
    /// the fix is privilege (`become: sudo`) or read access, not the file. Decided on the text as the host printed it
    /// (`SnapshotBuilder`), before redaction, which reads an error message like a config line.
    public var refusedToLoginUser: Bool?

    public var deniedToLoginUser: Bool { !wasRead && refusedToLoginUser == true }

    /// Whether a failed read's own message says the login user was refused.
    public static func saysPermissionDenied(_ message: String) -> Bool {
        message.contains("Permission denied")
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
    /// How the collector's reads went: through `sudo -n`, refused, or not readable as the login user (`AccessLog`)
    case access

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
    /// One config file (redis.conf or an include), read bounded; `path=` names it on the host.
    case configFile = "config_file"
    /// The server's command line (`from cmdline|parent|systemd UNIT|title`, then one argument per line): the layer of
    /// settings above redis.conf.
    case commandLine = "command_line"
    /// `COMMAND` reduced to one `name flag...` line per command the server runs (renamed ones under their new name).
    case commandTable = "command_table"
    /// `COMMAND INFO` of the commands that must keep their names: one `name yes|no` line each (no: renamed or
    /// disabled).
    case commandLookup = "command_lookup"
    /// `CLUSTER NODES` of a cluster-mode node: every node, its role and its slots.
    case clusterNodes = "cluster_nodes"
    /// A config file the collector did not copy (not a regular file, not readable by the server's user, a
    /// credential store): the text says why. `path=` names it.
    case configFileSkipped = "config_file_skipped"
    /// Two write-rate samples (`time SECONDS`, then INFO's `master_repl_offset`, `total_net_input_bytes`,
    /// `server_time_usec`, ... lines) a few seconds apart, for the full-sync model.
    case writeSample = "write_sample"
    /// Bounded key sampling (SCAN, TYPE, MEMORY USAGE or a length command): a `sampled` line, then the largest keys as
    /// `key DB TYPE SIZE MEASURE NAME`, NAME quoted by redis-cli or `sha256:<12 hex>` when names are hidden.
    case keySample = "key_sample"

    /// Whether a section describes the host or one Redis instance (and then carries `port=`).
    public enum Scope: Sendable { case host, instance, hostOrInstance }

    public var scope: Scope {
        switch self {
        case .hostname, .osRelease, .meminfo, .loadavg, .cpuCount, .cpuSample, .transparentHugepages,
            .overcommitMemory, .ipAddr, .ipRoute, .listeningSockets, .processes, .firewall, .instanceMetadata, .access:
            return .host
        case .cgroupMemoryLimit:
            // Both: the host's root cgroup limit, and the limit of the cgroup a redis-server runs in.
            return .hostOrInstance
        case .info, .configGet, .clientList, .moduleList, .aclList, .diskFree, .processRSS, .configFile,
            .configFileSkipped, .commandLine, .commandTable, .commandLookup, .clusterNodes, .writeSample, .keySample:
            return .instance
        }
    }

    /// Only config file sections carry a `path=` attribute.
    public var carriesPath: Bool { self == .configFile || self == .configFileSkipped }
}

/// A frame whose name or attributes are not the collector's (a forged or corrupted section): kept as data, bounded,
/// never used to name a file or an instance.
public struct UnexpectedSection: Sendable, Hashable, Codable {
    /// The name as printed, at most 80 characters; show it only through an output sanitiser.
    public var name: String
    /// Why it was not accepted ("not a section the collector writes", "port out of range", ...).
    public var reason: String
    public var text: String
    public var truncated: Bool

    public init(name: String, reason: String, text: String, truncated: Bool) {
        self.name = name
        self.reason = reason
        self.text = text
        self.truncated = truncated
    }
}
