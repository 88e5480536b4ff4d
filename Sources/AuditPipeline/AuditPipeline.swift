import Collector
import FleetCore
import Foundation
import Inventory
import Readiness
import Reports

/// The audit as one library call: collect → evaluate → report → record. It returns an `AuditOutcome` whose problems
/// are classified; it never exits, and the exit status is `ExitStatus.of(_:failOn:)`'s decision. What the CLI adds is
/// parsing its options, making the engine and locking the reports root.
public struct AuditPipeline: Sendable {
    /// One per migration path.
    public var targets: [Target]
    public var waivers: Waivers
    /// The report formats to write into the run's directory.
    public var reporters: [any Reporter]
    /// Whether the terminal summary uses colour.
    public var colour: Bool
    public var console: Console

    public init(
        targets: [Target], waivers: Waivers, reporters: [any Reporter], colour: Bool = false,
        console: Console = .standard
    ) {
        self.targets = targets
        self.waivers = waivers
        self.reporters = reporters
        self.colour = colour
        self.console = console
    }

    /// Collects `hosts` into a new run of the reports root `root`, then evaluates, reports and records it there
    /// (`keep`: the newest runs the history keeps).
    public func audit(
        with collector: Collector, inventory: Inventory, hosts: [InventoryHost], root: String, keep: Int? = nil
    ) async -> AuditOutcome {
        let collection: Collector.Collection
        do {
            collection = try await collector.collect(inventory: inventory, hosts: hosts)
        } catch {
            let problem = AuditProblem(collection: error)
            console.report(problem)
            return AuditOutcome(problems: [problem])
        }
        // Reported, but not a problem of the audit's outcome: its reports are whole (the snapshots are in memory),
        // and the audit's exit status has never counted them (`collect`'s does).
        for problem in collection.storeErrors { console.error("fleet-audit: \(problem)") }
        let run = StoredRun(
            directory: collection.run.directory, manifest: collection.manifest, snapshots: collection.snapshots)
        return report(run, historyRoot: root, keep: keep)
    }

    /// Evaluates a stored run, writes the reports into it (with "since the last run" and the trend from the history
    /// of `historyRoot`), prints the summary, records the run and applies `keep`.
    public func report(_ run: StoredRun, historyRoot: String?, keep: Int? = nil, now: Date = Date()) -> AuditOutcome {
        let verdict = PathEvaluator(targets: targets, waivers: waivers, now: now).evaluate(run: run)
        var history = AuditHistory(root: historyRoot, console: console)
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
            let problem = AuditProblem.environment(
                "cannot write reports into \(run.directory): \(error.localizedDescription)")
            console.report(problem)
            return AuditOutcome(problems: history.problems + [problem], verdict: verdict)
        }
        console.output(TerminalReporter(colour: colour).render(model))
        if verdict.hostKeysUnverified { console.output("WARNING: host keys were NOT verified for some hosts\n") }
        console.output("Reports: " + written.joined(separator: ", ") + "\n")
        history.record(verdict, manifest: run.manifest, keep: keep)
        let findings = verdict.hosts.filter { $0.status != .ready }.map {
            AuditProblem.finding($0.status, "\($0.host.name): \($0.status.rawValue)")
        }
        return AuditOutcome(problems: history.problems + findings, verdict: verdict, reportFiles: written)
    }

    /// The reports root holding a run directory (`DIR/runs/<id>` or `DIR/latest`), or nil when it is elsewhere
    /// (then `report` records nothing).
    public static func reportsRoot(ofRun runDirectory: String) -> String? { AuditHistory.root(ofRun: runDirectory) }

    /// Reads a stored run for offline work; an unreadable one is an input problem.
    public static func loadRun(_ directory: String) throws(AuditProblem) -> StoredRun {
        do {
            return try RunStore.load(runDirectory: directory)
        } catch {
            throw .input("\(error)")
        }
    }
}
