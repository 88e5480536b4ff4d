// Placeholder: Inventory is being built (see Package.swift for its job).
enum InventoryModule {}
