import FleetCore
import RedisFacts

extension CheckID {
    /// Source Redis version can be migrated.
    public static let sourceVersion: CheckID = "source.version"
}

/// source.version: 2.8.21 or later; below 5.0.6 only the CLI/API can migrate.
struct SourceVersionRule: InstanceRule {
    let id = CheckID.sourceVersion
    let title = "Source Redis version can be migrated"
    let severity = Severity.blocker

    func evaluate(_ context: InstanceContext) -> CheckResult {
        guard let version = context.info.version else { return silent(context) }
        let evidence = [context.infoEvidence("redis_version")]
        if context.target.deployment == .serverless {
            // migration-to-serverless-prerequisites: "Valkey 7.2 through 8.1, or Redis OSS 4.0 through 7.2. Later
            // versions are not supported as a source."
            let engine = context.engine ?? .redis
            let release = context.engineVersion ?? version
            let minor = RedisVersion(release.components.prefix(2).map(String.init).joined(separator: ".")) ?? release
            let (low, high) =
                engine == .valkey
                ? (RedisVersion(major: 7, minor: 2), RedisVersion(major: 8, minor: 1))
                : (RedisVersion(major: 4), RedisVersion(major: 7, minor: 2))
            let name = engine == .valkey ? "Valkey" : "Redis OSS"
            return minor >= low && minor <= high
                ? result(.pass, "\(name) \(release) can migrate to a serverless cache (\(low) to \(high)).", evidence)
                : result(
                    .fail, "\(name) \(release) is outside the serverless path's sources (\(low) to \(high)).", evidence,
                    remediation: "Choose a node-based target, or bring the source within \(name) \(low) to \(high).")
        }
        if version < RedisVersion(major: 2, minor: 8, patch: 21) {
            return result(
                .fail, "Redis \(version) is older than 2.8.21.", evidence,
                remediation: "Upgrade the source to 2.8.21 or later first.")
        }
        if version < RedisVersion(major: 5, minor: 0, patch: 6) {
            return result(
                .warn, "Redis \(version): migrate with the CLI or API (the console needs 5.0.6+).", evidence,
                remediation:
                    "Start the migration with `aws elasticache start-migration`, or upgrade the source to 5.0.6+.")
        }
        return result(.pass, "Redis \(version).", evidence)
    }
}

extension CheckID {
    /// Source is not in cluster mode.
    public static let sourceClusterMode: CheckID = "source.cluster-mode"
}

/// source.cluster-mode: the source must not run in cluster mode.
struct SourceClusterModeRule: InstanceRule {
    let id = CheckID.sourceClusterMode
    let title = "Source is not in cluster mode"
    let severity = Severity.blocker

    func evaluate(_ context: InstanceContext) -> CheckResult {
        if let verdict = pathVerdict(context) { return verdict }
        guard context.answered else {
            // A server that does not answer the auditor (a TLS port that wants a client certificate) is still
            // judged by its command line and config file when they were read.
            guard let (value, evidence) = context.setting("cluster-enabled") else { return silent(context) }
            return value == "yes"
                ? result(
                    .fail, "cluster-enabled is yes.", [evidence],
                    remediation: "Migrate cluster-mode sources shard by shard, or use a cluster-mode disabled source.")
                : result(.pass, "Cluster mode is off.", [evidence])
        }
        guard let enabled = context.info.isClusterEnabled else {
            if let (value, evidence) = context.setting("cluster-enabled") {
                return value == "yes"
                    ? result(
                        .fail, "cluster-enabled is yes.", [evidence],
                        remediation:
                            "Migrate cluster-mode sources shard by shard, or use a cluster-mode disabled source.")
                    : result(.pass, "Cluster mode is off.", [evidence])
            }
            if let version = context.info.version, version < RedisVersion(major: 3) {
                return result(
                    .pass, "Redis \(version) predates cluster mode (3.0).", [context.infoEvidence("redis_version")])
            }
            return result(.unknown, "INFO has no cluster section and the config does not say.")
        }
        let evidence = [context.infoEvidence("cluster_enabled")]
        return enabled
            ? result(
                .fail, "The source runs in cluster mode.", evidence,
                remediation:
                    "Online migration needs a cluster-mode disabled source: migrate another way (e.g. RDB snapshot seeding)."
            )
            : result(.pass, "Cluster mode is off.", evidence)
    }

