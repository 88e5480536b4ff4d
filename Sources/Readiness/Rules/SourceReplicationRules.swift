import FleetCore
import RedisFacts

extension CheckID {
    /// Replica output buffer survives the full sync.
    public static let sourceOutputBuffer: CheckID = "source.output-buffer"
}

/// source.output-buffer: the replica output buffer must hold the writes made during the transfer.
struct SourceOutputBufferRule: InstanceRule {
    let id = CheckID.sourceOutputBuffer
    let title = "Replica output buffer survives the full sync"
    let severity = Severity.warning

    func evaluate(_ context: InstanceContext) -> CheckResult {
        guard let used = context.usedMemory else { return missingCount("used_memory", context) }
        guard let (value, evidence) = context.setting("client-output-buffer-limit") else {
            return hiddenSetting("client-output-buffer-limit", context)
        }
        guard let limit = ClientOutputBufferLimit.replica(in: value) else {
            return result(
                .unknown, "client-output-buffer-limit has no readable replica class.", [evidence],
                remediation: "Check the setting on the host.")
        }
        let inputKilobytesPerSecond = context.info.double("instantaneous_input_kbps") ?? 0
        let transferSeconds = context.estimatedSyncSeconds ?? 0
        let expected = inputKilobytesPerSecond * 1024 * transferSeconds
        // A write rate of 1e300 kB/s gives an infinite estimate: no byte count, so no verdict.
        guard inputKilobytesPerSecond >= 0, let expectedBytes = Int64(checked: expected) else {
            return outOfRange(
                "the writes expected during the sync (instantaneous_input_kbps × transfer time, in bytes)",
                [evidence, context.infoEvidence("instantaneous_input_kbps"), context.infoEvidence("used_memory")])
        }
        let all = [
            evidence, context.infoEvidence("instantaneous_input_kbps"),
            Evidence(
                source: "estimate", observed: Format.bytes(expectedBytes),
                note: "writes during a \(Format.number(transferSeconds)) s transfer"),
        ]
        if limit.hardBytes == 0 && limit.softBytes == 0 {
            return result(.pass, "The replica buffer is unlimited.", all)
        }
        let hardHit = limit.hardBytes > 0 && expected >= Double(limit.hardBytes)
        let softHit =
            limit.softBytes > 0 && expected >= Double(limit.softBytes) && transferSeconds >= Double(limit.softSeconds)
        return hardHit || softHit
            ? result(
                .warn,
                "About \(Format.bytes(expectedBytes)) of writes during the sync would hit the replica buffer limit.",
                all,
                remediation:
                    "CONFIG SET client-output-buffer-limit \"replica 0 0 0\" (or larger limits) for the migration; no restart needed."
            )
            : result(.pass, "Expected writes during the sync stay under the replica buffer limits.", all)
    }
}

extension CheckID {
    /// BGSAVE finishes within repl-timeout.
    public static let sourceReplTimeout: CheckID = "source.repl-timeout"
}

/// source.repl-timeout: a BGSAVE slower than repl-timeout makes the replica give up.
struct SourceReplTimeoutRule: InstanceRule {
    let id = CheckID.sourceReplTimeout
    let title = "BGSAVE finishes within repl-timeout"
    let severity = Severity.warning

    func evaluate(_ context: InstanceContext) -> CheckResult {
        guard context.answered else { return silent(context) }
        let timeout = context.setting("repl-timeout")
        let seconds = Int64(timeout?.value ?? "60") ?? 60
        guard let last = context.info.rdbLastBgsaveTimeSeconds, last >= 0 else {
            return result(
                .unknown, "No BGSAVE has run yet: its duration is unknown.",
                [context.infoEvidence("rdb_last_bgsave_time_sec")],
                remediation: "Run BGSAVE once outside peak hours and audit again.")
        }
        var evidence = [context.infoEvidence("rdb_last_bgsave_time_sec")]
        if let timeout { evidence.append(timeout.evidence) }
        guard let suggested = last.multipliedChecked(by: 2) else {
            return outOfRange("twice rdb_last_bgsave_time_sec (the suggested repl-timeout, beyond Int64)", evidence)
        }
        return last < seconds
            ? result(.pass, "The last BGSAVE took \(last) s, under repl-timeout \(seconds) s.", evidence)
            : result(
                .warn, "The last BGSAVE took \(last) s, not under repl-timeout \(seconds) s.", evidence,
                remediation: "CONFIG SET repl-timeout \(suggested) (no restart) for the migration.")
    }
}

extension CheckID {
    /// Source is a primary.
    public static let sourceRole: CheckID = "source.role"
}

/// source.role: a replica source migrates stale data and loses writes at cut-over.
struct SourceRoleRule: InstanceRule {
    let id = CheckID.sourceRole
    let title = "Source is a primary"
    let severity = Severity.warning

