import ArgumentParser
import Collector
import FleetCore
import FleetEngine
import Foundation
import History
import Inventory
import Readiness
import Reports

/// When `audit` and `report` exit non-zero for CI gating.
enum FailOn: String, ExpressibleByArgument, CaseIterable {
    case blocked
    case warnings
    case never

    /// Whether the fleet's results reach this level. Review and unreachable hosts count as blocked.
    func isReached(by statuses: [ReadinessStatus]) -> Bool {
        switch self {
        case .never: false
        case .blocked: statuses.contains { $0 == .blocked || $0 == .review || $0 == .unreachable }
        case .warnings: statuses.contains { $0 != .ready }
        }
    }
}

/// The target deployment and waivers an evaluation reads: shared by `audit`, `report` and `plan`.
struct TargetOptions: ParsableArguments {
    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "Target deployment file (YAML), one per migration path; repeat to compare paths (node-based Redis OSS or Valkey, serverless). See inventory/target.example.yaml."
        ))
    var target: [String] = []

    @Option(help: "Waivers file (YAML): accepted checks on named hosts, with a reason and an expiry date.")
    var waivers: String?

    /// Loads the targets and waivers; an invalid one prints file:line: field and exits with the input status.
    func load() throws -> ([Target], Waivers) {
        guard !target.isEmpty else {
            printError(
                "fleet-audit: missing --target: name the target deployment file (see inventory/target.example.yaml)")
            throw ExitCode(ExitCodes.invalidInput)
        }
        let targets: [Target]
        let loadedWaivers: Waivers
        do {
            targets = try target.map { try Target.load(path: $0) }
            loadedWaivers = try waivers.map { try Waivers.load(path: $0) } ?? Waivers()
        } catch {
            printError("fleet-audit: \(error)")
            throw ExitCode(ExitCodes.invalidInput)
        }
        // Paths are named by their target: two targets of one name could not be told apart in any report.
        var seen: [String: String] = [:]
        for (file, loaded) in zip(target, targets) {
            if let first = seen[loaded.name] {
                printError(
                    "fleet-audit: \(file): target name '\(loaded.name)' is also the name in \(first); give each target its own name"
                )
                throw ExitCode(ExitCodes.invalidInput)
            }
            seen[loaded.name] = file
        }
        return (targets, loadedWaivers)
    }

    /// The one target of a command that plans onto a single path.
    func loadOne() throws -> (Target, Waivers) {
        let (targets, loadedWaivers) = try load()
        guard targets.count == 1 else {
            printError("fleet-audit: plan onto one target: give --target once (the path to plan the waves for)")
            throw ExitCode(ExitCodes.invalidInput)
        }
        return (targets[0], loadedWaivers)
    }
}

/// The target, waivers, formats and gating shared by `audit` and `report`.
struct EvaluationOptions: ParsableArguments {
    @OptionGroup var targetOptions: TargetOptions

    @Option(
        help: "Exit 1 when any host is at this level or worse: blocked (also review, unreachable), warnings, never.")
    var failOn: FailOn = .blocked

    @Option(
        help: ArgumentHelp("Report files to write: all, or a comma list of json, html, md, csv.", valueName: "list"))
    var format = "all"

    func validate() throws { _ = try formatNames(format, known: Reporters.all.map(\.identifier)) }

    var reporters: [any Reporter] {
        ((try? formatNames(format, known: Reporters.all.map(\.identifier))) ?? []).compactMap(Reporters.named)
    }

    func load() throws -> ([Target], Waivers) { try targetOptions.load() }

    /// Evaluates a stored run, writes the reports into it (with "since the last run" and the trend from the
    /// history of `historyRoot`), prints the summary, records the run, applies `keep`, and decides the exit status.
    func evaluateAndReport(
        _ run: StoredRun, targets: [Target], waivers: Waivers, historyRoot: String?, keep: Int? = nil
    ) throws {
        let now = Date()
        let verdict = PathEvaluator(targets: targets, waivers: waivers, now: now).evaluate(run: run)
        var history = AuditHistory(root: historyRoot)
        let (changes, trend) = history.context(for: verdict)
        let model = ReportModel(
            verdict: verdict, generatedAt: now,
            expiredWaivers: waivers.expired(now: now).map {
                "\($0.check) on \($0.targets.joined(separator: ", ")) (expired \($0.expires))"
            }, sinceLastRun: changes, trend: trend)
        let written: [String]
        do {
            written = try ReportWriter.write(model, formats: reporters, to: run.directory)
        } catch {
            printError("fleet-audit: cannot write reports into \(run.directory): \(error.localizedDescription)")
            throw ExitCode(ExitCodes.environment)
        }
        let colour = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        print(TerminalReporter(colour: colour).render(model), terminator: "")
        if verdict.hostKeysUnverified { print("WARNING: host keys were NOT verified for some hosts") }
        print("Reports: " + written.joined(separator: ", "))
        history.record(verdict, manifest: run.manifest, keep: keep)
        if history.failed { throw ExitCode(ExitCodes.environment) }
        throw ExitCode(failOn.isReached(by: verdict.hosts.map(\.status)) ? ExitCodes.findings : ExitCodes.success)
    }
}

