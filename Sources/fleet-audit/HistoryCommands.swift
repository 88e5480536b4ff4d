import ArgumentParser
import AuditPipeline
import FleetCore
import Foundation
import History
import Reports
import RunComparison

/// Lists the runs of a reports root, newest first, with hosts and instances per status.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List recorded runs (newest first) with hosts and instances per status.",
        discussion: """
            Reads DIR/history.sqlite (docs/history.md). Run directories that are not in the history are listed too: \
            'incomplete' (killed or failed mid-collection: never recorded, never compared) and 'not-evaluated' \
            (collected only: `fleet-audit report --run` records them).

            Examples:
              fleet-audit history
              fleet-audit history --out /var/lib/fleet-audit --format json

            \(ExitStatus.helpText)
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @OptionGroup var output: OutputOptions

    @Option(help: "Output: text or json.")
    var format: Format = .text

    func run() throws {
        let recorded: [RecordedRun]
        do {
            recorded = HistoryStore.exists(root: output.out) ? try HistoryStore(root: output.out).runs() : []
        } catch {
            throw AuditProblem(history: error)
        }
        let listing = HistoryListing(recorded: recorded, directories: RunDirectory.scan(root: output.out))
        print(format == .json ? listing.json() : listing.text(), terminator: "")
    }
}

/// Shows what changed between two recorded runs.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what changed between two recorded runs: hosts, instances and checks, with the evidence.",
        discussion: """
            Without arguments compares the two newest recorded runs; with one, that run against the newest. A run \
            is named by its id or an unambiguous prefix (`fleet-audit history` lists them). Lists hosts that became \
            ready, regressed, improved, appeared or disappeared, the same for instances, and every check whose \
            status changed with what it observed before and after.

            Examples:
              fleet-audit diff
              fleet-audit diff 20261118 20261125T0419 --format md
              fleet-audit diff --out /var/lib/fleet-audit --format json

            \(ExitStatus.helpText)
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
        case md
    }

    @Argument(help: ArgumentHelp("The earlier run (id or prefix).", valueName: "run-a"))
    var from: String?

    @Argument(help: ArgumentHelp("The later run (id or prefix); default: the newest.", valueName: "run-b"))
    var to: String?

    @OptionGroup var output: OutputOptions

    @Option(help: "Output: text, json or md.")
    var format: Format = .text

    func run() throws {
        let changes: RunChanges
        do {
            let store = try HistoryStore(root: output.out, create: false)
            let (earlier, later) = try store.pair(from: from, to: to)
            changes = RunDiff.changes(from: try store.verdict(of: earlier.id), to: try store.verdict(of: later.id))
        } catch {
            throw AuditProblem(history: error)
        }
        let heading = "Changes from \(changes.previousRunID ?? "?") to \(changes.runID)"
        switch format {
        case .text: print(TerminalReporter(colour: false).render(changes: changes, heading: heading), terminator: "")
        case .json: print(JSONReporter.render(changes: changes), terminator: "")
        case .md: print(MarkdownReporter().render(changes: changes, heading: heading), terminator: "")
        }
    }
}

/// How long `audit`, `collect` and `report` wait for another fleet-audit using the same reports root.
struct LockOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Seconds to wait while another fleet-audit holds the reports root's lock, then exit 3.", valueName: "s"))
    var lockTimeout: Double = 600

    func validate() throws {
        guard lockTimeout >= 0 else { throw ValidationError("--lock-timeout must not be negative") }
    }

    /// Takes `DIR/.fleet-audit.lock` for the rest of the command; says whom it waits for.
    func lock(root: String, purpose: String) throws -> ReportsRootLock {
        do {
            return try ReportsRootLock.acquire(root: root, timeout: lockTimeout, purpose: purpose) { holder in
                printError("fleet-audit: \(root) is in use by \(holder); waiting up to \(Int(lockTimeout)) s")
            }
        } catch {
            throw AuditProblem(history: error)
        }
    }
}
