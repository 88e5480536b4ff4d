import FleetCore
import Foundation
import GRDB
import Reports

/// Inserts a run's hosts, instances and check blocks with prepared statements: the same columns and values the
/// `HostRow` and `InstanceRow` records hold (they still read them back), without encoding a Codable record and a new
/// `JSONEncoder` per JSON column for each of a large run's thousands of rows.
///
/// JSON columns: tags, groups and security groups go through one `JSONEncoder` configured as GRDB configures its own
/// (sorted keys, so the text is what the records wrote); facts through `InstanceFactsJSON`, and a block's checks
/// (`CheckBlockJSON`, with each check's evidence and waiver) through a compact `JSONWriter`: the bytes that encoder
/// writes for text without control or hidden characters, and `\u` escapes for those (which decode to the same
/// string).
struct HistoryRowWriter {
    static let hostSQL = """
        INSERT INTO host (run_id, name, address, ssh_port, tags, host_groups, vpc_id, security_group_ids, status, rank,
            score, reason_class, reason_phase, reason_message, host_key_verified)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    static let instanceSQL = """
        INSERT INTO instance (run_id, host_name, port, position, status, score, redis_version, role,
            used_memory_bytes, maxmemory_bytes, key_count, facts)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    static let blockSQL = "INSERT INTO check_block (run_id, host_name, port, outline, checks) VALUES (?, ?, ?, ?, ?)"

    let insertHost: Statement
    let insertInstance: Statement
    let insertBlock: Statement
    private let encoder: JSONEncoder = {
        // GRDB's `databaseJSONEncoder(for:)`, made once instead of once per column and row.
        let encoder = JSONEncoder()
        encoder.dataEncodingStrategy = .base64
        encoder.dateEncodingStrategy = .millisecondsSince1970
        encoder.nonConformingFloatEncodingStrategy = .throw
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    init(insertHost: Statement, insertInstance: Statement, insertBlock: Statement) {
        self.insertHost = insertHost
        self.insertInstance = insertInstance
        self.insertBlock = insertBlock
    }

    func insert(_ host: HostVerdict, runID: String) throws {
        let identity = host.host
        try insertHost.execute(arguments: [
            runID, identity.name, identity.address, identity.port, try json(identity.tags), try json(identity.groups),
            identity.vpcID, try json(identity.securityGroupIDs), host.status.rawValue, host.rank, host.score,
            host.reason?.errorClass.rawValue, host.reason?.phase?.rawValue, host.reason?.message,
            !host.hostKeyUnverified,
        ])
    }

    func insert(_ instance: InstanceVerdict, runID: String, hostName: String, position: Int) throws {
        let facts = instance.facts
        try insertInstance.execute(arguments: [
            runID, hostName, instance.port, position, instance.status.rawValue, instance.score, facts.redisVersion,
            facts.role, facts.usedMemoryBytes, facts.maxmemoryBytes, facts.keys, InstanceFactsJSON.text(facts),
        ])
    }

    /// One row for the checks of an instance, or of the target (host and port nil); none when there are no checks,
    /// which reads back as an empty list.
    func insert(checks: [CheckResult], runID: String, hostName: String?, port: Int?) throws {
        guard !checks.isEmpty else { return }
        try insertBlock.execute(arguments: [
            runID, hostName, port, CheckBlockJSON.outline(checks), CheckBlockJSON.checks(checks),
        ])
    }

    /// `[{"note":…,"observed":…,"source":…}]` as `JSONEncoder` writes `[Evidence]` (an absent note has no key).
    static func evidenceJSON(_ evidence: [Evidence]) -> String {
        var json = JSONWriter.databaseColumn(reservingCapacity: 64 + evidence.count * 96)
        write(evidence, into: &json)
        return json.compactText
    }

    /// The evidence array as the next value of `json` (inside a check block, or alone).
    static func write(_ evidence: [Evidence], into json: inout JSONWriter) {
        json.array(evidence) { json, item in
            json.object { json in
                if let note = item.note {
                    json.field("note", string: note)
                }
                json.field("observed", string: item.observed)
                json.field("source", string: item.source)
            }
        }
    }

    private func json<Value: Encodable>(_ value: Value) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
