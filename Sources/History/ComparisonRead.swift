import FleetCore
import Foundation
import GRDB
import Reports

/// The earlier run as "since the last run" compares it: only the fields `RunDiff` reads, in recorded order, in three
/// queries (the check blocks' outlines, then instances and hosts), with each check's place (block id and index)
/// kept so that its evidence can be read later for the few checks whose status changed (`evidence(of:)`, a second
/// read: the reports root lock keeps writers out between the two).
///
/// Every report of an audit reads the previous run this way, so its cost is paid per run: a 1,000-host run is about
/// 41,000 checks in 1,283 blocks. Decoding those through Codable, with the JSON of every check's evidence, every
/// instance's facts and every host's tags, cost more than the comparison itself (docs/benchmarks.md#the-offline-pipeline):
/// the blocks' `outline` column holds just check id, title, severity and status, read by `CheckOutlineReader`. What
/// is not read is left empty: facts, tags, groups, security groups, scores, summaries, remediations, waivers,
/// collection notes. The verdict is internal to the history and goes only to `RunDiff`; `verdict(of:)` reads a whole
/// one.
extension HistoryStore {
    struct ComparisonRead {
        var verdict: FleetVerdict
        /// Where each check is stored; the first of a repeated check id counts, as in `RunDiff`.
        var evidenceLocations: [DeferredEvidenceKey: CheckLocation]
    }

    /// A check's place in the history: its block (`check_block.id`) and its index in the block's arrays.
    struct CheckLocation: Hashable {
        var block: Int64
        var index: Int
    }

    func comparisonVerdict(of runID: String) throws(HistoryError) -> ComparisonRead {
        try read("cannot read run \(runID)") { db in
            guard let run = try RunRow.fetchOne(db, key: runID) else {
                throw HistoryError(.runNotFound, path: path, message: "run \(runID) is not recorded")
            }
            var evidenceLocations: [DeferredEvidenceKey: CheckLocation] = [:]
            var targetChecks: [CheckResult] = []
            var checksByInstance: [InstanceKey: [CheckResult]] = [:]
            // Block ids are the recorded order (target first, then each host's instances); the checks are in order
            // within a block. `outline` comes before `checks` in the row, so the evidence's pages are not read.
            let blocks = try Row.fetchCursor(
                db, sql: "SELECT id, host_name, port, outline FROM check_block WHERE run_id = ? ORDER BY id",
                arguments: [runID])
            while let block = try blocks.next() {
                let blockID = try block.decode(Int64.self, atIndex: 0)
                let hostName = try block.decode(String?.self, atIndex: 1)
                let port = try block.decode(Int?.self, atIndex: 2)
                let entries: [CheckOutlineReader.Entry]
                do {
                    entries = try CheckOutlineReader.entries(try block.decode(String.self, atIndex: 3))
                } catch let error as CheckOutlineReader.Malformed {
                    throw HistoryError(
                        .read, path: path,
                        message: "check block \(blockID) of run \(runID) has an outline that is not valid JSON",
                        underlying: "at its element \(error.element)")
                }
                var checks: [CheckResult] = []
                checks.reserveCapacity(entries.count)
                for (index, entry) in entries.enumerated() {
                    let key = DeferredEvidenceKey(host: hostName, port: port, id: entry.checkID)
                    if evidenceLocations[key] == nil {
                        evidenceLocations[key] = CheckLocation(block: blockID, index: index)
                    }
                    checks.append(
                        CheckResult(
                            id: CheckID(entry.checkID), title: entry.title,
                            severity: try value(Severity.self, entry.severity, runID: runID),
                            status: try value(CheckStatus.self, entry.status, runID: runID), summary: ""))
                }
                if let hostName {
                    checksByInstance[InstanceKey(host: hostName, port: port ?? 0), default: []].append(
                        contentsOf: checks)
                } else {
                    targetChecks.append(contentsOf: checks)
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
            return ComparisonRead(verdict: verdict, evidenceLocations: evidenceLocations)
        }
    }

    /// The stored evidence of these checks (`ComparisonRead.evidenceLocations`), decoded; a missing one is absent.
    ///
    /// Each block is parsed once, by SQLite's `json_each`, however many of its checks changed: one `json_extract` per
    /// check would parse its whole block again each time (quadratic when a new target changes every check).
    func evidence(of locations: [CheckLocation]) throws(HistoryError) -> [CheckLocation: [Evidence]] {
        let indicesByBlock = Dictionary(grouping: Set(locations), by: \.block).mapValues { Set($0.map(\.index)) }
        let texts = try read("cannot read the evidence of earlier checks") { db in
            var texts: [CheckLocation: String] = [:]
            let statement = try db.cachedStatement(
                sql: """
                    SELECT item.key, json_extract(item.value, '$.evidence')
                    FROM check_block AS block, json_each(block.checks) AS item WHERE block.id = ?
                    """)
            for (block, indices) in indicesByBlock.sorted(by: { $0.key < $1.key }) {
                let rows = try Row.fetchCursor(statement, arguments: [block])
                while let row = try rows.next() {
                    let index = try row.decode(Int.self, atIndex: 0)
                    guard indices.contains(index), let text = try row.decode(String?.self, atIndex: 1) else {
                        continue
                    }
                    texts[CheckLocation(block: block, index: index)] = text
                }
            }
            return texts
        }
        var decoded: [CheckLocation: [Evidence]] = [:]
        for (location, text) in texts { decoded[location] = try Self.decodeEvidence(text, path: path) }
        return decoded
    }

    struct InstanceKey: Hashable {
        var host: String
        var port: Int
    }

    /// A status or severity name; an unknown one is a malformed row, as the Codable records refuse it.
    private func value<Value: RawRepresentable>(_ type: Value.Type, _ name: String, runID: String) throws -> Value
    where Value.RawValue == String {
        guard let value = Value(rawValue: name) else {
            throw HistoryError(
                .read, path: path,
                message: "a row of run \(runID) has an unknown value '\(OutputText.terminal(String(name.prefix(40))))'")
        }
        return value
    }

    private func value<Value: RawRepresentable>(_ type: Value.Type, _ row: Row, _ index: Int, runID: String)
        throws -> Value where Value.RawValue == String
    {
        try value(type, try row.decode(String.self, atIndex: index), runID: runID)
    }
}
