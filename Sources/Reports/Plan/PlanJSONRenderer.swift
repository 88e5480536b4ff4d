import FleetCore
import Foundation
import Planning

/// `plan.json`, schema `fleet-audit.plan/1` (docs/planning.md). Sorted keys and the plan's own order: the same plan
/// always gives the same bytes, apart from `generated_at`. Written by `JSONWriter`, members in sorted key order (as
/// report.json; the golden file in PlanningTests holds the bytes).
public struct PlanJSONRenderer: PlanRenderer {
    public let identifier = "json"
    public let fileName: String? = "plan.json"

    public init() {}

    public func render(_ plan: MigrationPlan) -> String {
        let planned = plan.plannedInstances
        var json = JSONWriter.report(reservingCapacity: 4_096 + (planned.count + plan.notReady.count) * 1_024)
        json.object { json in
            json.key("backlog")
            json.array(plan.backlog) { json, item in Self.backlogItem(item, into: &json) }
            json.field("complete", bool: plan.completeness.complete)
            json.key("constraints")
            Self.constraints(plan.constraints, into: &json)
            json.field("generated_at", string: Text.iso(plan.generatedAt))
            json.field("host_keys_verified", bool: !plan.hostKeysUnverified)
            json.field("inventory_digest", string: plan.inventoryDigest)
            json.field("missing_hosts", strings: plan.completeness.missingHosts)
            json.key("not_ready")
            json.array(plan.notReady) { json, entry in Self.notReady(entry, into: &json) }
            json.key("notes")
            json.array(plan.notes) { json, note in
                json.object { json in
                    json.field("group", string: note.group)
                    json.field("instances", strings: note.instances)
                    json.field("kind", string: note.kind.rawValue)
                    json.field("message", string: note.message)
                    json.key("waves")
                    json.array(note.waves) { json, wave in json.int(wave) }
                }
            }
            json.field("planned_host_count", int: plan.completeness.plannedHostCount)
            json.field("profile", string: plan.profile)
            json.field("run_id", string: plan.runID)
            json.field("schema", string: MigrationPlan.schema)
            json.key("summary")
            json.object { json in
                json.field("dataset_bytes", int: plan.waves.map(\.datasetBytes).saturatingSum())
                json.field("estimated_sync_seconds", double: plan.waves.reduce(0.0) { $0 + $1.estimatedSyncSeconds })
                json.key("not_ready")
                var notReady: [ReadinessStatus: Int] = [:]
                for entry in plan.notReady { notReady[entry.status, default: 0] += 1 }
                json.object { json in
                    // Sorted by name: blocked, review, unreachable.
                    for status in [ReadinessStatus.blocked, .review, .unreachable] {
                        json.field(status.rawValue, int: notReady[status] ?? 0)
                    }
                }
                json.field("planned_instances", int: planned.count)
                json.field("waves", int: plan.waves.count)
            }
            json.key("target")
            JSONReporter.target(plan.target, into: &json)
            json.field("tool_version", string: plan.toolVersion)
            json.key("waves")
            json.array(plan.waves) { json, wave in Self.wave(wave, into: &json) }
        }
        return json.text
    }

    static func constraints(_ constraints: PlanConstraints, into json: inout JSONWriter) {
        json.object { json in
            json.field("keep_together", string: constraints.keepTogetherTag)
            json.field("max_dataset_bytes_per_wave", int: constraints.maxDatasetBytesPerWave)
            json.field("max_instances_per_wave", int: constraints.maxInstancesPerWave)
            json.field("max_sync_seconds_per_wave", double: constraints.maxSyncSecondsPerWave)
            json.key("order_by_tag")
            if let order = constraints.tagOrder {
                json.object { json in
                    json.field("key", string: order.key)
                    json.field("values", strings: order.values)
                }
            } else {
                json.null()
            }
        }
    }

    static func wave(_ wave: PlanWave, into json: inout JSONWriter) {
        json.object { json in
            json.field("exceeded_limits", strings: wave.exceededLimits)
            json.key("instances")
            json.array(wave.instances) { json, instance in
                json.object { json in
                    json.field("address", string: instance.address)
                    json.field("dataset_bytes", int: instance.datasetBytes)
                    json.field("estimated_sync_seconds", double: instance.estimatedSyncSeconds)
                    json.field("host", string: instance.host)
                    json.field("host_rank", int: instance.hostRank)
                    json.field("port", int: instance.port)
                    json.field("score", double: instance.score)
                    json.field("status", string: instance.status.rawValue)
                    json.key("tags")
                    json.object(sorting: instance.tags)
                }
            }
            json.field("number", int: wave.number)
            json.field("order_tag_value", string: wave.orderTagValue)
            json.key("totals")
            json.object { json in
                json.field("dataset_bytes", int: wave.datasetBytes)
                json.field("estimated_sync_seconds", double: wave.estimatedSyncSeconds)
                json.field("hosts", int: wave.hostCount)
                json.field("instances", int: wave.instances.count)
                json.field("unknown_dataset_instances", int: wave.unknownDatasetCount)
            }
        }
    }

    static func notReady(_ entry: NotReadyInstance, into json: inout JSONWriter) {
        json.object { json in
            json.field("address", string: entry.address)
            json.key("blocking_checks")
            json.array(entry.blockingChecks) { json, check in
                json.object { json in
                    json.field("id", string: check.id)
                    json.field("remediation", string: check.remediation)
                    json.field("scope", string: check.scope.rawValue)
                    json.field("status", string: check.status.rawValue)
                    json.field("summary", string: check.summary)
                    json.field("title", string: check.title)
                }
            }
            json.field("dataset_bytes", int: entry.datasetBytes)
            json.field("host", string: entry.host)
            json.field("host_rank", int: entry.hostRank)
            json.field("port", int: entry.port)
            json.field("reason", string: entry.reason)
            json.field("remaining_warnings", strings: entry.remainingWarnings)
            json.field("score", double: entry.score)
            json.field("status", string: entry.status.rawValue)
            json.key("tags")
            json.object(sorting: entry.tags)
        }
    }

    static func backlogItem(_ item: BacklogItem, into json: inout JSONWriter) {
        json.object { json in
            json.field("affected", strings: item.affected)
            json.field("check", string: item.checkID)
            json.field("failing", int: item.failing)
            json.field("hosts", int: item.hosts)
            json.field("instances", int: item.instances)
            json.field("remediations", strings: item.remediations)
            json.field("scope", string: item.scope.rawValue)
            json.field("title", string: item.title)
            json.field("unblocks_hosts", int: item.unblocksHosts)
            json.field("unblocks_instances", int: item.unblocksInstances)
            json.field("unknown", int: item.unknown)
        }
    }
}
