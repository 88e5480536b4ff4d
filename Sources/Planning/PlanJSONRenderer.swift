import FleetCore
import Foundation
import Reports

/// `plan.json`, schema `fleet-audit.plan/1` (docs/planning.md). Sorted keys and the plan's own order: the same plan
/// always gives the same bytes, apart from `generated_at`.
public struct PlanJSONRenderer: PlanRenderer {
    public let identifier = "json"
    public let fileName = "plan.json"

    public init() {}

    public func render(_ plan: MigrationPlan) -> String {
        let planned = plan.plannedInstances
        let document: [String: Any] = [
            "schema": MigrationPlan.schema,
            "tool_version": plan.toolVersion,
            "profile": plan.profile,
            "run_id": plan.runID,
            "inventory_digest": plan.inventoryDigest,
            "generated_at": Text.iso(plan.generatedAt) ?? NSNull(),
            "host_keys_verified": !plan.hostKeysUnverified,
            "complete": plan.completeness.complete,
            "missing_hosts": plan.completeness.missingHosts,
            "planned_host_count": plan.completeness.plannedHostCount ?? NSNull(),
            "target": [
                "name": plan.target.name, "engine_version": plan.target.engineVersion,
                "node_type": plan.target.nodeType, "cluster_mode": plan.target.clusterMode,
                "source": plan.target.source,
            ],
            "constraints": Self.constraints(plan.constraints),
            "summary": [
                "waves": plan.waves.count, "planned_instances": planned.count,
                "dataset_bytes": plan.waves.map(\.datasetBytes).saturatingSum(),
                "estimated_sync_seconds": plan.waves.reduce(0.0) { $0 + $1.estimatedSyncSeconds },
                "not_ready": Dictionary(
                    uniqueKeysWithValues: [ReadinessStatus.review, .blocked, .unreachable].map { status in
                        (status.rawValue, plan.notReady.filter { $0.status == status }.count)
                    }),
            ] as [String: Any],
            "waves": plan.waves.map(Self.wave),
            "not_ready": plan.notReady.map(Self.notReady),
            "backlog": plan.backlog.map(Self.backlogItem),
            "notes": plan.notes.map { note -> [String: Any] in
                [
                    "kind": note.kind.rawValue, "message": note.message, "group": note.group ?? NSNull(),
                    "instances": note.instances, "waves": note.waves,
                ]
            },
        ]
        return JSONReporter.serialize(document)
    }

    static func constraints(_ constraints: PlanConstraints) -> [String: Any] {
        [
            "max_instances_per_wave": constraints.maxInstancesPerWave ?? NSNull(),
            "max_dataset_bytes_per_wave": constraints.maxDatasetBytesPerWave ?? NSNull(),
            "max_sync_seconds_per_wave": constraints.maxSyncSecondsPerWave ?? NSNull(),
            "order_by_tag": constraints.tagOrder.map { ["key": $0.key, "values": $0.values] as [String: Any] }
                ?? NSNull(),
            "keep_together": constraints.keepTogetherTag ?? NSNull(),
        ]
    }

    static func wave(_ wave: PlanWave) -> [String: Any] {
        [
            "number": wave.number, "order_tag_value": wave.orderTagValue ?? NSNull(),
            "exceeded_limits": wave.exceededLimits,
            "totals": [
                "instances": wave.instances.count, "hosts": wave.hostCount, "dataset_bytes": wave.datasetBytes,
                "estimated_sync_seconds": wave.estimatedSyncSeconds,
                "unknown_dataset_instances": wave.unknownDatasetCount,
            ],
            "instances": wave.instances.map { instance -> [String: Any] in
                [
                    "host": instance.host, "address": instance.address, "port": instance.port,
                    "status": instance.status.rawValue, "score": instance.score, "host_rank": instance.hostRank,
                    "dataset_bytes": instance.datasetBytes ?? NSNull(),
                    "estimated_sync_seconds": instance.estimatedSyncSeconds ?? NSNull(), "tags": instance.tags,
                ]
            },
        ]
    }

    static func notReady(_ entry: NotReadyInstance) -> [String: Any] {
        [
            "host": entry.host, "address": entry.address, "port": entry.port ?? NSNull(),
            "status": entry.status.rawValue, "score": entry.score, "host_rank": entry.hostRank, "tags": entry.tags,
            "dataset_bytes": entry.datasetBytes ?? NSNull(), "reason": entry.reason ?? NSNull(),
            "remaining_warnings": entry.remainingWarnings,
            "blocking_checks": entry.blockingChecks.map { check -> [String: Any] in
                [
                    "id": check.id, "title": check.title, "status": check.status.rawValue,
                    "scope": check.scope.rawValue, "summary": check.summary, "remediation": check.remediation,
                ]
            },
        ]
    }

    static func backlogItem(_ item: BacklogItem) -> [String: Any] {
        [
            "check": item.checkID, "title": item.title, "scope": item.scope.rawValue, "instances": item.instances,
            "hosts": item.hosts, "unblocks_instances": item.unblocksInstances, "unblocks_hosts": item.unblocksHosts,
            "failing": item.failing, "unknown": item.unknown, "remediations": item.remediations,
            "affected": item.affected,
        ]
    }
}
