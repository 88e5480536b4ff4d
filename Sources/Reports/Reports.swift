// Placeholder: Reports is being built (see Package.swift for its job).
enum ReportsModule {}
