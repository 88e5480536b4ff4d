// Placeholder: History is being built (see Package.swift for its job).
enum HistoryModule {}
