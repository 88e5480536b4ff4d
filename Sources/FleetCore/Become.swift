/// How the collector runs the reads that need privilege. `sudo` uses `sudo -n` (never a prompt, never a password);
/// `none` (the default) runs everything as the login user and records each read that was refused.
/// Shared vocabulary of the inventory and the lab's scenarios, hence here rather than in Inventory.
public enum Become: String, Sendable, Hashable, Codable, CaseIterable {
    case none
    case sudo
}
