import FleetCore
import Foundation
import YAMLInput

/// The hosts to audit, loaded from an inventory file (YAML).
///
/// Loading happens in two steps, as Ansible's inventory plugins do: the whole file is validated first (every
/// problem names file, line and field), and nothing runs unless it is valid.
public struct Inventory: Sendable {
    /// Path the inventory was read from.
    public var sourcePath: String
    /// `sha256:<hex>` of the file's bytes, recorded in every run so reports say which inventory they audited.
    public var digest: String
    /// Hosts in file order.
    public var hosts: [InventoryHost]
    /// How much one ProxyJump bastion carries at once (`defaults.max_sessions_per_bastion`,
    /// `defaults.max_connections_per_bastion`).
    public var bastionLimits = BastionLimits()
    /// The ssh_config file the hosts were resolved with; nil when none was used.
    public var sshConfigPath: String?
    /// What the user should know but that does not stop the run: each unsupported ssh_config keyword once, with
    /// the first file:line it appears at. Print them once per run.
    public var warnings: [String] = []

    public init(sourcePath: String, digest: String, hosts: [InventoryHost]) {
        self.sourcePath = sourcePath
        self.digest = digest
        self.hosts = hosts
    }

    /// Reads and validates an inventory file, resolving hosts through the ssh_config `sshConfig` selects.
    ///
    /// - Parameter homeDirectory: where `~`, `%d` and the default `~/.ssh/config` are.
    public static func load(
        path: String, sshConfig: SSHConfigChoice = .fromInventory, homeDirectory: String = NSHomeDirectory()
    ) throws(YAMLFileError) -> Inventory {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw YAMLFileError(file: path, line: nil, field: nil, message: "cannot read the inventory file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw YAMLFileError(file: path, line: nil, field: nil, message: "the inventory is not UTF-8 text")
        }
        let directory = (path as NSString).deletingLastPathComponent
        var inventory = try InventoryParser(
            file: path, baseDirectory: directory.isEmpty ? "." : directory, sshConfigChoice: sshConfig,
            homeDirectory: homeDirectory
        ).parse(text)
        inventory.digest = "sha256:" + SHA256.hexDigest(of: data)
        return inventory
    }

    /// Parses inventory text; relative paths resolve against `baseDirectory`.
    public static func parse(_ text: String, file: String, baseDirectory: String) throws(YAMLFileError) -> Inventory {
        var inventory = try InventoryParser(file: file, baseDirectory: baseDirectory).parse(text)
        inventory.digest = "sha256:" + SHA256.hexDigest(of: Data(text.utf8))
        return inventory
    }

    /// The hosts a `--limit` expression selects (all hosts when `expression` is nil or empty).
    /// See `HostSelection` for the syntax.
    public func select(limit expression: String?) throws(YAMLFileError) -> [InventoryHost] {
        guard let expression, !expression.trimmingCharacters(in: .whitespaces).isEmpty else { return hosts }
        let selection: HostSelection
        do {
            selection = try HostSelection(parsing: expression)
        } catch {
            throw YAMLFileError(file: "--limit", line: nil, field: nil, message: error.description)
        }
        let chosen = hosts.filter(selection.matches)
        if chosen.isEmpty {
            throw YAMLFileError(
                file: "--limit", line: nil, field: nil,
                message: "'\(expression)' selects no host of \(sourcePath) (\(hosts.count) hosts)")
        }
        return chosen
    }
}
