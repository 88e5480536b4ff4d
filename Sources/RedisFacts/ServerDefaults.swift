/// What a setting is when nothing sets it: the compiled-in default of each engine and release, the last layer of
/// a setting's value (after CONFIG GET, the command line and redis.conf). Only the settings the readiness rules
/// read are listed; from Redis's redis.conf and config.c of each release, and Valkey's (which kept Redis 7.2's).
public enum ServerDefaults {
    /// The default of `name` on this server, in the form CONFIG GET shows it; `.absent` when the release predates
    /// the setting (and what that means); nil when the setting is not in this table.
    public static func value(of name: String, engine: ServerEngine, version: RedisVersion) -> Default? {
        // Valkey forked Redis 7.2.4 and kept its defaults for these settings.
        let redisLine = engine == .valkey ? RedisVersion(major: 7, minor: 2, patch: 4) : version
        switch name.lowercased() {
        case "bind":
            // Redis 7.0 made the default explicit: every IPv4 address, and IPv6 where it exists.
            return .value(redisLine >= RedisVersion(major: 7) ? "* -::*" : "")
        case "protected-mode":
            return redisLine >= RedisVersion(major: 3, minor: 2)
                ? .value("yes") : .absent("protected mode came with Redis 3.2")
        case "requirepass": return .value("")
        case "databases": return .value("16")
        case "port": return .value("6379")
        case "tls-port": return .value("0")
        case "cluster-enabled":
            return redisLine >= RedisVersion(major: 3) ? .value("no") : .absent("cluster mode came with Redis 3.0")
        case "maxclients": return .value("10000")
        case "repl-backlog-size": return .value("1048576")
        case "repl-timeout": return .value("60")
        case "repl-diskless-sync": return .value(redisLine >= RedisVersion(major: 7) ? "yes" : "no")
        case "client-output-buffer-limit":
            return .value("normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60")
        default: return nil
        }
    }

    /// The default of `name` when the release is not known (INFO did not answer): only settings whose default is
    /// the same in every Redis and Valkey release that has them.
    public static func everyRelease(_ name: String) -> String? {
        switch name.lowercased() {
        case "requirepass": return ""
        case "databases": return "16"
        case "port": return "6379"
        case "tls-port": return "0"
        // No release before 3.0 has cluster mode at all: "no" either way.
        case "cluster-enabled": return "no"
        case "maxclients": return "10000"
        case "repl-backlog-size": return "1048576"
        case "repl-timeout": return "60"
        case "client-output-buffer-limit":
            return "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
        default: return nil
        }
    }

    public enum Default: Sendable, Hashable {
        case value(String)
        /// The release does not have the setting: the reason says what its absence means.
        case absent(String)
    }
}
