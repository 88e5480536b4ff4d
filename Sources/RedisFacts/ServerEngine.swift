/// Which server answered: Redis, or Valkey (the Linux Foundation's fork of Redis 7.2.4, which ElastiCache also runs).
///
/// Valkey still reports `redis_version` for clients that branch on it, frozen at 7.2.4 from Valkey 8 on, so the
/// engine decides which field holds the version that matters (`RedisInfo.engineVersion`).
public enum ServerEngine: String, Sendable, Codable {
    case redis
    case valkey
}