    func evaluate(_ context: InstanceContext) -> CheckResult {
        guard let role = context.info.role else { return silent(context) }
        var evidence = [context.infoEvidence("role")]
        if role == "master" { return result(.pass, "The instance is a primary.", evidence) }
        let primary = "\(context.info["master_host"] ?? "?"):\(context.info["master_port"] ?? "?")"
        evidence.append(Evidence(source: "INFO replication.master_host", observed: primary))
        return result(
            .warn, "The instance is a replica of \(primary).", evidence,
            remediation: "Migrate from the primary \(primary) instead.")
    }
}

extension CheckID {
    /// Room for the replication client.
    public static let sourceMaxclients: CheckID = "source.maxclients"
}

/// source.maxclients: the replication link needs a free client slot.
struct SourceMaxclientsRule: InstanceRule {
    let id = CheckID.sourceMaxclients
    let title = "Room for the replication client"
    let severity = Severity.warning

    func evaluate(_ context: InstanceContext) -> CheckResult {
        guard let connected = context.info.connectedClients else { return missingCount("connected_clients", context) }
        // maxclients is a whole number in Redis (config.c reads it as an unsigned int); `inf` or `1e999` is not.
        guard let (value, evidence) = context.setting("maxclients") else {
            return hiddenSetting("maxclients", context, [context.infoEvidence("connected_clients")])
        }
        guard let maximum = Int64(value), maximum > 0 else {
            return result(
                .unknown, "maxclients is not a positive whole number.", [evidence],
                remediation: "Check the setting on the host.")
        }
        let share = Double(connected) / Double(maximum) * 100
        let all = [context.infoEvidence("connected_clients"), evidence]
        guard let suggested = maximum.addingChecked(maximum / 5) else {
            return outOfRange("maxclients plus 20% (the suggested maxclients, beyond Int64)", all)
        }
        return share < context.target.policy.maxclientsPercent
            ? result(.pass, "\(connected) of \(value) client slots used.", all)
            : result(
                .warn, "\(connected) of \(value) client slots used (\(Format.number(share))%).", all,
                remediation: "CONFIG SET maxclients \(suggested) (no restart), or close idle clients.")
    }
}

extension CheckID {
    /// No client use of commands ElastiCache restricts.
    public static let sourceRestrictedCommands: CheckID = "source.restricted-commands"
}

/// source.restricted-commands: applications using commands ElastiCache restricts break after cut-over.
struct SourceRestrictedCommandsRule: InstanceRule {
    let id = CheckID.sourceRestrictedCommands
    let title = "No client use of commands ElastiCache restricts"
    let severity = Severity.warning
    static let restricted = [
        "bgrewriteaof", "bgsave", "config", "debug", "migrate", "save", "slaveof", "replicaof", "shutdown", "sync",
        "psync",
    ]

    func evaluate(_ context: InstanceContext) -> CheckResult {
        guard context.answered else { return silent(context) }
        let stats = context.info.commandStats
        guard !stats.isEmpty else { return result(.unknown, "INFO commandstats was not collected.") }
        // The auditor's own CONFIG GET calls are not the application's (Redis 7 counts them as config|get).
        let used = stats.filter { command, stat in
            let base = command.split(separator: "|").first.map(String.init) ?? command
            return Self.restricted.contains(base) && command != "config|get" && stat.calls > 0
                && !(base == "config" && !command.contains("|"))
        }.sorted { $0.key < $1.key }
        let evidence = used.map {
            Evidence(source: "INFO commandstats.cmdstat_\($0.key)", observed: "calls=\($0.value.calls)")
        }
        return used.isEmpty
            ? result(
                .pass, "No restricted command has been called.",
                [Evidence(source: "INFO commandstats", observed: "none of \(Self.restricted.joined(separator: ", "))")])
            : result(
                .warn, "Clients called: \(used.map { $0.key.uppercased() }.joined(separator: ", ")).", evidence,
                remediation:
                    "Find the applications or jobs that call them (CLIENT LIST, MONITOR briefly) and remove those calls before cut-over."
            )
    }
}

extension CheckID {
    /// Not managed by Redis Sentinel.
    public static let sourceSentinel: CheckID = "source.sentinel"
}

/// source.sentinel: a Sentinel may promote the new ElastiCache replica.
struct SourceSentinelRule: InstanceRule {
    let id = CheckID.sourceSentinel
    let title = "Not managed by Redis Sentinel"
    let severity = Severity.warning

