import ArgumentParser
import Foundation
import Inventory

/// Validates an inventory and lists the hosts a `--limit` selects, without contacting any of them.
struct HostsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hosts",
        abstract: "Check an inventory and list the hosts it selects (nothing is contacted).",
        discussion: """
            Examples:
              fleet-audit hosts --inventory inventory/example.yaml
              fleet-audit hosts --inventory inventory/example.yaml --limit 'prod,!cache-prod-2'
            """
    )

    @OptionGroup var inventoryOptions: InventoryOptions

    @Flag(help: "One host name per line, for scripts.")
    var namesOnly = false

    func run() throws {
        let (inventory, hosts) = try inventoryOptions.selectedHosts()
        if namesOnly {
            hosts.forEach { print($0.name) }
            return
        }
        let rows = hosts.map { host in
            [
                host.name, "\(host.user)@\(host.address):\(host.port)", host.hostKeyChecking.rawValue,
                host.redis.map { String($0.port) }.joined(separator: ","),
                host.tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "),
            ]
        }
        print(TextTable.render(header: ["HOST", "SSH", "HOST KEYS", "REDIS", "TAGS"], rows: rows), terminator: "")
        print(
            "\(hosts.count) of \(inventory.hosts.count) hosts selected from \(inventory.sourcePath) (\(inventory.digest))"
        )
    }
}

/// Left-aligned columns separated by two spaces, for terminal listings.
enum TextTable {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