    /// A cluster-mode source onto a cluster-mode target: "each ElastiCache shard [replicates from] your source
    /// cluster's corresponding shard owning the same slots", and the shard counts must match (Migration-Prepare).
    /// Each source primary (CLUSTER NODES) is matched to the target shard owning the same slot ranges; the evidence
    /// names, per shard, the primary that is its migration endpoint.
    private func shardMapping(_ context: InstanceContext, _ evidence: [Evidence]) -> CheckResult {
        let remediation =
            "Give the target as many shards as the source has primaries, each owning the same slot ranges."
        guard let nodes = context.clusterNodes else {
            return result(
                .warn,
                "A cluster-mode source into a cluster-mode target: CLUSTER NODES was not read, so the shard mapping is not checked.",
                evidence, remediation: remediation)
        }
        func ranges(_ slots: [ClosedRange<Int>]) -> String {
            slots.map { "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",")
        }
        var all =
            evidence
            + nodes.primaries.prefix(16).map {
                Evidence(source: "CLUSTER NODES", observed: "\($0.address) slots \(ranges($0.slots))")
            }
        if nodes.coveredSlots < ClusterNodes.slotCount {
            return result(
                .fail, "The source cluster's primaries own \(nodes.coveredSlots) of \(ClusterNodes.slotCount) slots.",
                all, remediation: "Assign every slot to a primary (redis-cli --cluster fix) before migrating.")
        }
        guard let shards = context.target.shards else {
            return result(
                .warn, "The source has \(nodes.primaries.count) shard(s); the target's shard count is not stated.", all,
                remediation: "State `shards` in the target file, or import describe-replication-groups.")
        }
        guard shards == nodes.primaries.count else {
            return result(
                .fail, "The source has \(nodes.primaries.count) shard(s), the target \(shards): the counts must match.",
                all, remediation: remediation)
        }
        guard !context.target.shardSlots.isEmpty else {
            return result(.pass, "\(shards) shard(s) on both sides (the target's slot ranges are not stated).", all)
        }
        var unmatched: [String] = []
        for primary in nodes.primaries {
            if let shard = context.target.shardSlots.first(where: { Set($0.slots) == Set(primary.slots) }) {
                all.append(
                    Evidence(source: "shard \(shard.id)", observed: "\(ranges(shard.slots)) from \(primary.address)"))
            } else {
                unmatched.append("\(primary.address) (\(ranges(primary.slots)))")
            }
        }
        return unmatched.isEmpty
            ? result(.pass, "Every source shard maps onto the target shard owning the same slots.", all)
            : result(
                .fail, "No target shard owns the same slots as: \(unmatched.prefix(5).joined(separator: ", ")).", all,
                remediation: remediation)
    }

    /// Where the target's path decides: a serverless cache takes one endpoint (a cluster-mode source cannot feed
    /// it); a cluster-mode enabled target (aws-current) takes a cluster-mode source shard by shard, and nothing else.
    private func pathVerdict(_ context: InstanceContext) -> CheckResult? {
        let target = context.target
        let serverless = target.deployment == .serverless
        let clusterTarget =
            target.deployment == .nodeBased && target.clusterMode == .enabled && target.profile == .awsCurrent
        guard serverless || clusterTarget else { return nil }
        // Before 3.0 there is no cluster mode (and no cluster section in INFO).
        let predatesCluster = context.info.version.map { $0 < RedisVersion(major: 3) } == true
        guard context.answered,
            let enabled = predatesCluster
                ? false
                : context.info.isClusterEnabled ?? context.setting("cluster-enabled").map({ $0.value == "yes" })
        else {
            return context.answered
                ? result(.unknown, "INFO has no cluster section and the config does not say.") : silent(context)
        }
        let evidence = [context.infoEvidence("cluster_enabled")]
        if serverless {
            return enabled
                ? result(
                    .fail, "A serverless cache migrates from one endpoint; this source runs in cluster mode.", evidence,
                    remediation: "Choose a cluster-mode enabled node-based target for a cluster-mode source.")
                : result(.pass, "Cluster mode is off: one endpoint feeds the serverless cache.", evidence)
        }
        return enabled
            ? shardMapping(context, evidence)
            : result(
                .fail, "The target is cluster-mode enabled; online migration into it needs a cluster-mode source.",
                evidence,
                remediation: "Use a cluster-mode disabled target for this source.")
    }
}

extension CheckID {
    /// Source has no AUTH.
    public static let sourceAuth: CheckID = "source.auth"
}

/// source.auth: no AUTH: requirepass empty and (Redis 6+) the default user on and nopass.
struct SourceAuthRule: InstanceRule {
    let id = CheckID.sourceAuth
    let title = "Source has no AUTH"
    let severity = Severity.blocker

