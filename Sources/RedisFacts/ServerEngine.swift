/// Which server answers: Redis, or Valkey (which reports `redis_version:7.2.4` whatever its own version).
public enum ServerEngine: String, Sendable, Codable {
    case redis, valkey
}
