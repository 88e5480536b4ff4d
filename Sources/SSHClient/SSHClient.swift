// Placeholder: SSHClient is being built (see Package.swift for its job).
enum SSHClientModule {}
