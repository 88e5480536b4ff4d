// Placeholder: FleetEngine is being built (see Package.swift for its job).
enum FleetEngineModule {}
