// Placeholder: Readiness is being built (see Package.swift for its job).
enum ReadinessModule {}
