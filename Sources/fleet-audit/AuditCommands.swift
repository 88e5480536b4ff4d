import ArgumentParser
import AuditPipeline
import Collector
import FleetCore
import FleetEngine
import Foundation
import History
import Inventory
import Readiness
import Reports

extension FailOn: ExpressibleByArgument {}

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
    func load() throws(AuditProblem) -> ([Target], Waivers) {
        guard !target.isEmpty else {
            throw AuditProblem.input(
                "missing --target: name the target deployment file (see inventory/target.example.yaml)")
        }
        let targets: [Target]
        let loadedWaivers: Waivers
        do {
            targets = try target.map { try Target.load(path: $0) }
            loadedWaivers = try waivers.map { try Waivers.load(path: $0) } ?? Waivers()
        } catch {
            throw AuditProblem.input("\(error)")
        }
        // Paths are named by their target: two targets of one name could not be told apart in any report.
        var seen: [String: String] = [:]
        for (file, loaded) in zip(target, targets) {
            if let first = seen[loaded.name] {
                throw AuditProblem.input(
                    "\(file): target name '\(loaded.name)' is also the name in \(first); give each target its own name")
            }
            seen[loaded.name] = file
        }
        return (targets, loadedWaivers)
    }

    /// The one target of a command that plans onto a single path.
    func loadOne() throws(AuditProblem) -> (Target, Waivers) {
        let (targets, loadedWaivers) = try load()
        guard targets.count == 1 else {
            throw AuditProblem.input("plan onto one target: give --target once (the path to plan the waves for)")
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

    func load() throws(AuditProblem) -> ([Target], Waivers) { try targetOptions.load() }

    /// The pipeline for these options: the targets and waivers loaded, the formats chosen, colour when standard
    /// output is a terminal and NO_COLOR is not set.
    func pipeline() throws(AuditProblem) -> AuditPipeline {
        let (targets, waivers) = try load()
        let colour = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        return AuditPipeline(targets: targets, waivers: waivers, reporters: reporters, colour: colour)
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

            \(ExitStatus.helpText)
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
        let pipeline = try evaluation.pipeline()
        let (inventory, hosts) = try inventoryOptions.selectedHosts()
        let lock = try lockOptions.lock(root: output.out, purpose: "fleet-audit audit")
        defer { lock.release() }
        let engine = try makeEngine(concurrency: concurrency, inventory: inventory)
        let collector = Collector(
            executor: engine, store: RunStore(root: output.out), options: sampling.collectionOptions)
        let outcome = await pipeline.audit(
            with: collector, inventory: inventory, hosts: hosts, root: output.out, keep: keep)
        throw CommandEnd(outcome, failOn: evaluation.failOn)
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

            \(ExitStatus.helpText)
            """
    )

    @Option(name: .customLong("run"), help: "A run directory (DIR/runs/<time>) or DIR/latest.")
    var runDirectory: String = "reports/latest"

    @OptionGroup var evaluation: EvaluationOptions

    @OptionGroup var lockOptions: LockOptions

    func run() throws {
        let pipeline = try evaluation.pipeline()
        let root = AuditPipeline.reportsRoot(ofRun: runDirectory)
        let lock = try root.map { try lockOptions.lock(root: $0, purpose: "fleet-audit report --run \(runDirectory)") }
        defer { lock?.release() }
        let outcome = pipeline.report(try AuditPipeline.loadRun(runDirectory), historyRoot: root)
        throw CommandEnd(outcome, failOn: evaluation.failOn)
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