    func evaluate(_ context: InstanceContext) -> CheckResult {
        let remediation =
            "Remove `requirepass` (CONFIG SET requirepass \"\" takes effect at once; also edit redis.conf) for the migration window, or migrate to ElastiCache Serverless, which accepts source AUTH."
        // The serverless path authenticates to the source with credentials from Secrets Manager.
        if context.target.deployment == .serverless {
            return result(
                .pass,
                "The serverless path accepts source AUTH: give ElastiCache the credentials as a Secrets Manager secret "
                    + "(SourceAuthenticationConfiguration) when the source needs them.", [])
        }
        // NOAUTH is itself the evidence that a password is required, whatever the files say.
        if context.refusedForPassword {
            return result(
                .fail, "The instance requires a password (NOAUTH).",
                [Evidence(source: "redis-cli INFO", observed: "NOAUTH Authentication required")],
                remediation: remediation)
        }
        // Positive evidence first: INFO answered a connection that sent no password, so the default user needs none
        // (with requirepass or a default user that needs a password, every command but AUTH says NOAUTH).
        if context.answered && context.instance.sentCredentials == false {
            return result(
                .pass, "INFO answered without a password: the default user needs none.",
                [Evidence(source: "redis-cli INFO (no password sent)", observed: "answered")])
        }
        var evidence: [Evidence] = []
        if let (value, setting) = context.setting("requirepass") {
            evidence.append(setting)
            if !value.isEmpty {
                return result(
                    .fail, "requirepass is set: ElastiCache cannot authenticate to the source.", evidence,
                    remediation: remediation)
            }
        } else if !context.answered {
            return silent(context)
        }
        if let user = context.acl?.user("default") {
            evidence.append(
                Evidence(
                    source: "ACL LIST default",
                    observed: "\(user.isEnabled ? "on" : "off") \(user.allowsNoPassword ? "nopass" : "password")"))
            if !user.isEnabled || !user.allowsNoPassword {
                return result(
                    .fail, "The default user needs a password or is disabled.", evidence,
                    remediation:
                        "ACL SETUSER default on nopass (and the same `user default` line in the ACL file), or migrate to ElastiCache Serverless."
                )
            }
        }
        guard !evidence.isEmpty else { return hiddenSetting("requirepass", context) }
        if context.info.version.map({ $0 >= RedisVersion(major: 6) }) == true, context.acl?.user("default") == nil {
            // Redis 6+: an empty requirepass says nothing about an ACL file that gives the default user a password.
            return result(
                .unknown,
                "requirepass is empty, but the default user's ACL rules could not be read (ACL LIST unavailable).",
                evidence,
                remediation:
                    "Let the audit user run ACL LIST, or audit without a password in the inventory (an INFO that answers without one proves none is needed)."
            )
        }
        return result(.pass, "No password is required.", evidence)
    }
}

extension CheckID {
    /// protected-mode is off.
    public static let sourceProtectedMode: CheckID = "source.protected-mode"
}

/// source.protected-mode: must be `no`, or ElastiCache's connections from other hosts are refused.
struct SourceProtectedModeRule: InstanceRule {
    let id = CheckID.sourceProtectedMode
    let title = "protected-mode is off"
    let severity = Severity.blocker

