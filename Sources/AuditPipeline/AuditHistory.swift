import FleetCore
import Foundation
import History
import Reports
import RunComparison

/// The history's part of the pipeline: "since the last run" and the trend for the reports, then the record and
/// retention. A failure here never loses the reports: it is reported, and becomes an environment problem.
struct AuditHistory {
    private let store: HistoryStore?
    private let console: Console
    private(set) var problems: [AuditProblem] = []

    /// Opens the history of the reports root `root`; nil root: the run is not in a reports root (no history).
    init(root: String?, console: Console) {
        self.console = console
        guard let root else {
            store = nil
            return
        }
        do {
            store = try HistoryStore(root: root)
        } catch {
            store = nil
            fail(error)
        }
    }

    private mutating func fail(_ error: any Error) {
        let problem = AuditProblem.environment("history: \(error)")
        console.report(problem)
        problems.append(problem)
    }

    /// "Since the last run" and the trend for this verdict; nil and empty without a history.
    mutating func context(for verdict: FleetVerdict) -> (RunChanges?, [TrendPoint]) {
        guard let store else { return (nil, []) }
        do {
            let context = try store.reportContext(for: verdict)
            return (context.changes, context.trend)
        } catch {
            fail(error)
            return (nil, [])
        }
    }

    /// Records the run (only a complete one), then applies `--keep`.
    mutating func record(_ verdict: FleetVerdict, manifest: RunManifest, keep: Int?) {
        guard let store else { return }
        guard manifest.complete else {
            console.output("History: run \(verdict.runID) is incomplete and is not recorded.\n")
            return
        }
        do {
            try store.record(verdict, manifest: manifest)
            console.output("History: run \(verdict.runID) recorded in \(store.path)\n")
            if let keep {
                let outcome = try Retention.apply(keep: keep, store: store, protecting: verdict.runID)
                if !outcome.deletedDirectories.isEmpty || !outcome.deletedRecords.isEmpty {
                    console.output(
                        "Retention (--keep \(keep)): \(outcome.deletedRecords.count) run(s) left the history, "
                            + "\(outcome.deletedDirectories.count) run directory(ies) deleted.\n")
                }
            }
        } catch {
            fail(error)
        }
    }

    /// The reports root holding a run directory (`DIR/runs/<id>` or `DIR/latest`), or nil when it is elsewhere.
    static func root(ofRun runDirectory: String) -> String? {
        let resolved = URL(fileURLWithPath: runDirectory).resolvingSymlinksInPath()
        let runs = resolved.deletingLastPathComponent()
        return runs.lastPathComponent == "runs" ? runs.deletingLastPathComponent().path : nil
    }
}
