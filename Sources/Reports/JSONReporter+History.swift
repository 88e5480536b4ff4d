import FleetCore
import Foundation
import RunComparison

/// The history parts of `report.json` (`since_last_run`, `trend`) and the `fleet-audit diff --format json` document.
extension JSONReporter {
    /// Schema of the `fleet-audit diff --format json` document (docs/history.md).
    public static let diffSchema = "fleet-audit.diff/1"

    /// The diff between two runs as one JSON document with sorted keys.
    public static func render(changes: RunChanges) -> String {
        var json = JSONWriter.report(reservingCapacity: 4_096)
        Self.changes(changes, schema: diffSchema, into: &json)
        return json.text
    }

    /// `since_last_run`: the earlier run (null on the first run) and what changed since; with `schema`, the diff
    /// document.
    static func changes(_ changes: RunChanges, schema: String? = nil, into json: inout JSONWriter) {
        json.object { json in
            json.key("checks")
            json.array(changes.checks) { json, check in
                json.object { json in
                    json.field("after", string: check.after?.rawValue)
                    json.field("before", string: check.before?.rawValue)
                    json.key("evidence_after")
                    json.array(check.evidenceAfter) { json, evidence in Self.evidence(evidence, into: &json) }
                    json.key("evidence_before")
                    json.array(check.evidenceBefore) { json, evidence in Self.evidence(evidence, into: &json) }
                    json.field("host", string: check.host)
                    json.field("id", string: check.id)
                    json.field("port", int: check.port)
                    json.field("severity", string: check.severity.rawValue)
                    json.field("title", string: check.title)
                }
            }
            json.field("first_run", bool: changes.isFirstRun)
            json.key("hosts")
            json.array(changes.hosts) { json, host in
                json.object { json in
                    json.field("address", string: host.address)
                    json.field("after", string: host.after?.rawValue)
                    json.field("before", string: host.before?.rawValue)
                    json.field("change", string: host.kind.rawValue)
                    json.field("name", string: host.name)
                }
            }
            json.key("instances")
            json.array(changes.instances) { json, instance in
                json.object { json in
                    json.field("after", string: instance.after?.rawValue)
                    json.field("before", string: instance.before?.rawValue)
                    json.field("change", string: instance.kind.rawValue)
                    json.field("host", string: instance.host)
                    json.field("port", int: instance.port)
                }
            }
            json.field("previous_run_id", string: changes.previousRunID)
            json.field("previous_started_at", string: Text.iso(changes.previousStartedAt))
            json.field("run_id", string: changes.runID)
            if let schema {
                json.field("schema", string: schema)
            }
        }
    }

    /// `trend`: one entry per run, oldest first, with hosts and instances per status (every status present).
    static func trend(_ points: [TrendPoint], into json: inout JSONWriter) {
        json.array(points) { json, point in
            json.object { json in
                json.key("hosts")
                Self.counts(point.hosts, into: &json)
                json.key("instances")
                Self.counts(point.instances, into: &json)
                json.field("run_id", string: point.runID)
                json.field("started_at", string: Text.iso(point.startedAt))
            }
        }
    }

    /// Statuses in the order `JSONSerialization` sorted their names (blocked, ready, review, unreachable, warnings).
    private static let statusesByName = ReadinessStatus.allCases.sorted {
        JSONWriter.keyPrecedes($0.rawValue, $1.rawValue)
    }

    /// Every status with its count (0 when absent), keyed by the status's name.
    public static func counts(_ counts: [ReadinessStatus: Int], into json: inout JSONWriter) {
        json.object { json in
            for status in statusesByName {
                json.field(status.rawValue, int: counts[status] ?? 0)
            }
        }
    }

    /// `{"note", "observed", "source"}`.
    static func evidence(_ evidence: Evidence, into json: inout JSONWriter) {
        json.object { json in
            json.field("note", string: evidence.note)
            json.field("observed", string: evidence.observed)
            json.field("source", string: evidence.source)
        }
    }
}
