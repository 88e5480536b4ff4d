import FleetCore
import Foundation

/// The history parts of `report.json` (`since_last_run`, `trend`) and the `fleet-audit diff --format json` document.
extension JSONReporter {
    /// Schema of the `fleet-audit diff --format json` document (docs/history.md).
    public static let diffSchema = "fleet-audit.diff/1"

    /// The diff between two runs as one JSON document with sorted keys.
    public static func render(changes: RunChanges) -> String {
        var json = JSONWriter(reservingCapacity: 4_096)
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
                    json.key("after")
                    json.string(check.after?.rawValue)
                    json.key("before")
                    json.string(check.before?.rawValue)
                    json.key("evidence_after")
                    json.array(check.evidenceAfter) { json, evidence in Self.evidence(evidence, into: &json) }
                    json.key("evidence_before")
                    json.array(check.evidenceBefore) { json, evidence in Self.evidence(evidence, into: &json) }
                    json.key("host")
                    json.string(check.host)
                    json.key("id")
                    json.string(check.id)
                    json.key("port")
                    json.int(check.port)
                    json.key("severity")
                    json.string(check.severity.rawValue)
                    json.key("title")
                    json.string(check.title)
                }
            }
            json.key("first_run")
            json.bool(changes.isFirstRun)
            json.key("hosts")
            json.array(changes.hosts) { json, host in
                json.object { json in
                    json.key("address")
                    json.string(host.address)
                    json.key("after")
                    json.string(host.after?.rawValue)
                    json.key("before")
                    json.string(host.before?.rawValue)
                    json.key("change")
                    json.string(host.kind.rawValue)
                    json.key("name")
                    json.string(host.name)
                }
            }
            json.key("instances")
            json.array(changes.instances) { json, instance in
                json.object { json in
                    json.key("after")
                    json.string(instance.after?.rawValue)
                    json.key("before")
                    json.string(instance.before?.rawValue)
                    json.key("change")
                    json.string(instance.kind.rawValue)
                    json.key("host")
                    json.string(instance.host)
                    json.key("port")
                    json.int(instance.port)
                }
            }
            json.key("previous_run_id")
            json.string(changes.previousRunID)
            json.key("previous_started_at")
            json.string(Text.iso(changes.previousStartedAt))
            json.key("run_id")
            json.string(changes.runID)
            if let schema {
                json.key("schema")
                json.string(schema)
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
                json.key("run_id")
                json.string(point.runID)
                json.key("started_at")
                json.string(Text.iso(point.startedAt))
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
                json.key(status.rawValue)
                json.int(counts[status] ?? 0)
            }
        }
    }

    /// `{"note", "observed", "source"}`.
    static func evidence(_ evidence: Evidence, into json: inout JSONWriter) {
        json.object { json in
            json.key("note")
            json.string(evidence.note)
            json.key("observed")
            json.string(evidence.observed)
            json.key("source")
            json.string(evidence.source)
        }
    }
}
