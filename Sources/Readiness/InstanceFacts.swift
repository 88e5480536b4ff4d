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
    /// The host's root cgroup memory limit in bytes, when one is set and readable.
    public let cgroupMemoryLimit: Int64?
    /// `vm.overcommit_memory` as the host reports it.
    public let overcommitMemory: String?
    /// The selected transparent huge page mode (`always`, `madvise`, `never`).
    public let transparentHugepages: String?
    /// The process list's lines (`PID ARGS`), when it was read.
    public let processes: [Substring]?
    /// The lines of `processes` that are Redis Sentinels (`SentinelProcesses`), found once for the host's instances.
    public let sentinelProcesses: [Substring]
    /// The firewall listing (`iptables -S` or `nft list ruleset`), when it was read.
    public let firewall: String?

    init(_ host: HostSnapshot) {
        // Only what was read: a failed read (`content` nil) is evidence of the failure, never parsed.
        memInfo = host[.meminfo]?.content.map { MemInfo(parsing: $0) }
        loadAverage = host[.loadavg]?.content.flatMap { LoadAverage(parsing: $0) }
        cpuCount = host[.cpuCount]?.content.flatMap { Int($0.trimmed) }
        let parsedMetadata = host[.instanceMetadata]?.content.map { InstanceMetadata(parsing: $0) }
        metadata = parsedMetadata?.values.isEmpty == false ? parsedMetadata : nil
        interfaceAddresses = host[.ipAddr]?.content.map { InterfaceAddresses.ipv4(parsing: $0) } ?? []
        access = AccessLog(parsing: host[.access]?.text ?? "")
        cgroupMemoryLimit = host[.cgroupMemoryLimit]?.content.flatMap { Int64($0.trimmed) }.flatMap {
            $0 >= 0 ? $0 : nil
        }
        overcommitMemory = host[.overcommitMemory]?.content.map(\.trimmed).flatMap { $0.isEmpty ? nil : $0 }
        transparentHugepages = host[.transparentHugepages]?.content.flatMap(
            TransparentHugepages.mode(parsing:))
        processes = host[.processes]?.content.map(\.newlineSeparatedLines)
        sentinelProcesses = processes.map(SentinelProcesses.lines(in:)) ?? []
        firewall = host[.firewall]?.content
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
    /// `ACL LIST`, when it answered (Redis 6+); nil when not collected or refused.
    public let acl: ACLList?
    /// Whether CLIENT LIST answered (an empty `clients` then means no client, not an unread list).
    public let clientsWereRead: Bool
    /// `MODULE LIST`, when it answered; otherwise why not (`failure`), for the modules check.
    public let modules: Result<[ModuleList.Module], ReadFailure>
    /// Bytes free in the RDB directory's file system (`df -Pk dir`), when read.
    public let diskFreeBytes: Int64?
    /// `CLUSTER NODES` of a cluster-mode node, when read: its cluster's primaries and their slots.
    public let clusterNodes: ClusterNodes?
    /// The command line the server started with, when it could be seen (parsed once: every setting lookup reads it).
    public let commandLineLayer: Layer<ServerCommandLine>
    /// `COMMAND`, when the server answered it with a command table.
    public let commandTable: CommandTable?
    /// `COMMAND INFO` of the commands that must keep their names, when the server answered it.
    public let commandLookup: CommandLookup?
    /// The two write-rate samples (`write_sample`), or why there are none (not sampled, skipped, failed).
    public let writeSamples: Result<WriteRateSamples, ReadFailure>
    /// The bounded key sampling (`key_sample`), or why there is none.
    public let keySample: Result<KeySample, ReadFailure>

    init(
        host: HostSnapshot, hostFacts: HostFacts, instance: InstanceSnapshot, target: Target,
        commandTables: inout CommandTableCache
    ) {
        self.host = host
        self.hostFacts = hostFacts
        self.instance = instance
        self.target = target
        // Each section is read once, through `content`.
        let infoSection = instance[.info]
        info = RedisInfo(parsing: infoSection?.content ?? "")
        refusedForPassword = infoSection?.failure?.hasPrefix("NOAUTH") == true
        let clientList = instance[.clientList]?.content
        clients = ClientList(parsing: clientList ?? "").clients
        acl = instance[.aclList]?.content.map(ACLList.init(parsing:))
        clientsWereRead = clientList != nil
        if let section = instance[.moduleList] {
            modules =
                section.content.map { .success(ModuleList(parsing: $0).modules) }
                ?? .failure(ReadFailure(reason: section.failure ?? "no reply"))
        } else {
            modules = .failure(ReadFailure(reason: "not collected"))
        }
        diskFreeBytes = instance[.diskFree]?.content.flatMap(DiskFree.availableBytes(parsing:))
        clusterNodes = instance[.clusterNodes]?.content.flatMap(ClusterNodes.init(parsing:))
        commandLineLayer = Self.commandLineLayer(of: instance)
        commandTable = instance[.commandTable].flatMap {
            $0.truncated ? nil : $0.content.flatMap { commandTables.table(parsing: $0) }
        }
        commandLookup = instance[.commandLookup].flatMap {
            $0.truncated ? nil : $0.content.flatMap { commandTables.lookup(parsing: $0) }
        }
        writeSamples = Self.parsed(instance[.writeSample], WriteRateSamples.init(parsing:))
        keySample = Self.parsed(instance[.keySample], KeySample.init(parsing:))
        // CONFIG GET answered only when the reply has name/value pairs (a renamed CONFIG prints an error line).
        let reply = instance[.configGet]?.content.map { ConfigGetReply(parsing: $0) }
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
        // Last: the model reads the facts above. The full-sync rule and the instance's facts share it.
        fullSync = FullSyncModel(self)
    }

    /// The full-sync model of this instance (`FullSyncModel`), worked out once for the rule and the report's facts.
    public private(set) var fullSync = FullSyncModel.empty

    /// A sampling section parsed, or why not: not collected, a failed or skipped run (its first line says why), cut,
    /// or text that is not the format.
    static func parsed<Value>(_ section: CapturedSection?, _ parse: (String) -> Value?) -> Result<Value, ReadFailure> {
        guard let section else { return .failure(ReadFailure(reason: "not collected")) }
        guard let text = section.content else {
            let first = section.text.split(whereSeparator: \.isNewline).last {
                $0.hasPrefix("skipped:") || $0.hasPrefix("failed:")
            }
            return .failure(ReadFailure(reason: first.map { String($0.prefix(200)) } ?? section.failure ?? "failed"))
        }
        guard !section.truncated, let value = parse(text) else {
            return .failure(
                ReadFailure(reason: section.truncated ? "cut at the size bound" : "not in the expected format"))
        }
        return .success(value)
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

    /// Whether INFO was refused for want of a password (`NOAUTH`): the refusal is the evidence that one is needed.
    public let refusedForPassword: Bool

    /// Whether INFO answered at all (false: instance down, NOAUTH, or redis-cli missing).
    public var answered: Bool { info.version != nil }

    /// Why INFO did not answer, in the server's words, for `unknown` results.
    public var silenceReason: String {
        guard let section = instance[.info] else { return "the collector did not reach this instance" }
        let text = section.text.trimmed
        return text.isEmpty ? "no INFO reply (exit \(section.exitCode ?? -1))" : "INFO said: \(text.prefix(120))"
    }

    /// A setting's effective value and the evidence of the layer that decided it, or nil when no layer can tell
    /// (`settingGap` says why). See `SettingLookup`.
    public func setting(_ name: String) -> (value: String, evidence: Evidence)? {
        guard case .known(let value, let evidence) = lookUp(name) else { return nil }
        return (value, evidence)
    }

    /// Why `setting(name)` is nil, for `unknown` results: which layer could hide the value, or that the release
    /// has no such setting.
    public func settingGap(_ name: String) -> String {
        switch lookUp(name) {
        case .known: return ""
        case .notInRelease(let why), .hidden(let why): return why
        }
    }

    /// Resolves a setting the way the server does, in layers: the running value (`CONFIG GET`) when the auditor may
    /// read it; else the command line's last `--name` (Redis applies it after the file), then redis.conf's last
    /// line with its includes, then the default of this engine and release. A layer that could not be read hides
    /// every layer below it: then the value is unknown, never the default.
    public func lookUp(_ name: String) -> SettingLookup {
        let name = name.lowercased()
        if let configGet {
            if let value = configGet[name] {
                return .known(value, Evidence(source: "CONFIG GET \(name)", observed: value.isEmpty ? "\"\"" : value))
            }
            // CONFIG GET * lists every setting the server has: one it lacks is one this release does not have.
            return serverDefault(name)
        }
        switch commandLineLayer {
        case .read(let commandLine):
            if let option = commandLine.effective(name) {
                return .known(
                    option.value,
                    Evidence(source: commandLine.source, observed: "--\(option.name) \(option.value)".trimmed))
            }
        case .hidden(let why):
            return .hidden("CONFIG GET is not available and \(why)")
        }
        switch configFileLayer {
        case .none: break
        case .read(let configuration):
            if let directive = configuration.effective(name) {
                return .known(
                    directive.value,
                    Evidence(source: directive.location, observed: "\(directive.name) \(directive.value)".trimmed))
            }
        case .hidden(let why):
            return .hidden("CONFIG GET is not available and \(why)")
        }
        return serverDefault(name)
    }

    private func serverDefault(_ name: String) -> SettingLookup {
        guard let engine, let version = engineVersion else {
            if let value = ServerDefaults.everyRelease(name) {
                return .known(
                    value, Evidence(source: "default of every release", observed: value.isEmpty ? "\"\"" : value))
            }
            return .hidden(
                "the server's release is not known (INFO did not answer), and its default of \(name) depends on it")
        }
        let release = "\(engine == .valkey ? "Valkey" : "Redis") \(version)"
        switch ServerDefaults.value(of: name, engine: engine, version: version) {
        case .value(let value):
            return .known(
                value, Evidence(source: "default of \(release)", observed: value.isEmpty ? "\"\"" : value))
        case .absent(let why): return .notInRelease("\(release) has no \(name) (\(why))")
        case nil: return .hidden("no layer sets \(name) and its default in \(release) is not known here")
        }
    }

    private static func commandLineLayer(of instance: InstanceSnapshot) -> Layer<ServerCommandLine> {
        guard let section = instance[.commandLine] else {
            return .hidden(
                instance.pid == nil
                    ? "the server's process is not known, so neither is its command line"
                    : "its command line was not collected")
        }
        guard !section.truncated, let text = section.content, let commandLine = ServerCommandLine(parsing: text)
        else {
            return .hidden("its command line could not be read")
        }
        guard commandLine.isObservable else {
            return .hidden(
                "its command line cannot be seen (the server replaced it with its title, and it is not a systemd "
                    + "service or a wrapper's child), so a --option could override redis.conf")
        }
        return .read(commandLine)
    }

    /// The config file and its includes, when every one was read; `.none` when the server runs without one.
    public var configFileLayer: Layer<RedisConfiguration>? {
        if let configuration, unreadConfigFiles.isEmpty { return .read(configuration) }
        if instance.configFiles.isEmpty, info["config_file"]?.trimmed == "" { return nil }
        if !unreadConfigFiles.isEmpty { return .hidden("a config file was not read whole (\(unreadConfigSummary))") }
        return .hidden("its config file was not captured")
    }

    /// Redis or Valkey (`RedisInfo.engine`).
    public var engine: ServerEngine? { info.engine }

    /// The release of the engine (Valkey's own, not the `redis_version` it freezes at 7.2.4).
    public var engineVersion: RedisVersion? { info.engineVersion }

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

    /// How long the full sync's transfer of `used_memory` takes at the policy's bandwidth: the one estimate the
    /// output-buffer check, the dataset fact and wave planning share.
    public var estimatedSyncSeconds: Double? {
        usedMemory.map { Double($0) * 8 / target.policy.bandwidthBitsPerSecond }
    }

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

/// Why a section could not be used: it was not collected, or its read failed (`CapturedSection.failure`).
public struct ReadFailure: Error, Sendable, Hashable {
    public let reason: String
}

/// A layer of a setting's value: read (and then consulted), or not readable (and then hiding every layer below).
public enum Layer<Value: Sendable>: Sendable {
    case read(Value)
    case hidden(String)
}

/// What the layers say about one setting.
public enum SettingLookup: Sendable {
    /// The value and the evidence of the layer that decided it (`CONFIG GET`, `argv`, `redis.conf:41`, a default).
    case known(String, Evidence)
    /// The server's release does not have the setting (protected-mode before 3.2): why, and what that means.
    case notInRelease(String)
    /// A layer that could hold the value could not be read.
    case hidden(String)
}

extension String {
    /// Without leading and trailing whitespace and newlines (Foundation's sets). In ASCII text those are tab, LF, VT,
    /// FF, CR and space, so an ASCII text (nearly every one) is trimmed on its bytes, without Foundation's bridging.
    var trimmed: String {
        func isTrimmed(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
        let original = self
        var text = self
        let ascii = text.withUTF8 { bytes -> String? in
            guard !bytes.contains(where: { $0 >= 0x80 }) else { return nil }
            var low = 0
            var high = bytes.count
            while low < high, isTrimmed(bytes[low]) { low += 1 }
            while high > low, isTrimmed(bytes[high - 1]) { high -= 1 }
            guard low > 0 || high < bytes.count else { return original }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[low..<high]), as: UTF8.self)
        }
        return ascii ?? trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
