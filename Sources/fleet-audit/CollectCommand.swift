import ArgumentParser
import AuditPipeline
import Collector
import FleetCore
import FleetEngine
import Foundation
import Inventory
import Reports

/// Collects redis.conf, INFO, network addressing, resources and instance metadata from every selected host and
/// stores them as a run that later commands evaluate offline.
struct CollectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Collect Redis and host facts from every selected host into a stored run.",
        discussion: """
            Each host gets one SSH exec channel running a read-only POSIX sh collector (docs/collector.md lists \
            every command it may run). Each host's snapshot is written as soon as it finishes, to \
            DIR/runs/<UTC time>/hosts/<name>.json, with redacted raw evidence beside it; DIR/latest points at the \
            newest run. Redis passwords come from the inventory's password_env/password_file references.

            Examples:
              fleet-audit collect --inventory inventory/example.yaml
              fleet-audit collect -i inv.yaml --limit prod --out /var/lib/fleet-audit

            \(ExitStatus.helpText)
            """
    )

    @OptionGroup var inventoryOptions: InventoryOptions
    @OptionGroup var output: OutputOptions

    @OptionGroup var sampling: SamplingOptions

    @Option(help: "Sessions in flight at once.")
    var concurrency = 256

    @Option(
        help: ArgumentHelp("Override the inventory's host key checking: strict, accept-new or off.", valueName: "mode"))
    var hostKeyChecking: HostKeyChecking?

    @OptionGroup var lockOptions: LockOptions

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        logging.bootstrap()
        let (inventory, selected) = try inventoryOptions.selectedHosts()
        let lock = try lockOptions.lock(root: output.out, purpose: "fleet-audit collect")
        defer { lock.release() }
        let hosts = selected.map { host in
            var host = host
            if let hostKeyChecking { host.hostKeyChecking = hostKeyChecking }
            return host
        }
        if hosts.contains(where: { $0.hostKeyChecking == .off }) {
            printError("fleet-audit: WARNING: host keys are NOT verified for some hosts (host_key_checking: off)")
        }
        let engine = try makeEngine(concurrency: concurrency, inventory: inventory)
        let collector = Collector(
            executor: engine, store: RunStore(root: output.out), options: sampling.collectionOptions)
        let collection: Collector.Collection
        do {
            collection = try await collector.collect(inventory: inventory, hosts: hosts) { snapshot in
                print(CollectCommand.line(for: snapshot))
            }
        } catch {
            throw AuditProblem(collection: error)
        }
        let failed = collection.snapshots.filter { $0.failure != nil }.map {
            AuditProblem.finding(.unreachable, "\($0.host.name): unreachable")
        }
        print(
            "\(collection.snapshots.count) hosts: \(collection.snapshots.count - failed.count) collected, "
                + "\(failed.count) unreachable. Run: \(collection.run.directory) (\(output.out)/latest)")
        let problems = collection.storeErrors.map { AuditProblem.environment($0) }
        problems.forEach(Console.standard.report)
        // No --fail-on: a host that failed makes the collection's status 1.
        throw CommandEnd(AuditOutcome(problems: problems + failed), failOn: .blocked)
    }

    /// One line per host as it finishes; the name (an inventory's or EC2 tag's) and the failure message (a host's
    /// words) go through `OutputText.terminal`.
    static func line(for snapshot: HostSnapshot) -> String {
        let name = OutputText.terminal(snapshot.host.name)
        if let failure = snapshot.failure { return "\(name)  unreachable  \(OutputText.terminal(failure.summary))" }
        let ports = snapshot.instances.map { String($0.port) }.joined(separator: ", ")
        return "\(name)  collected  \(snapshot.instances.count) Redis instance(s)"
            + (ports.isEmpty ? "" : " (\(ports))")
    }
}
