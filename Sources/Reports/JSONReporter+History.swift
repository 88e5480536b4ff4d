import FleetCore
import Foundation

/// The history parts of `report.json` (`since_last_run`, `trend`) and the `fleet-audit diff --format json` document.
extension JSONReporter {
    /// Schema of the `fleet-audit diff --format json` document (docs/history.md).
    public static let diffSchema = "fleet-audit.diff/1"

    /// The diff between two runs as one JSON document with sorted keys.
    public static func render(changes: RunChanges) -> String {
        var document = Self.changes(changes)
        document["schema"] = diffSchema
        return serialize(document)
    }

    /// `since_last_run`: the earlier run (null on the first run) and what changed since.
    static func changes(_ changes: RunChanges) -> [String: Any] {
        [
            "previous_run_id": changes.previousRunID ?? NSNull(),
            "previous_started_at": Text.iso(changes.previousStartedAt) ?? NSNull(),
            "run_id": changes.runID,
            "first_run": changes.isFirstRun,
            "hosts": changes.hosts.map { host -> [String: Any] in
                [
                    "name": host.name, "address": host.address, "change": host.kind.rawValue,
                    "before": host.before?.rawValue ?? NSNull(), "after": host.after?.rawValue ?? NSNull(),
                ]
            },
            "instances": changes.instances.map { instance -> [String: Any] in
                [
                    "host": instance.host, "port": instance.port, "change": instance.kind.rawValue,
                    "before": instance.before?.rawValue ?? NSNull(), "after": instance.after?.rawValue ?? NSNull(),
                ]
            },
            "checks": changes.checks.map { check -> [String: Any] in
                [
                    "host": check.host ?? NSNull(), "port": check.port ?? NSNull(), "id": check.id,
                    "title": check.title, "severity": check.severity.rawValue,
                    "before": check.before?.rawValue ?? NSNull(), "after": check.after?.rawValue ?? NSNull(),
                    "evidence_before": check.evidenceBefore.map(evidence),
                    "evidence_after": check.evidenceAfter.map(evidence),
                ]
            },
        ]
    }

    /// `trend`: one entry per run, oldest first, with hosts and instances per status (every status present).
    static func trend(_ points: [TrendPoint]) -> [[String: Any]] {
        points.map { point in
            [
                "run_id": point.runID, "started_at": Text.iso(point.startedAt) ?? NSNull(),
                "hosts": counts(point.hosts), "instances": counts(point.instances),
            ]
        }
    }

    /// Every status with its count (0 when absent), keyed by the status's name.
    public static func counts(_ counts: [ReadinessStatus: Int]) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: ReadinessStatus.allCases.map { ($0.rawValue, counts[$0] ?? 0) })
    }

    static func evidence(_ evidence: Evidence) -> [String: Any] {
        ["source": evidence.source, "observed": evidence.observed, "note": evidence.note ?? NSNull()]
    }
}
