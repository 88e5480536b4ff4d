import FleetCore

/// The server's command table as it runs: what `COMMAND` lists, reduced by the collector to one `name flag...` line
/// per command. It is the ground truth for renamed commands: a renamed command is there under its new name (with
/// its flags), a disabled one is not there at all, whatever any config file says.
public struct CommandTable: Sendable, Hashable {
    /// Flags by command name (lowercased), as the server reports them (`write`, `readonly`, `admin`, ...).
    public private(set) var flags: [String: Set<String>] = [:]
    /// Lines that were not a `name flag...` line (a hostile or broken host): counted, never used.
    public private(set) var unreadableLines = 0

    /// Commands kept at most: every real server has fewer than 400.
    public static let maximumCommands = 4_096

    /// nil when the text is not a command table: an error reply (`ERR unknown command`, `NOPERM`), a failed
    /// connection, or nothing at all. A failed read is evidence of the failure, never an empty table.
    public init?(parsing text: String) {
        for line in TextLine.split(text) {
            let fields = Self.words(line.content)
            guard let first = fields.first else { continue }
            let name = first.lowercased()
            guard flags.count + renamed.count < Self.maximumCommands, Self.isCommandName(name),
                fields.dropFirst().allSatisfy({ Self.isFlag($0) })
            else {
                unreadableLines += 1
                continue
            }
            let commandFlags = Set(fields.dropFirst().map(Self.normalizedFlag))
            if RedisCommandCatalogue.isKnown(name) {
                flags[name] = commandFlags
            } else {
                renamed.append(commandFlags)
            }
        }
        // A server has dozens of commands; an error reply reduced by the collector is one line that is not a table.
        guard flags.count + renamed.count >= 8 else { return nil }
    }

    public func contains(_ name: String) -> Bool { flags[name.lowercased()] != nil }

    /// Whether the server flags the command as one that changes data (`write`, `may_replicate`).
    public func isWrite(_ name: String) -> Bool {
        guard let commandFlags = flags[name.lowercased()] else { return false }
        return commandFlags.contains("write") || commandFlags.contains("may_replicate")
    }

    /// The flags of every command under a name no Redis or Valkey release has: commands given a new name by
    /// `rename-command`. The names are secrets by design (the collector's output has them redacted) and are
    /// never kept.
    public private(set) var renamed: [Set<String>] = []

    static func isCommandName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 128
            && name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") }
    }

    /// The words of a line, split at spaces on its UTF-8 bytes (a space is one byte that never occurs inside a
    /// multi-byte sequence, so the cuts are where `split(separator: " ")` would make them, without walking
    /// `Character`s).
    static func words(_ line: String) -> [Substring] {
        line.utf8.split(separator: UInt8(ascii: " ")).map { Substring(String(decoding: $0, as: UTF8.self)) }
    }

    /// `isFlag` admitted only `a-z`, `_`, `-` and `@`, so the flag is lowercase already: only `-` becomes `_`
    /// (a byte map; Foundation's `replacingOccurrences` was a tenth of `report --run`, once per flag per server).
    static func normalizedFlag(_ flag: Substring) -> String {
        guard flag.utf8.contains(UInt8(ascii: "-")) else { return String(flag) }
        return String(decoding: flag.utf8.map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "_") : $0 }, as: UTF8.self)
    }

    static func isFlag(_ flag: Substring) -> Bool {
        !flag.isEmpty && flag.utf8.count <= 40
            && flag.utf8.allSatisfy {
                ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || $0 == UInt8(ascii: "_")
                    || $0 == UInt8(ascii: "-")
                    || $0 == UInt8(ascii: "@")
            }
    }
}

/// `COMMAND INFO` of named commands, as the collector records it: whether each resolves under its own name. A
/// renamed command keeps its original name in `COMMAND`'s list but is looked up by its new one, so only this shows
/// it (and a disabled one is in neither).
public struct CommandLookup: Sendable, Hashable {
    public private(set) var resolves: [String: Bool] = [:]