    func evaluate(_ context: InstanceContext) -> CheckResult {
        guard let (value, evidence) = context.setting("protected-mode") else {
            if case .notInRelease(let why) = context.lookUp("protected-mode") {
                return result(.pass, "\(why): nothing to turn off.", [context.infoEvidence("redis_version")])
            }
            return hiddenSetting("protected-mode", context)
        }
        return value == "no"
            ? result(.pass, "protected-mode is no.", [evidence])
            : result(
                .fail, "protected-mode is \(value).", [evidence],
                remediation: "CONFIG SET protected-mode no (no restart), and `protected-mode no` in redis.conf.")
    }
}

extension CheckID {
    /// bind lets the target connect.
    public static let sourceBind: CheckID = "source.bind"
}

/// source.bind: the instance must accept connections on an address the target can reach.
struct SourceBindRule: InstanceRule {
    let id = CheckID.sourceBind
    let title = "bind lets the target connect"
    let severity = Severity.blocker

    func evaluate(_ context: InstanceContext) -> CheckResult {
        guard let (value, evidence) = context.setting("bind") else { return hiddenSetting("bind", context) }
        let addresses = value.split(separator: " ").map { $0.hasPrefix("-") ? String($0.dropFirst()) : String($0) }
        if addresses.isEmpty || addresses.contains(where: { ["0.0.0.0", "*", "::", "::*"].contains($0) }) {
            return result(.pass, "bind includes a wildcard (\(value.isEmpty ? "all" : value)).", [evidence])
        }
        let hostAddresses = Set(context.interfaceAddresses + [context.host.host.address])
        if let reachable = addresses.first(where: {
            hostAddresses.contains($0) && IPv4Address($0).map { !$0.isLoopback } == true
        }) {
            return result(.pass, "bind includes the host address \(reachable).", [evidence])
        }
        return result(
            .fail, "bind \(value) only accepts local connections.", [evidence],
            remediation:
                "Add the host's private address to `bind` in redis.conf (restart needed), e.g. `bind 127.0.0.1 \(context.host.host.address)`."
        )
    }
}

extension CheckID {
    /// No data-modification command renamed.
    public static let sourceRenamedCommands: CheckID = "source.renamed-commands"
}

/// source.renamed-commands: data-modification commands (and SYNC/PSYNC/REPLCONF) must keep their names.
struct SourceRenamedCommandsRule: InstanceRule {
    let id = CheckID.sourceRenamedCommands
    let title = "No data-modification command renamed"
    let severity = Severity.blocker

    func evaluate(_ context: InstanceContext) -> CheckResult {
        if let table = context.commandTable, let engine = context.engine, let version = context.engineVersion {
            return evaluate(table, engine: engine, version: version, context)
        }
        // No command table (COMMAND renamed, or a server before 2.8.13): the config file's rename-command lines,
        // against the catalogue of commands that change data.
        guard let configuration = context.configuration else {
            let why = context.unreadConfigFiles.isEmpty ? "" : " (\(context.unreadConfigSummary))"
            return result(
                .unknown,
                "redis.conf was not captured\(why): renamed commands cannot be seen (CONFIG GET does not show them).",
                [],
                remediation: context.configDeniedToLoginUser
                    ? "The config file is \(context.privilegeRemedy) (docs/collector.md#privilege)."
                    : "Make the instance's config file readable to the audit user.")
        }
        let renamed = configuration.renamedCommands
        let evidence = renamed.map {
            Evidence(
                source: "\($0.file):\($0.line)",
                observed: "rename-command \($0.command) \($0.isDisabled ? "\"\"" : $0.newName)")
        }
        let critical = renamed.filter { RedisCommandCatalogue.replicationCriticalNames.contains($0.command) }
        if !critical.isEmpty {
            return result(
                .fail,
                "Renamed or disabled: \(critical.map { $0.command.uppercased() }.joined(separator: ", ")); replication would break.",
                evidence, remediation: "Remove those rename-command lines from redis.conf (restart needed).")
        }
        if !renamed.isEmpty {
            return result(
                .warn,
                "Renamed administrative commands: \(renamed.map { $0.command.uppercased() }.joined(separator: ", ")).",
                evidence,
                remediation:
                    "Check that the migration tooling does not need them; remove the rename-command lines if it does.")
        }
        if !context.unreadConfigFiles.isEmpty {
            // Absence proves nothing while a file that may hold a rename-command was not read.
            return result(
                .unknown,
                "No rename-command in the files read, but not every file was read: \(context.unreadConfigSummary).",
                context.unreadConfigFiles.map { Evidence(source: $0.path, observed: $0.skipped ?? "not read") },
                remediation: context.configDeniedToLoginUser
                    ? "A config file is \(context.privilegeRemedy) (docs/collector.md#privilege)."
                    : "Make every included config file readable to the audit user, or check it by hand.")
        }
        return result(
            .pass, "No command is renamed.",
            [Evidence(source: configuration.directives.first?.file ?? "redis.conf", observed: "no rename-command")])
    }

