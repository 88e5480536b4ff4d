import ArgumentParser
import AuditPipeline
import FleetCore
import FleetEngine
import Foundation
import Inventory
import Logging
import Reports
import Synchronization

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

    @Option(
        help: ArgumentHelp(
            "OpenSSH client config to resolve hosts with (default: the inventory's defaults.ssh_config, else "
                + "~/.ssh/config when it exists); 'none' reads none.",
            valueName: "file"))
    var sshConfig: String?

    /// Loads the inventory and applies `--limit`; on failure prints the file/line/field error and exits 2.
    /// Warnings (ssh_config keywords fleet-audit ignores) go to standard error, once per run.
    func selectedHosts() throws(AuditProblem) -> (Inventory, [InventoryHost]) {
        do {
            let loaded = try Inventory.load(path: inventory, sshConfig: SSHConfigChoice(commandLine: sshConfig))
            loaded.warnings.forEach { printError("fleet-audit: warning: \($0)") }
            return (loaded, try loaded.select(limit: limit))
        } catch {
            throw .input("\(error)")
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
///
/// Messages quote host names, paths and remote errors, so each line goes through `OutputText.terminalLines`: the
/// message's own line breaks stay, nothing in it is interpreted by the terminal.
func printError(_ message: String) { Console.standard.error(message) }

/// How much fleet-audit says about its own work on standard error. Secrets are never logged at any level.
struct LoggingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel: String = "warning"

    @Flag(name: .shortAndLong, help: "Same as --log-level info.")
    var verbose = false

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError(
                "--log-level must be one of: \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// Sends swift-log output to standard error at the chosen level. Call once, first thing in `run()`.
    func bootstrap() {
        let level = verbose ? .info : (Logger.Level(rawValue: logLevel) ?? .warning)
        LoggingBootstrap.once(level: level)
    }
}

/// swift-log may be bootstrapped only once per process.
private enum LoggingBootstrap {
    private static let done = Mutex(false)

    static func once(level: Logger.Level) {
        let first = done.withLock { alreadyDone in
            defer { alreadyDone = true }
            return !alreadyDone
        }
        guard first else { return }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler(
                label: label, stream: TerminalSafeStandardError(), metadataProvider: LoggingSystem.metadataProvider)
            handler.logLevel = level
            return handler
        }
    }
}

/// Standard error for log entries, which quote host names, addresses and remote errors in their messages and
/// metadata: each entry goes through `OutputText.terminal`, so it stays one line and nothing in it reaches the
/// terminal as a control sequence.
private struct TerminalSafeStandardError: TextOutputStream, Sendable {
    func write(_ string: String) {
        // StreamLogHandler writes one entry per call, ending in its own newline: that one is kept.
        let entry = string.hasSuffix("\n") ? String(string.dropLast()) : string
        let ending = string.hasSuffix("\n") ? "\n" : ""
        StandardStream.error.write(OutputText.terminal(entry) + ending)
    }
}

/// The SSH engine for a command; a process that cannot hold `concurrency` sessions exits with the environment status.
/// The inventory's `max_sessions_per_bastion` and `max_connections_per_bastion` size the bastion pools.
func makeEngine(concurrency: Int, inventory: Inventory) throws(AuditProblem) -> FleetEngine {
    do {
        return try FleetEngine(
            configuration: .init(
                concurrency: concurrency,
                maxChannelsPerBastionConnection: inventory.bastionLimits.maxSessionsPerBastion,
                maxConnectionsPerBastion: inventory.bastionLimits.maxConnectionsPerBastion))
    } catch {
        throw .environment("\(error)")
    }
}
