import FleetCore
import Foundation
import Reports

/// `plan.json`, schema `fleet-audit.plan/1` (docs/planning.md). Sorted keys and the plan's own order: the same plan
/// always gives the same bytes, apart from `generated_at`. Written by `JSONWriter`, members in sorted key order (as
/// report.json; the golden file in PlanningTests holds the bytes).
public struct PlanJSONRenderer: PlanRenderer {
    public let identifier = "json"
    public let fileName = "plan.json"

    public init() {}

    public func render(_ plan: MigrationPlan) -> String {
        let planned = plan.plannedInstances
        var json = JSONWriter(reservingCapacity: 4_096 + (planned.count + plan.notReady.count) * 1_024)
        json.object { json in
            json.key("backlog")
            json.array(plan.backlog) { json, item in Self.backlogItem(item, into: &json) }
            json.key("complete")
            json.bool(plan.completeness.complete)
            json.key("constraints")
            Self.constraints(plan.constraints, into: &json)
            json.key("generated_at")
            json.string(Text.iso(plan.generatedAt))
            json.key("host_keys_verified")
            json.bool(!plan.hostKeysUnverified)
            json.key("inventory_digest")
            json.string(plan.inventoryDigest)
            json.key("missing_hosts")
            json.array(plan.completeness.missingHosts)
            json.key("not_ready")
            json.array(plan.notReady) { json, entry in Self.notReady(entry, into: &json) }
            json.key("notes")
            json.array(plan.notes) { json, note in
                json.object { json in
                    json.key("group")
                    json.string(note.group)
                    json.key("instances")
                    json.array(note.instances)
                    json.key("kind")
                    json.string(note.kind.rawValue)
                    json.key("message")
                    json.string(note.message)
                    json.key("waves")
                    json.array(note.waves) { json, wave in json.int(wave) }
                }
            }
            json.key("planned_host_count")
            json.int(plan.completeness.plannedHostCount)
            json.key("profile")
            json.string(plan.profile)
            json.key("run_id")
            json.string(plan.runID)
            json.key("schema")
            json.string(MigrationPlan.schema)
            json.key("summary")
            json.object { json in
                json.key("dataset_bytes")
                json.int(plan.waves.map(\.datasetBytes).saturatingSum())
                json.key("estimated_sync_seconds")
                json.double(plan.waves.reduce(0.0) { $0 + $1.estimatedSyncSeconds })
                json.key("not_ready")
                var notReady: [ReadinessStatus: Int] = [:]
                for entry in plan.notReady { notReady[entry.status, default: 0] += 1 }
                json.object { json in
                    // Sorted by name: blocked, review, unreachable.
                    for status in [ReadinessStatus.blocked, .review, .unreachable] {
                        json.key(status.rawValue)
                        json.int(notReady[status] ?? 0)
                    }
                }
                json.key("planned_instances")
                json.int(planned.count)
                json.key("waves")
                json.int(plan.waves.count)
            }
            json.key("target")
            JSONReporter.target(plan.target, into: &json)
            json.key("tool_version")
            json.string(plan.toolVersion)
            json.key("waves")
            json.array(plan.waves) { json, wave in Self.wave(wave, into: &json) }
        }
        return json.text
    }

    static func constraints(_ constraints: PlanConstraints, into json: inout JSONWriter) {
        json.object { json in
            json.key("keep_together")
            json.string(constraints.keepTogetherTag)
            json.key("max_dataset_bytes_per_wave")
            json.int(constraints.maxDatasetBytesPerWave)
            json.key("max_instances_per_wave")
            json.int(constraints.maxInstancesPerWave)
            json.key("max_sync_seconds_per_wave")
            json.double(constraints.maxSyncSecondsPerWave)
            json.key("order_by_tag")
            if let order = constraints.tagOrder {
                json.object { json in
                    json.key("key")
                    json.string(order.key)
                    json.key("values")
                    json.array(order.values)
                }
            } else {
                json.null()
            }
        }
    }

    static func wave(_ wave: PlanWave, into json: inout JSONWriter) {
        json.object { json in
            json.key("exceeded_limits")
            json.array(wave.exceededLimits)
            json.key("instances")
            json.array(wave.instances) { json, instance in
                json.object { json in
                    json.key("address")
                    json.string(instance.address)
                    json.key("dataset_bytes")
                    json.int(instance.datasetBytes)
                    json.key("estimated_sync_seconds")
                    json.double(instance.estimatedSyncSeconds)
                    json.key("host")
                    json.string(instance.host)
                    json.key("host_rank")
                    json.int(instance.hostRank)
                    json.key("port")
                    json.int(instance.port)
                    json.key("score")
                    json.double(instance.score)
                    json.key("status")
                    json.string(instance.status.rawValue)
                    json.key("tags")
                    json.object(sorting: instance.tags)
                }
            }
            json.key("number")
            json.int(wave.number)
            json.key("order_tag_value")
            json.string(wave.orderTagValue)
            json.key("totals")
            json.object { json in
                json.key("dataset_bytes")
                json.int(wave.datasetBytes)
                json.key("estimated_sync_seconds")
                json.double(wave.estimatedSyncSeconds)
                json.key("hosts")
                json.int(wave.hostCount)
                json.key("instances")
                json.int(wave.instances.count)
                json.key("unknown_dataset_instances")
                json.int(wave.unknownDatasetCount)
            }
        }
    }

    static func notReady(_ entry: NotReadyInstance, into json: inout JSONWriter) {
        json.object { json in
            json.key("address")
            json.string(entry.address)
            json.key("blocking_checks")
            json.array(entry.blockingChecks) { json, check in
                json.object { json in
                    json.key("id")
                    json.string(check.id)
                    json.key("remediation")
                    json.string(check.remediation)
                    json.key("scope")
                    json.string(check.scope.rawValue)
                    json.key("status")
                    json.string(check.status.rawValue)
                    json.key("summary")
                    json.string(check.summary)
                    json.key("title")
                    json.string(check.title)
                }
            }
            json.key("dataset_bytes")
            json.int(entry.datasetBytes)
            json.key("host")
            json.string(entry.host)
            json.key("host_rank")
            json.int(entry.hostRank)
            json.key("port")
            json.int(entry.port)
            json.key("reason")
            json.string(entry.reason)
            json.key("remaining_warnings")
            json.array(entry.remainingWarnings)
            json.key("score")
            json.double(entry.score)
            json.key("status")
            json.string(entry.status.rawValue)
            json.key("tags")
            json.object(sorting: entry.tags)
        }
    }

    static func backlogItem(_ item: BacklogItem, into json: inout JSONWriter) {
        json.object { json in
            json.key("affected")
            json.array(item.affected)
            json.key("check")
            json.string(item.checkID)
            json.key("failing")
            json.int(item.failing)
            json.key("hosts")
            json.int(item.hosts)
            json.key("instances")
            json.int(item.instances)
            json.key("remediations")
            json.array(item.remediations)
            json.key("scope")
            json.string(item.scope.rawValue)
            json.key("title")
            json.string(item.title)
            json.key("unblocks_hosts")
            json.int(item.unblocksHosts)
            json.key("unblocks_instances")
            json.int(item.unblocksInstances)
            json.key("unknown")
            json.int(item.unknown)
        }
    }
}
