// Placeholder: Collector is being built (see Package.swift for its job).
enum CollectorModule {}
