import FleetCore
import Foundation

/// `report.json`, schema `fleet-audit.report/1` (docs/report-schema.md). Sorted keys and a fixed order of hosts and
/// checks: the same verdict always gives the same bytes, apart from `generated_at`.
///
/// Written by `JSONWriter` straight from the model, members in sorted key order (debug builds check it); the bytes
/// are those the earlier `[String: Any]` + `JSONSerialization` version wrote (golden files in ReportsTests).
public struct JSONReporter: Reporter {
    public static let schema = "fleet-audit.report/1"
    public let identifier = "json"
    public let fileName = "report.json"

    public init() {}

    public func render(_ model: ReportModel) -> String {
        let verdict = model.verdict
        // About 3 KiB per instance in practice: one allocation instead of a doubling series for a large fleet.
        var json = JSONWriter(reservingCapacity: 4_096 + verdict.hosts.count * 8_192)
        json.object { json in
            json.key("collection_ended_at")
            json.string(Text.iso(verdict.collectionEndedAt))
            json.key("collection_started_at")
            json.string(Text.iso(verdict.collectionStartedAt))
            json.key("complete")
            json.bool(verdict.completeness.complete)
            json.key("expired_waivers")
            json.array(model.expiredWaivers)
            json.key("generated_at")
            json.string(Text.iso(model.generatedAt))
            json.key("host_keys_verified")
            json.bool(!verdict.hostKeysUnverified)
            json.key("hosts")
            json.array(verdict.hosts) { json, host in Self.host(host, into: &json) }
            json.key("inventory_digest")
            json.string(verdict.inventoryDigest)
            json.key("missing_hosts")
            json.array(verdict.completeness.missingHosts)
            json.key("planned_host_count")
            json.int(verdict.completeness.plannedHostCount)
            json.key("profile")
            json.string(verdict.profile)
            json.key("run_id")
            json.string(verdict.runID)
            json.key("schema")
            json.string(Self.schema)
            json.key("since_last_run")
            if let changes = model.sinceLastRun { Self.changes(changes, into: &json) } else { json.null() }
            json.key("summary")
            json.object { json in
                json.key("hosts")
                Self.counts(model.hostCounts, into: &json)
                json.key("instances")
                Self.counts(model.instanceCounts, into: &json)
            }
            json.key("target")
            Self.target(verdict.target, into: &json)
            json.key("target_checks")
            json.array(verdict.targetChecks) { json, check in Self.check(check, into: &json) }
            json.key("tool_version")
            json.string(verdict.toolVersion)
            json.key("trend")
            Self.trend(model.trend, into: &json)
        }
        return json.text
    }

    /// `{"cluster_mode", "engine_version", "name", "node_type", "source"}`, shared with plan.json.
    public static func target(_ target: TargetSummary, into json: inout JSONWriter) {
        json.object { json in
            json.key("cluster_mode")
            json.string(target.clusterMode)
            json.key("engine_version")
            json.string(target.engineVersion)
            json.key("name")
            json.string(target.name)
            json.key("node_type")
            json.string(target.nodeType)
            json.key("source")
            json.string(target.source)
        }
    }

    static func host(_ host: HostVerdict, into json: inout JSONWriter) {
        json.object { json in
            json.key("address")
            json.string(host.host.address)
            json.key("collection_notes")
            json.array(host.collectionNotes) { json, note in
                json.object { json in
                    json.key("kind")
                    json.string(note.kind.rawValue)
                    json.key("message")
                    json.string(note.message)
                }
            }
            json.key("groups")
            json.array(host.host.groups)
            json.key("host_key_verified")
            json.bool(!host.hostKeyUnverified)
            json.key("instances")
            json.array(host.instances) { json, instance in Self.instance(instance, into: &json) }
            json.key("name")
            json.string(host.host.name)
            json.key("rank")
            json.int(host.rank)
            json.key("reason")
            if let reason = host.reason {
                json.object { json in
                    json.key("error_class")
                    json.string(reason.errorClass.rawValue)
                    json.key("message")
                    json.string(reason.message)
                    json.key("phase")
                    json.string(reason.phase?.rawValue)
                }
            } else {
                json.null()
            }
            json.key("score")
            json.double(host.score)
            json.key("status")
            json.string(host.status.rawValue)
            json.key("tags")
            json.object(sorting: host.host.tags)
        }
    }

    static func instance(_ instance: InstanceVerdict, into json: inout JSONWriter) {
        let facts = instance.facts
        json.object { json in
            json.key("checks")
            json.array(instance.checks) { json, check in Self.check(check, into: &json) }
            json.key("facts")
            json.object { json in
                json.key("client_addresses")
                json.array(facts.clientAddresses)
                json.key("connected_clients")
                json.int(facts.connectedClients)
                json.key("databases_with_keys")
                json.array(facts.databasesWithKeys) { json, index in json.int(index) }
                json.key("estimated_sync_seconds")
                json.double(facts.estimatedSyncSeconds)
                json.key("keys")
                json.int(facts.keys)
                json.key("keys_with_expiry")
                json.int(facts.keysWithExpiry)
                json.key("maxmemory_bytes")
                json.int(facts.maxmemoryBytes)
                json.key("redis_version")
                json.string(facts.redisVersion)
                json.key("role")
                json.string(facts.role)
                json.key("smallest_fitting_node_type")
                json.string(facts.smallestFittingNodeType)
                json.key("used_memory_bytes")
                json.int(facts.usedMemoryBytes)
            }
            json.key("port")
            json.int(instance.port)
            json.key("score")
            json.double(instance.score)
            json.key("status")
            json.string(instance.status.rawValue)
        }
    }

    static func check(_ check: CheckResult, into json: inout JSONWriter) {
        json.object { json in
            json.key("evidence")
            json.array(check.evidence) { json, evidence in Self.evidence(evidence, into: &json) }
            json.key("id")
            json.string(check.id)
            json.key("remediation")
            json.string(check.remediation)
            json.key("severity")
            json.string(check.severity.rawValue)
            json.key("status")
            json.string(check.status.rawValue)
            json.key("summary")
            json.string(check.summary)
            json.key("title")
            json.string(check.title)
            json.key("waiver")
            if let waiver = check.waiver {
                json.object { json in
                    json.key("expires")
                    json.string(waiver.expires)
                    json.key("original_status")
                    json.string(waiver.originalStatus.rawValue)
                    json.key("reason")
                    json.string(waiver.reason)
                }
            } else {
                json.null()
            }
        }
    }
}
