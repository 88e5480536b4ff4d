import ArgumentParser
import Foundation
import Inventory

/// Which hosts to act on: the inventory file and an optional `--limit`.
struct InventoryOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Inventory file (YAML). See inventory/README.md.")
    var inventory: String

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "Hosts to act on: names or globs, groups, tag:KEY=VALUE; ',' adds, '&' requires, '!' removes.",
            valueName: "expr"))
    var limit: String?

    /// Loads the inventory and applies `--limit`; on failure prints the file/line/field error and exits 2.
    func selectedHosts() throws -> (Inventory, [InventoryHost]) {
        do {
            let loaded = try Inventory.load(path: inventory)
            return (loaded, try loaded.select(limit: limit))
        } catch {
            printError("fleet-audit: \(error)")
            throw ExitCode(ExitCodes.invalidInput)
        }
    }
}

/// Where runs, reports and history are written: the reports root.
struct OutputOptions: ParsableArguments {
    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "Reports root: runs go to DIR/runs/<UTC time>/, DIR/latest points at the newest.", valueName: "dir"))
    var out: String = "reports"
}

/// Writes one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
