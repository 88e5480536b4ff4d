import ArgumentParser
import Foundation
import Inventory
import Reports

/// Validates an inventory and lists the hosts a `--limit` selects, without contacting any of them.
struct HostsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hosts",
        abstract: "Check an inventory and list the hosts it selects (nothing is contacted).",
        discussion: """
            Examples:
              fleet-audit hosts --inventory inventory/example.yaml
              fleet-audit hosts --inventory inventory/example.yaml --limit 'prod,!cache-prod-2'
              fleet-audit hosts --inventory inv.yaml --ssh-config ~/.ssh/config --show-ssh
            """
    )

    @OptionGroup var inventoryOptions: InventoryOptions

    @Flag(help: "One host name per line, for scripts.")
    var namesOnly = false

    @Flag(
        name: .customLong("show-ssh"),
        help: "The SSH settings each host resolved to (ssh_config and inventory), in `ssh -G`'s keyword value form.")
    var showSSH = false

    func run() throws {
        let (inventory, hosts) = try inventoryOptions.selectedHosts()
        if namesOnly {
            // One name per line even when a name holds a line break (shown as `\n`, like every hidden character).
            hosts.forEach { print(OutputText.terminal($0.name)) }
            return
        }
        if showSSH {
            for host in hosts {
                print("host \(OutputText.terminal(host.name))")
                OpenSSHSettingsDump.lines(for: host.connection).forEach { print("  " + OutputText.terminal($0)) }
            }
            return
        }
        let rows = hosts.map { host in
            [
                host.name, "\(host.user)@\(host.address):\(host.port)", host.hostKeyChecking.rawValue,
                host.redis.map { String($0.port) }.joined(separator: ","),
                host.tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "),
            ]
        }
        print(TextTable.render(rows: [["HOST", "SSH", "HOST KEYS", "REDIS", "TAGS"]] + rows), terminator: "")
        print(
            "\(hosts.count) of \(inventory.hosts.count) hosts selected from \(inventory.sourcePath) (\(inventory.digest))"
        )
    }
}
