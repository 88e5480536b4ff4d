import FleetCore
import Foundation

/// `report.json`, schema `fleet-audit.report/1` (docs/report-schema.md). Sorted keys and a fixed order of hosts and
/// checks: the same verdict always gives the same bytes, apart from `generated_at`.
public struct JSONReporter: Reporter {
    public static let schema = "fleet-audit.report/1"
    public let identifier = "json"
    public let fileName = "report.json"

    public init() {}

    public func render(_ model: ReportModel) -> String {
        let verdict = model.verdict
        let document: [String: Any] = [
            "schema": Self.schema,
            "tool_version": verdict.toolVersion,
            "profile": verdict.profile,
            "run_id": verdict.runID,
            "inventory_digest": verdict.inventoryDigest,
            "collection_started_at": Text.iso(verdict.collectionStartedAt) ?? NSNull(),
            "collection_ended_at": Text.iso(verdict.collectionEndedAt) ?? NSNull(),
            "generated_at": Text.iso(model.generatedAt) ?? NSNull(),
            "host_keys_verified": !verdict.hostKeysUnverified,
            "complete": verdict.completeness.complete,
            "missing_hosts": verdict.completeness.missingHosts,
            "planned_host_count": verdict.completeness.plannedHostCount ?? NSNull(),
            "target": [
                "name": verdict.target.name, "engine_version": verdict.target.engineVersion,
                "node_type": verdict.target.nodeType, "cluster_mode": verdict.target.clusterMode,
                "source": verdict.target.source,
            ],
            "summary": ["hosts": Self.counts(model.hostCounts), "instances": Self.counts(model.instanceCounts)],
            "expired_waivers": model.expiredWaivers,
            "target_checks": verdict.targetChecks.map(Self.check),
            "hosts": verdict.hosts.map(Self.host),
            "since_last_run": model.sinceLastRun.map(Self.changes) ?? NSNull(),
            "trend": Self.trend(model.trend),
        ]
        return Self.serialize(document)
    }

    /// Pretty, sorted keys, slashes unescaped: the same value always gives the same bytes. Every JSON document
    /// fleet-audit writes from a dictionary (report, plan, history listing, diff) goes through here. Remote text
    /// stays exact, but C1, bidi and other hidden characters are written as `\u` escapes
    /// (`OutputText.jsonEscapingHidden`), so the file is safe to print on a terminal.
    public static func serialize(_ document: [String: Any]) -> String {
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return "{}" }
        return OutputText.jsonEscapingHidden(String(decoding: data, as: UTF8.self)) + "\n"
    }

    static func host(_ host: HostVerdict) -> [String: Any] {
        var result: [String: Any] = [
            "name": host.host.name, "address": host.host.address, "tags": host.host.tags, "groups": host.host.groups,
            "status": host.status.rawValue, "rank": host.rank, "score": host.score,
            "host_key_verified": !host.hostKeyUnverified, "instances": host.instances.map(instance),
            "collection_notes": host.collectionNotes.map { ["kind": $0.kind.rawValue, "message": $0.message] },
        ]
        if let reason = host.reason {
            result["reason"] = [
                "error_class": reason.errorClass.rawValue, "phase": reason.phase.map { $0.rawValue as Any } ?? NSNull(),
                "message": reason.message,
            ]
        } else {
            result["reason"] = NSNull()
        }
        return result
    }

    static func instance(_ instance: InstanceVerdict) -> [String: Any] {
        let facts = instance.facts
        return [
            "port": instance.port, "status": instance.status.rawValue, "score": instance.score,
            "checks": instance.checks.map(check),
            "facts": [
                "redis_version": facts.redisVersion ?? NSNull(), "role": facts.role ?? NSNull(),
                "used_memory_bytes": facts.usedMemoryBytes ?? NSNull(),
                "maxmemory_bytes": facts.maxmemoryBytes ?? NSNull(),
                "keys": facts.keys ?? NSNull(), "keys_with_expiry": facts.keysWithExpiry ?? NSNull(),
                "databases_with_keys": facts.databasesWithKeys,
                "estimated_sync_seconds": facts.estimatedSyncSeconds ?? NSNull(),
                "smallest_fitting_node_type": facts.smallestFittingNodeType ?? NSNull(),
                "connected_clients": facts.connectedClients ?? NSNull(), "client_addresses": facts.clientAddresses,
            ] as [String: Any],
        ]
    }

    static func check(_ check: CheckResult) -> [String: Any] {
        [
            "id": check.id, "title": check.title, "severity": check.severity.rawValue, "status": check.status.rawValue,
            "summary": check.summary,
            "evidence": check.evidence.map(evidence),
            "remediation": check.remediation ?? NSNull(),
            "waiver": check.waiver.map { waiver -> [String: Any] in
                ["reason": waiver.reason, "expires": waiver.expires, "original_status": waiver.originalStatus.rawValue]
            } ?? NSNull(),
        ]
    }
}