    /// From the server's own command table: a command that changes data (by the server's flags, or the catalogue's
    /// for one that is gone) must be there under its own name.
    private func evaluate(
        _ table: CommandTable, engine: ServerEngine, version: RedisVersion, _ context: InstanceContext
    ) -> CheckResult {
        // Gone by its own name: not resolved by COMMAND INFO (renamed or disabled), or, without that lookup, not in
        // the table at all (disabled; a renamed command stays listed under its original name).
        let lookup = context.commandLookup
        func gone(_ name: String) -> Bool { lookup.map { $0.resolves[name] == false } ?? !table.contains(name) }
        // Changes data by the server's own flags (a renamed command keeps them in the list), else the catalogue's.
        let missing =
            RedisCommandCatalogue.replicationCritical.filter {
                $0.exists(in: engine, version: version) && gone($0.name)
            }.map(\.name)
            + (lookup?.unresolved ?? []).filter {
                table.isWrite($0) && !RedisCommandCatalogue.replicationCriticalNames.contains($0)
            }
        let renamedWrites = table.renamed.filter { $0.contains("write") || $0.contains("may_replicate") }.count
        let renamedOthers = table.renamed.count - renamedWrites
        let missingAdministrative = RedisCommandCatalogue.administrative.filter {
            $0.exists(in: engine, version: version) && gone($0.name) && !table.isWrite($0.name)
        }.map(\.name)
        var evidence = [
            Evidence(
                source: "COMMAND",
                observed: "\(table.flags.count + table.renamed.count) commands"
                    + (table.renamed.isEmpty ? "" : ", \(table.renamed.count) under names no release has"))
        ]
        if !missing.isEmpty || !missingAdministrative.isEmpty {
            let names = (missing + missingAdministrative).prefix(20).map { $0.uppercased() }.joined(separator: ", ")
            evidence.append(Evidence(source: "COMMAND", observed: "missing: \(names)"))
        }
        // The config file, when read, names what was renamed (the new names stay redacted).
        if let renamed = context.configuration?.renamedCommands, !renamed.isEmpty {
            evidence += renamed.prefix(10).map {
                Evidence(
                    source: "\($0.file):\($0.line)",
                    observed: "rename-command \($0.command) \($0.isDisabled ? "\"\"" : $0.newName)")
            }
        }
        if !missing.isEmpty || renamedWrites > 0 {
            var parts: [String] = []
            if !missing.isEmpty {
                parts.append(
                    "renamed or disabled (the server does not know them by name): "
                        + missing.prefix(10).map { $0.uppercased() }.joined(separator: ", "))
            }
            if renamedWrites > 0 { parts.append("\(renamedWrites) write command(s) run under a new name") }
            return result(
                .fail, parts.joined(separator: "; ") + "; replication would break.", evidence,
                remediation:
                    "Remove the rename-command lines for those commands from redis.conf (restart needed): ElastiCache replays them by their own names."
            )
        }
        if !missingAdministrative.isEmpty || renamedOthers > 0 {
            let what =
                missingAdministrative.isEmpty
                ? "\(renamedOthers) command(s) run under a new name"
                : "renamed or disabled: " + missingAdministrative.map { $0.uppercased() }.joined(separator: ", ")
            return result(
                .warn, "Administrative commands \(what).", evidence,
                remediation:
                    "Check that the migration tooling does not need them (ElastiCache's online migration reads INFO and CONFIG); remove the rename-command lines if it does."
            )
        }
        return result(
            .pass, "The server's command table has every write and replication command under its own name.", evidence)
    }
}

extension CheckID {
    /// Source listens on a plain TCP port.
    public static let sourceTlsOnly: CheckID = "source.tls-only"
}

/// source.tls-only: the instance needs a plain TCP port for an unencrypted migration.
struct SourceTLSOnlyRule: InstanceRule {
    let id = CheckID.sourceTlsOnly
    let title = "Source listens on a plain TCP port"
    let severity = Severity.blocker

