import FleetCore
import Foundation
import Reports

/// What `fleet-audit history` shows: recorded runs with their counts, and run directories that are not in the
/// history (incomplete, or collected and never evaluated), newest first.
public struct HistoryListing: Sendable {
    public struct Entry: Sendable, Hashable {
        public enum State: String, Sendable {
            /// Complete, evaluated and in the history.
            case recorded
            /// A run directory without a complete manifest: never recorded, never compared.
            case incomplete
            /// Complete on disk but not in the history (`collect` only, or evaluated before history existed):
            /// `fleet-audit report --run` records it.
            case notEvaluated = "not-evaluated"
        }

        public var id: String
        public var startedAt: Date?
        public var state: State
        /// The recorded run, for `recorded` entries.
        public var run: RecordedRun?
    }

    public var entries: [Entry]

    public init(recorded: [RecordedRun], directories: [RunDirectory]) {
        let recordedIDs = Set(recorded.map(\.id))
        var entries = recorded.map { Entry(id: $0.id, startedAt: $0.startedAt, state: .recorded, run: $0) }
        for directory in directories where !recordedIDs.contains(directory.id) {
            entries.append(
                Entry(
                    id: directory.id, startedAt: directory.startedAt,
                    state: directory.state == .complete ? .notEvaluated : .incomplete, run: nil))
        }
        self.entries = entries.sorted {
            ($0.startedAt ?? .distantPast, $0.id) > ($1.startedAt ?? .distantPast, $1.id)
        }
    }

    /// An aligned table, newest first.
    public func text() -> String {
        guard !entries.isEmpty else { return "No runs yet.\n" }
        var rows = [["RUN", "STARTED (UTC)", "STATE", "HOSTS", "INSTANCES", "PROFILE", "TARGET"]]
        for entry in entries {
            rows.append([
                entry.id, Text.iso(entry.startedAt) ?? "?", entry.state.rawValue,
                entry.run.map { Self.summary($0.hosts) } ?? "", entry.run.map { Self.summary($0.instances) } ?? "",
                entry.run?.profile ?? "", entry.run?.targetName ?? "",
            ])
        }
        let recorded = entries.filter { $0.state == .recorded }.count
        return TextTable.render(rows: rows)
            + "\(recorded) recorded run(s); \(entries.count - recorded) not in the history.\n"
    }

    /// `{"schema": "fleet-audit.history/1", "runs": [...]}` with sorted keys, newest first.
    public func json() -> String {
        var json = JSONWriter.report(reservingCapacity: 1_024 + entries.count * 512)
        json.object { json in
            json.key("runs")
            json.array(entries) { json, entry in
                json.object { json in
                    if let run = entry.run {
                        json.field("ended_at", string: Text.iso(run.endedAt))
                        json.key("hosts")
                        JSONReporter.counts(run.hosts, into: &json)
                        json.key("instances")
                        JSONReporter.counts(run.instances, into: &json)
                        json.field("inventory_digest", string: run.inventoryDigest)
                        json.field("profile", string: run.profile)
                        json.field("recorded_at", string: Text.iso(run.recordedAt))
                    }
                    json.field("run_id", string: entry.id)
                    json.field("started_at", string: Text.iso(entry.startedAt))
                    json.field("state", string: entry.state.rawValue)
                    if let run = entry.run {
                        json.field("target", string: run.targetName)
                        json.field("tool_version", string: run.toolVersion)
                    }
                }
            }
            json.field("schema", string: "fleet-audit.history/1")
        }
        return json.text
    }

    /// "3 ready, 1 blocked": the statuses present, best first.
    static func summary(_ counts: [ReadinessStatus: Int]) -> String {
        let parts = ReadinessStatus.allCases.compactMap { status in
            counts[status].flatMap { $0 > 0 ? "\($0) \(status.rawValue)" : nil }
        }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}
