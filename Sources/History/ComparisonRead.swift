import FleetCore
import Foundation
import GRDB
import Reports

/// The earlier run as "since the last run" compares it: only the columns `RunDiff` reads, in recorded order, in
/// four queries (the check rows' id range, then checks, instances and hosts), with each check row's id kept so that its evidence can be read later for the few checks whose status
/// changed (`evidence(ofRows:)`, a second read: the reports root lock keeps writers out between the two).
///
/// Every report of an audit reads the previous run this way, so its cost is paid per run: a 1,000-host run is about
/// 40,000 check rows. Decoding those through Codable records, with the JSON of every instance's facts and every
/// host's tags, cost more than the comparison itself (docs/benchmarks.md#the-offline-pipeline). What is not read is
/// left empty: facts, tags, groups, security groups, scores, summaries, remediations, waivers, collection notes.
/// The verdict is internal to the history and goes only to `RunDiff`; `verdict(of:)` reads a whole one.
extension HistoryStore {
    struct ComparisonRead {
        var verdict: FleetVerdict
        /// Each check row's id (`check_result.id`); the first row of a repeated check id counts, as in `RunDiff`.
        var evidenceRows: [DeferredEvidenceKey: Int64]
    }

    func comparisonVerdict(of runID: String) throws(HistoryError) -> ComparisonRead {
        try read("cannot read run \(runID)") { db in
            guard let run = try RunRow.fetchOne(db, key: runID) else {
                throw HistoryError(.runNotFound, path: path, message: "run \(runID) is not recorded")
            }
            var evidenceRows: [DeferredEvidenceKey: Int64] = [:]
            var targetChecks: [CheckResult] = []
            var checksByInstance: [InstanceKey: [CheckResult]] = [:]
            // A run's check rows are written in one transaction, so their ids are one range: scanning it in id
            // order reads the table front to back, where `run_id = ?` went through an index to rows all over the
            // file and then sorted forty thousand of them. Id order is the recorded order within each instance.
            let bounds = try Row.fetchOne(
                db, sql: "SELECT MIN(id), MAX(id) FROM check_result WHERE run_id = ?", arguments: [runID])
            let checks = try Row.fetchCursor(
                db,
                sql: """
                    SELECT host_name, port, check_id, title, severity, status, id
                    FROM check_result NOT INDEXED WHERE id BETWEEN ? AND ? AND run_id = ? ORDER BY id
                    """,
                arguments: [bounds?[0] as Int64? ?? 0, bounds?[1] as Int64? ?? -1, runID])
            while let row = try checks.next() {
                let hostName = try row.decode(String?.self, atIndex: 0)
                let port = try row.decode(Int?.self, atIndex: 1)
                let id = try row.decode(String.self, atIndex: 2)
                let check = CheckResult(
                    id: CheckID(id), title: try row.decode(String.self, atIndex: 3),
                    severity: try value(Severity.self, row, 4, runID: runID),
                    status: try value(CheckStatus.self, row, 5, runID: runID), summary: "")
                let key = DeferredEvidenceKey(host: hostName, port: port, id: id)
                if evidenceRows[key] == nil { evidenceRows[key] = try row.decode(Int64.self, atIndex: 6) }
                if let hostName {
                    checksByInstance[InstanceKey(host: hostName, port: port ?? 0), default: []].append(check)
                } else {
                    targetChecks.append(check)
                }
            }
            var instancesByHost: [String: [InstanceVerdict]] = [:]
            let instances = try Row.fetchCursor(
                db, sql: "SELECT host_name, port, status FROM instance WHERE run_id = ? ORDER BY position",
                arguments: [runID])
            while let row = try instances.next() {
                let hostName = try row.decode(String.self, atIndex: 0)
                let port = try row.decode(Int.self, atIndex: 1)
                instancesByHost[hostName, default: []].append(
                    InstanceVerdict(
                        port: port, status: try value(ReadinessStatus.self, row, 2, runID: runID), score: 0,
                        checks: checksByInstance[InstanceKey(host: hostName, port: port)] ?? [],
                        facts: InstanceFacts()))
            }
            var hosts: [HostVerdict] = []
            let hostRows = try Row.fetchCursor(
                db, sql: "SELECT name, address, status, rank FROM host WHERE run_id = ? ORDER BY rank, name",
                arguments: [runID])
            while let row = try hostRows.next() {
                let name = try row.decode(String.self, atIndex: 0)
                hosts.append(
                    HostVerdict(
                        host: HostIdentity(name: name, address: try row.decode(String.self, atIndex: 1)),
                        status: try value(ReadinessStatus.self, row, 2, runID: runID),
                        rank: try row.decode(Int.self, atIndex: 3), score: 0, instances: instancesByHost[name] ?? []))
            }
            let verdict = FleetVerdict(
                toolVersion: run.toolVersion, profile: run.profile, target: run.target, runID: run.id,
                inventoryDigest: run.inventoryDigest, collectionStartedAt: run.startedAt,
                collectionEndedAt: run.endedAt, targetChecks: targetChecks, hosts: hosts,
                hostKeysUnverified: !run.hostKeysVerified)
            return ComparisonRead(verdict: verdict, evidenceRows: evidenceRows)
        }
    }

    /// The stored evidence of check rows by id (`ComparisonRead.evidenceRows`), decoded; a missing row is absent.
    func evidence(ofRows rows: [Int64]) throws(HistoryError) -> [Int64: [Evidence]] {
        let texts = try read("cannot read the evidence of earlier checks") { db in
            var texts: [Int64: String] = [:]
            let statement = try db.cachedStatement(sql: "SELECT evidence FROM check_result WHERE id = ?")
            for row in rows where texts[row] == nil {
                if let text = try String.fetchOne(statement, arguments: [row]) { texts[row] = text }
            }
            return texts
        }
        var decoded: [Int64: [Evidence]] = [:]
        for (row, text) in texts { decoded[row] = try Self.decodeEvidence(text, path: path) }
        return decoded
    }

    struct InstanceKey: Hashable {
        var host: String
        var port: Int
    }

    /// A status or severity column; an unknown name is a malformed row, as the Codable records refuse it.
    private func value<Value: RawRepresentable>(_ type: Value.Type, _ row: Row, _ index: Int, runID: String)
        throws -> Value where Value.RawValue == String
    {
        let name = try row.decode(String.self, atIndex: index)
        guard let value = Value(rawValue: name) else {
            throw HistoryError(
                .read, path: path,
                message: "a row of run \(runID) has an unknown value '\(OutputText.terminal(String(name.prefix(40))))'")
        }
        return value
    }
}