    func evaluate(_ context: InstanceContext) -> CheckResult {
        let sentinelProcesses = context.hostFacts.sentinelProcesses
        let clients = context.clients.filter {
            ($0.name ?? "").lowercased().contains("sentinel") || ($0.lastCommand ?? "").hasPrefix("sentinel")
        }
        var evidence = sentinelProcesses.prefix(3).map { Evidence(source: "ps", observed: String($0).trimmed) }
        evidence += clients.prefix(3).map {
            Evidence(source: "CLIENT LIST", observed: "\($0.address ?? "?") name=\($0.name ?? "")")
        }
        if !evidence.isEmpty {
            return result(
                .warn, "A Redis Sentinel watches this host or instance.", evidence,
                remediation:
                    "Remove the instance from Sentinel monitoring (SENTINEL REMOVE <name>) for the migration window.")
        }
        guard context.hostFacts.processes != nil else {
            return result(.unknown, "The process list was not collected or could not be read.")
        }
        return result(
            .pass, "No Sentinel process or client seen.", [Evidence(source: "ps, CLIENT LIST", observed: "no sentinel")]
        )
    }
}

extension CheckID {
    /// Replication backlog sized for the dataset.
    public static let sourceReplBacklog: CheckID = "source.repl-backlog"
}

/// source.repl-backlog: a tiny backlog forces a new full sync after every network blip.
struct SourceReplBacklogRule: InstanceRule {
    let id = CheckID.sourceReplBacklog
    let title = "Replication backlog sized for the dataset"
    let severity = Severity.warning

    func evaluate(_ context: InstanceContext) -> CheckResult {
        guard let used = context.usedMemory else { return missingCount("used_memory", context) }
        guard let (value, evidence) = context.setting("repl-backlog-size") else {
            return hiddenSetting("repl-backlog-size", context)
        }
        guard let backlog = ByteSize.parse(value) else {
            return result(
                .unknown, "repl-backlog-size is not a size.", [evidence], remediation: "Check the setting on the host.")
        }
        let all = [evidence, context.infoEvidence("used_memory")]
        // Double(Int64.max) rounds up to 2^63, which Int64 cannot hold: the conversion is checked.
        guard let share = Int64(checked: Double(used) * context.target.policy.replBacklogPercent / 100) else {
            return outOfRange(
                "the wanted backlog (\(Format.number(context.target.policy.replBacklogPercent))% of used_memory, beyond Int64)",
                all)
        }
        let wanted = max(share, 1 << 20)
        return backlog >= wanted
            ? result(.pass, "Backlog \(Format.bytes(backlog)) for \(Format.bytes(used)) of data.", all)
            : result(
                .warn, "Backlog \(Format.bytes(backlog)) is under \(Format.bytes(wanted)).", all,
                remediation: "CONFIG SET repl-backlog-size \(wanted) (no restart) and the same in redis.conf.")
    }
}

extension CheckID {
    /// Running config matches redis.conf.
    public static let sourceConfigDrift: CheckID = "source.config-drift"
}

/// source.config-drift: a restart must not change readiness.
struct SourceConfigDriftRule: InstanceRule {
    let id = CheckID.sourceConfigDrift
    let title = "Running config matches redis.conf"
    let severity = Severity.warning
    static let settings = [
        "protected-mode", "bind", "databases", "maxmemory", "cluster-enabled", "port", "repl-diskless-sync",
        "repl-timeout", "repl-backlog-size", "maxclients", "client-output-buffer-limit",
    ]

    func evaluate(_ context: InstanceContext) -> CheckResult {
        guard let running = context.configGet, let configuration = context.configuration else {
            return result(.unknown, "Needs both CONFIG GET and redis.conf; one was not readable.")
        }
        var evidence: [Evidence] = []
        for name in Self.settings {
            guard let directive = configuration.effective(name), let live = running[name] else { continue }
            if !Self.same(name, live, directive.value) {
                evidence.append(
                    Evidence(
                        source: directive.location, observed: "\(name) \(directive.value)", note: "running: \(live)"))
            }
        }
        return evidence.isEmpty
            ? result(.pass, "The settings the checks read match redis.conf.", [])
            : result(
                .warn, "\(evidence.count) setting(s) differ between the running instance and redis.conf.", evidence,
                remediation:
                    "Make redis.conf match the running values (CONFIG REWRITE writes them), or readiness changes at the next restart."
            )
    }

    static func same(_ name: String, _ running: String, _ file: String) -> Bool {
        if running == file { return true }
        if let left = ByteSize.parse(running), let right = ByteSize.parse(file) { return left == right }
        if name == "client-output-buffer-limit" || name == "bind" {
            let normalize = { (text: String) in
                text.split(separator: " ").map { word -> String in
                    let lowered = word.lowercased()
                    if lowered == "slave" { return "replica" }
                    return ByteSize.parse(lowered).map(String.init) ?? lowered
                }
            }
            return normalize(running) == normalize(file)
        }
        return false
    }
}
