// Placeholder: LabKit is being built (see Package.swift for its job).
enum LabKitModule {}
