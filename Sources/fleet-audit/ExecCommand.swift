import ArgumentParser
import AuditPipeline
import FleetCore
import FleetEngine
import Foundation
import Inventory

/// Runs one command on every selected host, in parallel, and shows each host's output and a summary.
struct ExecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run one command on every selected host, in parallel.",
        discussion: """
            Output lines are prefixed with the host name ('name | ' for stdout, 'name ! ' for stderr) and printed as \
            each host finishes; --group prints one block per host instead, --json one JSON document for machines.

            Examples:
              fleet-audit exec --inventory inventory/example.yaml -- uptime
              fleet-audit exec -i inv.yaml --limit 'prod,!cache-prod-3' --json -- redis-cli INFO server

            \(ExitStatus.helpText)
            """
    )

    @OptionGroup var inventoryOptions: InventoryOptions

    @Option(help: "Sessions in flight at once.")
    var concurrency = 256

    @Flag(help: "One JSON document on stdout: results[] with host, status, exit_status, error_class, phase, stdout, …")
    var json = false

    @Flag(help: "One block of output per host instead of prefixed lines.")
    var group = false

    @Option(
        help: ArgumentHelp("Override the inventory's host key checking: strict, accept-new or off.", valueName: "mode"))
    var hostKeyChecking: HostKeyChecking?

    @Option(help: ArgumentHelp("Seconds the command may run on each host (overrides the inventory).", valueName: "s"))
    var commandTimeout: Double?

    @Option(
        help: ArgumentHelp(
            "Bytes of stdout and of stderr kept per host; the rest is dropped and flagged.", valueName: "n"))
    var outputLimit = RemoteJob.defaultOutputLimit

    @OptionGroup var logging: LoggingOptions

    @Argument(parsing: .captureForPassthrough, help: "The command line to run on each host (after --).")
    var command: [String] = []

    func validate() throws {
        let words = command.first == "--" ? Array(command.dropFirst()) : command
        guard !words.isEmpty else { throw ValidationError("give the command to run after --, e.g. -- uptime") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard outputLimit >= 0 else { throw ValidationError("--output-limit must not be negative") }
    }

    func run() async throws {
        logging.bootstrap()
        let (inventory, hosts) = try inventoryOptions.selectedHosts()
        let commandLine = (command.first == "--" ? Array(command.dropFirst()) : command).joined(separator: " ")
        let jobs = hosts.map { host in
            var connection = host.connection
            if let hostKeyChecking { connection.hostKeyChecking = hostKeyChecking }
            if let commandTimeout { connection.deadlines.command = commandTimeout }
            return RemoteJob(host: connection, command: commandLine, outputLimit: outputLimit)
        }
        if jobs.contains(where: { $0.host.hostKeyChecking == .off }) {
            printError("fleet-audit: WARNING: host keys are NOT verified for some hosts (host_key_checking: off)")
        }
        let engine = try makeEngine(concurrency: concurrency, inventory: inventory)
        let printer = ExecPrinter(mode: json ? .json : group ? .grouped : .prefixed, total: jobs.count)
        let results = await engine.run(jobs) { printer.hostFinished($0) }
        printer.finish(results)
        let failed = results.filter { $0.status != .ok }.map {
            AuditProblem.finding(.unreachable, "\($0.host): \($0.status.rawValue)")
        }
        // No --fail-on: a host whose command did not succeed makes the status 1.
        throw CommandEnd(AuditOutcome(problems: failed), failOn: .blocked)
    }
}

extension HostKeyChecking: ExpressibleByArgument {}
