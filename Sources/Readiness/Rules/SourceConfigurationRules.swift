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
            let minor = release.majorMinor
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