    /// nil when the text is not the collector's lookup (an error reply, COMMAND itself renamed, nothing).
    public init?(parsing text: String) {
        // On the bytes: lines cut at LF with the CR of a CRLF dropped (`TextLine.split`), words at spaces
        // (`CommandTable.words`); a name is lowercased as `lowercased()` does, by bytes when it is ASCII.
        var text = text
        resolves = text.withUTF8 { bytes in
            var resolves: [String: Bool] = [:]
            var start = 0
            while start <= bytes.count {
                let newline = ASCIIBytes.firstIndex(of: 0x0A, in: bytes[start...])
                var end = newline ?? bytes.count
                if newline != nil, end > start, bytes[end - 1] == 0x0D { end -= 1 }
                defer { start = (newline ?? bytes.count) + 1 }
                guard let (nameBytes, answerBytes) = ASCIIBytes.twoPieces(bytes[start..<end], separator: 0x20),
                    resolves.count < CommandTable.maximumCommands
                else { continue }
                let answer = bytes[answerBytes]
                let yes = answer.elementsEqual("yes".utf8)
                guard yes || answer.elementsEqual("no".utf8) else { continue }
                let name = ASCIIBytes.lowercased(bytes[nameBytes])
                guard CommandTable.isCommandName(name) else { continue }
                resolves[name] = yes
            }
            return resolves
        }
        guard resolves.count >= 8 else { return nil }
        unresolved = resolves.filter { !$0.value }.keys.sorted()
    }

    /// Names that did not resolve: renamed or disabled (sorted once: a lookup is parsed once per distinct text).
    public private(set) var unresolved: [String] = []
}