/// Collect, evaluate and report in one go: the main job.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Collect from every host, check readiness against the target, rank, and write reports.",
        discussion: """
            Writes report.json, report.html, report.md and report.csv into the run's directory \
            (DIR/runs/<UTC time>/, DIR/latest points at it), with what changed since the last run, prints the \
            ranked summary, and records the run in DIR/history.sqlite once it is complete (docs/history.md). The \
            reports root is locked for the whole audit; --keep N keeps the newest N runs (docs/scheduling.md).

            Examples:
              fleet-audit audit --inventory inventory/example.yaml --target inventory/target.example.yaml
              fleet-audit audit -i inv.yaml -t target.yaml --waivers waivers.yaml --fail-on warnings

            \(ExitCodes.helpText)
            """
    )

    @OptionGroup var inventoryOptions: InventoryOptions
    @OptionGroup var evaluation: EvaluationOptions
    @OptionGroup var output: OutputOptions

    @OptionGroup var sampling: SamplingOptions

    @Option(help: "Sessions in flight at once.")
    var concurrency = 256

    @OptionGroup var lockOptions: LockOptions

    @Option(
        help: ArgumentHelp(
            "Keep the newest N complete runs in the history; older run directories under DIR/runs/ are deleted.",
            valueName: "n"))
    var keep: Int?

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if let keep, keep < 1 { throw ValidationError("--keep must be at least 1") }
    }

    func run() async throws {
        logging.bootstrap()
        let (targets, waivers) = try evaluation.load()
        let (inventory, hosts) = try inventoryOptions.selectedHosts()
        let lock = try lockOptions.lock(root: output.out, purpose: "fleet-audit audit")
        defer { lock.release() }
        let engine = try makeEngine(concurrency: concurrency, inventory: inventory)
        let collection: Collector.Collection
        do {
            collection = try await Collector(
                executor: engine, store: RunStore(root: output.out), options: sampling.collectionOptions
            )
            .collect(inventory: inventory, hosts: hosts)
        } catch {
            printError("fleet-audit: \(error)")
            throw ExitCode(ExitCodes.status(of: error))
        }
        for problem in collection.storeErrors { printError("fleet-audit: \(problem)") }
        let run = StoredRun(
            directory: collection.run.directory, manifest: collection.manifest, snapshots: collection.snapshots)
        try evaluation.evaluateAndReport(run, targets: targets, waivers: waivers, historyRoot: output.out, keep: keep)
    }
}

/// Evaluate a stored run again, offline (no SSH): after changing the target, the waivers or fleet-audit itself.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Evaluate a stored run again, offline, and rewrite its reports.",
        discussion: """
            When the run lives in a reports root (DIR/runs/<id>), its record in DIR/history.sqlite is replaced by \
            the new evaluation (same run id), and the reports' "since the last run" compares it with the run \
            recorded before it. An incomplete run is evaluated but never recorded.

            Examples:
              fleet-audit report --run reports/latest --target inventory/target.example.yaml
              fleet-audit report --run reports/runs/20261125T031500Z -t target.yaml --format json

            \(ExitCodes.helpText)
            """
    )

    @Option(name: .customLong("run"), help: "A run directory (DIR/runs/<time>) or DIR/latest.")
    var runDirectory: String = "reports/latest"

    @OptionGroup var evaluation: EvaluationOptions

    @OptionGroup var lockOptions: LockOptions

    func run() throws {
        let (targets, waivers) = try evaluation.load()
        let root = AuditHistory.root(ofRun: runDirectory)
        let lock = try root.map { try lockOptions.lock(root: $0, purpose: "fleet-audit report --run \(runDirectory)") }
        defer { lock?.release() }
        try evaluation.evaluateAndReport(
            try loadStoredRun(runDirectory), targets: targets, waivers: waivers, historyRoot: root)
    }
}

/// The formats a `--format` value names: `all` (every known one, in order) or a comma list of known names.
func formatNames(_ list: String, known: [String]) throws -> [String] {
    let names = list.split(separator: ",").map(String.init)
    if names.contains("all") { return known }
    for name in names where !known.contains(name) {
        throw ValidationError("unknown format '\(name)' (\(known.joined(separator: ", ")), all)")
    }
    return names
}

/// Reads a stored run for offline work; an unreadable one prints why and exits with the input status.
func loadStoredRun(_ directory: String) throws -> StoredRun {
    do {
        return try RunStore.load(runDirectory: directory)
    } catch {
        printError("fleet-audit: \(error)")
        throw ExitCode(ExitCodes.invalidInput)
    }
}
