// Placeholder: Planning is being built (see Package.swift for its job).
enum PlanningModule {}