/// Which commands Redis and Valkey have had, in which release, and which of them change data. Measured from the
/// `COMMAND` replies of Redis 2.8.17, 3.2.6, 4.0.14, 5.0.14, 6.0.20, 6.2.14, 7.0.15, 7.2.6, 7.4.1 and Valkey 7.2.7,
/// 8.0.1, 8.1.1, 9.1.2 (Tests/RedisFactsTests/Fixtures, `command-table.txt`): every `since` below agrees with all
/// thirteen tables (CommandTableRuleTests checks it).
public enum RedisCommandCatalogue {
    /// Every command name of those releases: a name outside it in a server's table was given by `rename-command`.
    public static let knownNames: Set<String> = [
        // Redis 4.0-6.2 only: the HTTP-attack guards (`post`, `host:`) and STRALGO (6.0-6.2).
        "post", "host:", "stralgo",
        "acl", "append", "asking", "auth", "bgrewriteaof", "bgsave", "bitcount", "bitfield", "bitfield_ro", "bitop",
        "bitpos", "blmove", "blmpop", "blpop", "brpop", "brpoplpush", "bzmpop", "bzpopmax", "bzpopmin", "client",
        "cluster", "clusterscan", "command", "commandlog", "config", "copy", "dbsize", "debug", "decr", "decrby",
        "del", "delifeq", "discard", "dump", "echo", "eval", "eval_ro", "evalsha", "evalsha_ro", "exec", "exists",
        "expire", "expireat", "expiretime", "failover", "fcall", "fcall_ro", "flushall", "flushdb", "function",
        "geoadd", "geodist", "geohash", "geopos", "georadius", "georadius_ro", "georadiusbymember",
        "georadiusbymember_ro", "geosearch", "geosearchstore", "get", "getbit", "getdel", "getex", "getrange",
        "getset", "hdel", "hello", "hexists", "hexpire", "hexpireat", "hexpiretime", "hget", "hgetall", "hgetdel",
        "hgetex", "hincrby", "hincrbyfloat", "hkeys", "hlen", "hmget", "hmset", "hpersist", "hpexpire", "hpexpireat",
        "hpexpiretime", "hpttl", "hrandfield", "hscan", "hset", "hsetex", "hsetnx", "hstrlen", "httl", "hvals",
        "incr", "incrby", "incrbyfloat", "info", "keys", "lastsave", "latency", "lcs", "lindex", "linsert", "llen",
        "lmove", "lmpop", "lolwut", "lpop", "lpos", "lpush", "lpushx", "lrange", "lrem", "lset", "ltrim", "memory",
        "mget", "migrate", "module", "monitor", "move", "mset", "msetex", "msetnx", "multi", "object", "persist",
        "pexpire", "pexpireat", "pexpiretime", "pfadd", "pfcount", "pfdebug", "pfmerge", "pfselftest", "ping",
        "psetex", "psubscribe", "psync", "pttl", "publish", "pubsub", "punsubscribe", "quit", "randomkey", "readonly",
        "readwrite", "rename", "renamenx", "replconf", "replicaof", "reset", "restore", "restore-asking", "role",
        "rpop", "rpoplpush", "rpush", "rpushx", "sadd", "save", "scan", "scard", "script", "sdiff", "sdiffstore",
        "select", "set", "setbit", "setex", "setnx", "setrange", "shutdown", "sinter", "sintercard", "sinterstore",
        "sismember", "slaveof", "slowlog", "smembers", "smismember", "smove", "sort", "sort_ro", "spop", "spublish",
        "srandmember", "srem", "sscan", "ssubscribe", "strlen", "subscribe", "substr", "sunion", "sunionstore",
        "sunsubscribe", "swapdb", "sync", "time", "touch", "ttl", "type", "unlink", "unsubscribe", "unwatch", "wait",
        "waitaof", "watch", "xack", "xadd", "xautoclaim", "xclaim", "xdel", "xgroup", "xinfo", "xlen", "xpending",
        "xrange", "xread", "xreadgroup", "xrevrange", "xsetid", "xtrim", "zadd", "zcard", "zcount", "zdiff",
        "zdiffstore", "zincrby", "zinter", "zintercard", "zinterstore", "zlexcount", "zmpop", "zmscore", "zpopmax",
        "zpopmin", "zrandmember", "zrange", "zrangebylex", "zrangebyscore", "zrangestore", "zrank", "zrem",
        "zremrangebylex", "zremrangebyrank", "zremrangebyscore", "zrevrange", "zrevrangebylex", "zrevrangebyscore",
        "zrevrank", "zscan", "zscore", "zunion", "zunionstore",
    ]

    /// Commands of later releases than the measured ones, from the Redis command documentation (Redis 8.0's vector
    /// sets, 8.2's stream commands).
    static let documentedNames: Set<String> = [
        "vadd", "vcard", "vdim", "vemb", "vgetattr", "vinfo", "vlinks", "vrandmember", "vrem", "vsetattr", "vsim",
        "xackdel", "xdelex", "delex", "digest",
    ]

    /// Whether a release has a command of this name. A name with a dot is a module's (`json.set`, `ft.search`),
    /// not a rename.
    public static func isKnown(_ name: String) -> Bool {
        let name = name.lowercased()
        return knownNames.contains(name) || documentedNames.contains(name) || name.contains(".")
    }