    func evaluate(_ context: InstanceContext) -> CheckResult {
        // The serverless path reaches a TLS source (SourceTlsConfiguration: none or verify-ca).
        if context.target.deployment == .serverless {
            return result(
                .pass,
                "The serverless path accepts a TLS source (SourceTlsConfiguration verify-ca, with the source's CA).", []
            )
        }
        guard let (value, evidence) = context.setting("port") else {
            return context.answered
                ? result(.pass, "Answering on plain TCP port \(context.instance.port).", []) : silent(context)
        }
        return value == "0"
            ? result(
                .fail, "port 0: the instance only listens with TLS.", [evidence],
                remediation:
                    "Open a plain port (`port 6379`, restart needed) for the migration, or migrate to ElastiCache Serverless."
            )
            : result(.pass, "Plain TCP port \(value).", [evidence])
    }
}

extension CheckID {
    /// No Redis modules loaded.
    public static let sourceModules: CheckID = "source.modules"
}

/// source.modules: ElastiCache cannot load custom modules, and module data types do not replicate.
struct SourceModulesRule: InstanceRule {
    let id = CheckID.sourceModules
    let title = "No Redis modules loaded"
    let severity = Severity.blocker
    /// Built into the server, not loaded: Valkey 8+ lists its Lua engine as a module.
    static let builtIn: Set<String> = ["lua"]

    func evaluate(_ context: InstanceContext) -> CheckResult {
        guard context.answered else { return silent(context) }
        if context.info.version.map({ $0 < RedisVersion(major: 4) }) == true {
            return result(.pass, "Redis before 4.0 has no modules.", [context.infoEvidence("redis_version")])
        }
        let loaded: [ModuleList.Module]
        switch context.modules {
        case .success(let modules): loaded = modules
        case .failure(let failure):
            return result(
                .unknown, "MODULE LIST: \(failure.reason).",
                [Evidence(source: "MODULE LIST", observed: failure.reason)],
                remediation: "Let the audit user run MODULE LIST (ACL: +module|list).")
        }
        let modules = loaded.filter { !Self.builtIn.contains($0.name) }
        let evidence = [
            Evidence(
                source: "MODULE LIST", observed: modules.isEmpty ? "none" : modules.map(\.name).joined(separator: ", "))
        ]
        return modules.isEmpty
            ? result(.pass, "No modules are loaded.", evidence)
            : result(
                .fail, "Modules loaded: \(modules.map(\.name).joined(separator: ", ")).", evidence,
                remediation:
                    "Remove module data types and `loadmodule` lines before migrating; ElastiCache cannot load them.")
    }
}

extension CheckID {
    /// Last BGSAVE succeeded.
    public static let sourceBgsave: CheckID = "source.bgsave"
}

/// source.bgsave: a failing BGSAVE means the full sync fails too.
struct SourceBgsaveRule: InstanceRule {
    let id = CheckID.sourceBgsave
    let title = "Last BGSAVE succeeded"
    let severity = Severity.blocker

    func evaluate(_ context: InstanceContext) -> CheckResult {
        guard let status = context.info.rdbLastBgsaveStatus else { return silent(context) }
        let evidence = [context.infoEvidence("rdb_last_bgsave_status")]
        return status == "ok"
            ? result(.pass, "rdb_last_bgsave_status is ok.", evidence)
            : result(
                .fail, "The last BGSAVE failed: the full sync's RDB would fail too.", evidence,
                remediation:
                    "Find why BGSAVE fails (redis log: fork failure, disk full, permissions) and fix it; then BGSAVE once and check INFO persistence."
            )
    }
}
