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
    public let fileName: String? = "report.json"

    public init() {}

    public func render(_ model: ReportModel) -> String {
        let verdict = model.verdict
        // About 900 bytes per check and 2 KiB per host in practice (36 MB for 1,000 lab hosts): one allocation
        // instead of a doubling series that copies the document three times over. Pages never written cost nothing.
        let checks = verdict.hosts.reduce(verdict.targetChecks.count) { sum, host in
            host.instances.reduce(sum) { $0 + $1.checks.count }
        }
        var json = JSONWriter.report(reservingCapacity: 4_096 + verdict.hosts.count * 2_048 + checks * 1_024)
        Self.document(model, into: &json)
        return json.text
    }

    /// The report written as it is made: one buffer of `chunkSize` reused, where `render` holds the whole document
    /// and copies it into a string (at 1,000 hosts, their fresh pages were a tenth of `report --run`).
    public func write(_ model: ReportModel, toFile path: String, chunkSize: Int) throws {
        let file = try ReportFile(path: path)
        var json = JSONWriter.report(chunkSize: chunkSize) { file.append($0) }
        Self.document(model, into: &json)
        json.finish()
        try file.commit()
    }

    private static func document(_ model: ReportModel, into json: inout JSONWriter) {
        let verdict = model.verdict
        json.object { json in
            json.field("collection_ended_at", string: Text.iso(verdict.collectionEndedAt))
            json.field("collection_started_at", string: Text.iso(verdict.collectionStartedAt))
            json.field("complete", bool: verdict.completeness.complete)
            json.field("expired_waivers", strings: model.expiredWaivers)
            json.field("generated_at", string: Text.iso(model.generatedAt))
            json.field("host_keys_verified", bool: !verdict.hostKeysUnverified)
            json.key("hosts")
            json.array(verdict.hosts) { json, host in Self.host(host, into: &json) }
            json.field("inventory_digest", string: verdict.inventoryDigest)
            json.field("missing_hosts", strings: verdict.completeness.missingHosts)
            json.field("planned_host_count", int: verdict.completeness.plannedHostCount)
            json.field("profile", string: verdict.profile)
            json.field("run_id", string: verdict.runID)
            json.field("schema", string: Self.schema)
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
            // Every target of the run (one per --target), each with its own target checks.
            json.key("targets")
            json.array(verdict.paths) { json, path in
                json.object { json in
                    json.field("profile", string: path.profile)
                    json.key("target")
                    Self.target(path.target, into: &json)
                    json.key("target_checks")
                    json.array(path.targetChecks) { json, check in Self.check(check, into: &json) }
                }
            }
            json.field("tool_version", string: verdict.toolVersion)
            json.key("trend")
            Self.trend(model.trend, into: &json)
        }
    }

    /// `{"cluster_mode", "engine_version", "name", "node_type", "source"}`, shared with plan.json.
    public static func target(_ target: TargetSummary, into json: inout JSONWriter) {
        json.object { json in
            json.field("cluster_mode", string: target.clusterMode)
            json.field("deployment", string: target.deployment)
            json.field("engine", string: target.engine)
            json.field("engine_version", string: target.engineVersion)
            json.field("name", string: target.name)
            json.field("node_type", string: target.nodeType)
            json.field("source", string: target.source)
        }
    }

    static func host(_ host: HostVerdict, into json: inout JSONWriter) {
        json.object { json in
            json.field("address", string: host.host.address)
            json.key("collection_notes")
            json.array(host.collectionNotes) { json, note in
                json.object { json in
                    json.field("kind", string: note.kind.rawValue)
                    json.field("message", string: note.message)
                }
            }
            json.field("groups", strings: host.host.groups)
            json.field("host_key_verified", bool: !host.hostKeyUnverified)
            json.key("instances")
            json.array(host.instances) { json, instance in Self.instance(instance, into: &json) }
            json.field("name", string: host.host.name)
            json.field("rank", int: host.rank)
            json.key("reason")
            if let reason = host.reason {
                json.object { json in
                    json.field("error_class", string: reason.errorClass.rawValue)
                    json.field("message", string: reason.message)
                    json.field("phase", string: reason.phase?.rawValue)
                }
            } else {
                json.null()
            }
            json.field("score", double: host.score)
            json.field("status", string: host.status.rawValue)
            json.key("tags")
            json.object(sorting: host.host.tags)
        }
    }

    static func instance(_ instance: InstanceVerdict, into json: inout JSONWriter) {
        let facts = instance.facts
        json.object { json in
            json.field("best_path", string: instance.bestPath)
            json.key("checks")
            json.array(instance.checks) { json, check in Self.check(check, into: &json) }
            json.key("facts")
            json.object { json in
                json.field("client_addresses", strings: facts.clientAddresses)
                json.field("connected_clients", int: facts.connectedClients)
                json.key("databases_with_keys")
                json.array(facts.databasesWithKeys) { json, index in json.int(index) }
                json.field("estimated_sync_seconds", double: facts.estimatedSyncSeconds)
                Self.fullSync(facts.fullSync, into: &json)
                json.field("keys", int: facts.keys)
                json.field("keys_with_expiry", int: facts.keysWithExpiry)
                Self.largestKeys(facts.largestKeys, into: &json)
                json.field("maxmemory_bytes", int: facts.maxmemoryBytes)
                json.field("redis_version", string: facts.redisVersion)
                json.field("role", string: facts.role)
                json.field("smallest_fitting_node_type", string: facts.smallestFittingNodeType)
                json.field("used_memory_bytes", int: facts.usedMemoryBytes)
            }
            json.key("paths")
            json.array(instance.paths) { json, path in
                json.object { json in
                    json.field("blockers", strings: path.blockers.map(\.rawValue))
                    json.field("score", double: path.score)
                    json.field("status", string: path.status.rawValue)
                    json.field("target", string: path.target)
                }
            }
            json.field("port", int: instance.port)
            json.field("score", double: instance.score)
            json.field("status", string: instance.status.rawValue)
        }
    }

    static func check(_ check: CheckResult, into json: inout JSONWriter) {
        json.object { json in
            json.key("evidence")
            json.array(check.evidence) { json, evidence in Self.evidence(evidence, into: &json) }
            json.field("id", string: check.id.rawValue)
            json.field("remediation", string: check.remediation)
            json.field("severity", string: check.severity.rawValue)
            json.field("status", string: check.status.rawValue)
            json.field("summary", string: check.summary)
            json.field("title", string: check.title)
            json.key("waiver")
            if let waiver = check.waiver {
                json.object { json in
                    json.field("expires", string: waiver.expires)
                    json.field("original_status", string: waiver.originalStatus.rawValue)
                    json.field("reason", string: waiver.reason)
                }
            } else {
                json.null()
            }
        }
    }
}