    /// `isKnown` of a name of ASCII bytes, where a dot byte is a dot Character and lower-casing is ASCII's.
    static func isKnown(asciiName name: UnsafeBufferPointer<UInt8>) -> Bool {
        if name.contains(UInt8(ascii: ".")) { return true }
        // Served names are lower case: only a name with capitals is copied to lower them.
        let hasCapitals = name.contains { (0x41...0x5A).contains($0) }
        let lowered =
            hasCapitals
            ? String(decoding: name.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
            : String(decoding: name, as: UTF8.self)
        return knownNames.contains(lowered) || documentedNames.contains(lowered)
    }

    /// A command that must keep its name for the migration's replication to work, and the first release of each
    /// engine that has it (nil: that engine does not have it, or the release is not known: then its absence from a
    /// table proves nothing, and only a renamed copy flagged `write` shows the rename).
    public struct ReplicationCommand: Sendable, Hashable {
        public let name: String
        public let redisSince: RedisVersion?
        public let valkeySince: RedisVersion?

        /// Whether a server of this engine and version has the command under its own name when nothing renamed it.
        public func exists(in engine: ServerEngine, version: RedisVersion) -> Bool {
            switch engine {
            case .redis: return redisSince.map { version >= $0 } ?? false
            // Valkey 7.2 forked Redis 7.2.4: every Redis command up to 7.2 is there.
            case .valkey:
                if let valkeySince { return version >= valkeySince }
                return redisSince.map { $0 <= RedisVersion(major: 7, minor: 2, patch: 4) } ?? false
            }
        }
    }

    /// Commands flagged `write` (or `may_replicate`) in some release, plus those a replica receives verbatim in the
    /// replication stream or uses to replicate (SYNC, PSYNC, REPLCONF, MULTI/EXEC, EVAL, PING, SELECT, PUBLISH).
    public static let replicationCritical: [ReplicationCommand] = {
        func since(_ redis: String?, valkey: String? = nil, _ names: String) -> [ReplicationCommand] {
            names.split(separator: " ").map {
                ReplicationCommand(
                    name: String($0), redisSince: redis.flatMap(RedisVersion.init),
                    valkeySince: valkey.flatMap(RedisVersion.init))
            }
        }
        return since(
            "2.8.0",
            "append bitop blpop brpop brpoplpush decr decrby del eval evalsha exec expire expireat flushall flushdb "
                + "getset hdel hincrby hincrbyfloat hmset hset hsetnx incr incrby incrbyfloat linsert lpop lpush lpushx "
                + "lrem lset ltrim migrate move mset msetnx multi persist pexpire pexpireat pfadd pfcount pfmerge psetex "
                + "psync publish rename renamenx replconf restore rpop rpoplpush rpush rpushx sadd script sdiffstore "
                + "set setbit setex setnx setrange sinterstore smove sort spop srem sunionstore sync zadd zincrby "
                + "zinterstore zrem zremrangebylex zremrangebyrank zremrangebyscore zunionstore ping select")
            + since("3.2.0", "bitfield geoadd georadius georadiusbymember")
            + since("4.0.0", "unlink swapdb")
            + since("5.0.0", "xadd xack xclaim xdel xgroup xreadgroup xsetid xtrim zpopmin zpopmax bzpopmin bzpopmax")
            + since("6.2.0", "blmove lmove copy getdel getex geosearchstore zrangestore zdiffstore xautoclaim")
            + since("7.0.0", "blmpop lmpop zmpop bzmpop fcall function")
            + since("7.4.0", valkey: "9.0.0", "hexpire hexpireat hpexpire hpexpireat hpersist")
            + since("8.0.0", valkey: "9.0.0", "hgetdel hgetex hsetex")
            + since(nil, valkey: "9.0.0", "delifeq msetex")
    }()

    public static let replicationCriticalNames: Set<String> = Set(replicationCritical.map(\.name))

    /// The names the collector looks up in every server (`COMMAND INFO`): every command that must keep its name,
    /// and the administrative ones.
    public static let lookedUpNames: [String] = (replicationCritical + administrative).map(\.name)

    /// Administrative commands operators often rename or disable (the migration's data does not need them): a
    /// missing one is reported as a rename to check, not a blocker.
    public static let administrative: [ReplicationCommand] = {
        func since(_ redis: String, _ names: String) -> [ReplicationCommand] {
            names.split(separator: " ").map {
                ReplicationCommand(name: String($0), redisSince: RedisVersion(redis), valkeySince: nil)
            }
        }
        return since("2.8.0", "config keys debug shutdown save bgsave bgrewriteaof monitor slaveof info client")
            + since("2.8.13", "command") + since("3.0.0", "cluster") + since("4.0.0", "module")
            + since("5.0.0", "replicaof") + since("6.0.0", "acl")
    }()
}
