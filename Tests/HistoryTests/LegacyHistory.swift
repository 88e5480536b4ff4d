import FleetCore
import Foundation
import GRDB

@testable import History

/// A history.sqlite as fleet-audit wrote it before migration v3: the schema migrated only up to v1 or v2, and every
/// check one row of the `check_result` table, inserted with that version's statement and column encodings.
enum LegacyHistory {
    static let v1 = "v1: runs, hosts, instances, check results"
    static let v2 = "v2: per-run status indexes on hosts and instances"

    /// The check row statement of v1 and v2 (HistoryRowWriter.checkSQL until v3).
    private static let checkSQL = """
        INSERT INTO check_result (run_id, host_name, port, position, check_id, title, severity, status, summary,
            evidence, remediation, waiver)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    static func write(
        _ runs: [(verdict: FleetVerdict, manifest: RunManifest)], root: String, upTo migration: String,
        recordedAt: Date
    ) throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.foreignKeysEnabled = true
        let database = try DatabaseQueue(path: root + "/" + HistoryStore.fileName, configuration: configuration)
        try HistorySchema.migrator.migrate(database, upTo: migration)
        // GRDB's JSON encoding of the waiver column (the `CheckRow` record's).
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try database.write { db in
            let rows = HistoryRowWriter(
                insertHost: try db.makeStatement(sql: HistoryRowWriter.hostSQL),
                insertInstance: try db.makeStatement(sql: HistoryRowWriter.instanceSQL),
                insertBlock: try db.makeStatement(sql: "SELECT 1"))
            let insertCheck = try db.makeStatement(sql: checkSQL)
            func insert(_ checks: [CheckResult], runID: String, hostName: String?, port: Int?) throws {
                for (position, check) in checks.enumerated() {
                    try insertCheck.execute(arguments: [
                        runID, hostName, port, position, check.id.rawValue, check.title, check.severity.rawValue,
                        check.status.rawValue, check.summary, HistoryRowWriter.evidenceJSON(check.evidence),
                        check.remediation,
                        try check.waiver.map { String(decoding: try encoder.encode($0), as: UTF8.self) },
                    ])
                }
            }
            for (verdict, manifest) in runs {
                try RunRow(verdict, manifest: manifest, recordedAt: recordedAt).insert(db)
                try insert(verdict.targetChecks, runID: verdict.runID, hostName: nil, port: nil)
                for host in verdict.hosts {
                    try rows.insert(host, runID: verdict.runID)
                    for (position, instance) in host.instances.enumerated() {
                        try rows.insert(instance, runID: verdict.runID, hostName: host.host.name, position: position)
                        try insert(instance.checks, runID: verdict.runID, hostName: host.host.name, port: instance.port)
                    }
                }
            }
        }
    }
}
