// Placeholder: RedisFacts is being built (see Package.swift for its job).
enum RedisFactsModule {}
