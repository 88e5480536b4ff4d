import FleetCore
import Foundation
import RedisFacts

/// The host-level facts the rules read, parsed once per host (every instance of the host shares them).
public struct HostFacts: Sendable {
    public let memInfo: MemInfo?
    public let loadAverage: LoadAverage?
    public let cpuCount: Int?
    /// EC2 instance metadata, when the host answered it.
    public let metadata: InstanceMetadata?
    /// IPv4 addresses of the host's interfaces.
    public let interfaceAddresses: [String]
    /// How the collector's privileged reads went (`become: sudo`, refusals).
    public let access: AccessLog

    init(_ host: HostSnapshot) {
        memInfo = host[.meminfo].map { MemInfo(parsing: $0.text) }
        loadAverage = host[.loadavg].flatMap { LoadAverage(parsing: $0.text) }
        cpuCount = host[.cpuCount].flatMap { Int($0.text.trimmed) }
        let parsedMetadata = host[.instanceMetadata].flatMap { $0.succeeded ? InstanceMetadata(parsing: $0.text) : nil }
        metadata = parsedMetadata?.values.isEmpty == false ? parsedMetadata : nil
        interfaceAddresses = host[.ipAddr].map { InterfaceAddresses.ipv4(parsing: $0.text) } ?? []
        access = AccessLog(parsing: host[.access]?.text ?? "")
    }
}

/// Everything the rules read about one instance and its host, parsed once from the snapshot.
public struct InstanceContext: Sendable {
    public let host: HostSnapshot
    public let instance: InstanceSnapshot
    public let target: Target
    public let hostFacts: HostFacts
    public let info: RedisInfo
    public let configGet: ConfigGetReply?
    public let configuration: RedisConfiguration?
    /// `CLIENT LIST`, parsed once for every rule (and the facts) that read it.
    public let clients: [ClientList.Client]

    init(host: HostSnapshot, hostFacts: HostFacts, instance: InstanceSnapshot, target: Target) {
        self.host = host
        self.hostFacts = hostFacts
        self.instance = instance
        self.target = target
        info = RedisInfo(parsing: instance[.info]?.text ?? "")
        clients = ClientList(parsing: instance[.clientList]?.text ?? "").clients
        // CONFIG GET answered only when the reply has name/value pairs (a renamed CONFIG prints an error line).
        let reply = instance[.configGet].map { ConfigGetReply(parsing: $0.text) }
        configGet = (reply?.values.count ?? 0) > 1 ? reply : nil
        // Only files that were read are configuration: a failed or skipped read is evidence of the failure, never
        // parsed as content (a "Permission denied" parsed as an empty redis.conf once passed a blocker).
        let read = instance.configFiles.filter(\.wasRead)
        unreadConfigFiles = instance.configFiles.filter { !$0.wasRead || $0.truncated == true }
        if let main = instance.configFile, read.contains(where: { $0.path == main }) {
            configuration = RedisConfiguration(
                files: read.map { ConfigSourceFile(path: $0.path, text: $0.text) }, mainFile: main)
        } else {
            configuration = nil
        }
    }

    /// Config files the collector found but could not read whole (failed, skipped or cut): a value they hold is
    /// unknown, so no check may pass on the absence of a directive while this is not empty.
    public let unreadConfigFiles: [ConfigFileCapture]

    /// One line naming the unread files and why, for `unknown` results.
    public var unreadConfigSummary: String {
        unreadConfigFiles.prefix(3).map { file in
            let why =
                file.deniedToLoginUser
                ? privilegeRemedy
                : file.skipped
                    ?? (file.truncated == true ? "cut at the size bound" : "read failed (exit \(file.exitCode ?? -1))")
            return "\(file.path): \(why)"
        }.joined(separator: "; ")
    }

    /// Whether a config file went unread only because the login user may not read it (the fix is privilege).
    public var configDeniedToLoginUser: Bool { unreadConfigFiles.contains(where: \.deniedToLoginUser) }

    /// What to do about a read the login user was refused: ask for sudo, or, when sudo was asked for and refused,
    /// install the documented rule.
    public var privilegeRemedy: String {
        hostFacts.access.sudoRefused
            ? "readable only by root/redis, and sudo -n was refused: install the sudoers rule of docs/collector.md, "
                + "or grant read access"
            : "readable only by root/redis: add become: sudo, or grant read access"
    }

    /// Whether INFO answered at all (false: instance down, NOAUTH, or redis-cli missing).
    public var answered: Bool { info.version != nil }

    /// Why INFO did not answer, in the server's words, for `unknown` results.
    public var silenceReason: String {
        guard let section = instance[.info] else { return "the collector did not reach this instance" }
        let text = section.text.trimmed
        return text.isEmpty ? "no INFO reply (exit \(section.exitCode ?? -1))" : "INFO said: \(text.prefix(120))"
    }

    /// A setting's effective value: the running value (CONFIG GET) when readable, else redis.conf's last
    /// occurrence, else nil. The evidence says which.
    public func setting(_ name: String) -> (value: String, evidence: Evidence)? {
        if let value = configGet?[name] {
            return (value, Evidence(source: "CONFIG GET \(name)", observed: value.isEmpty ? "\"\"" : value))
        }
        if let directive = configuration?.effective(name) {
            return (
                directive.value, Evidence(source: directive.location, observed: "\(directive.name) \(directive.value)")
            )
        }
        return nil
    }

    public func infoEvidence(_ field: String) -> Evidence {
        Evidence(source: info.source(of: field), observed: info[field] ?? "absent")
    }

    // Host facts, shared by the host's instances.
    public var memInfo: MemInfo? { hostFacts.memInfo }
    public var loadAverage: LoadAverage? { hostFacts.loadAverage }
    public var cpuCount: Int? { hostFacts.cpuCount }
    public var metadata: InstanceMetadata? { hostFacts.metadata }
    public var interfaceAddresses: [String] { hostFacts.interfaceAddresses }

    public var usedMemory: Int64? { info.usedMemory }

    /// The sum of per-database counts (`keys=`, `expires=`): nil when one is unusable or the sum does not fit in
    /// Int64 (two databases near Int64.max each), so the total is unknown rather than a trap or a partial sum.
    public static func total(_ counts: [Int64?]) -> Int64? {
        var values: [Int64] = []
        for count in counts {
            guard let count else { return nil }
            values.append(count)
        }
        return values.checkedSum()
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
