import FleetCore
import Foundation
import GRDB
import Reports
import RunComparison

/// The history of evaluated runs in `DIR/history.sqlite` (SQLite through GRDB, WAL journal): every complete run's
/// hosts, instances and check results, for `fleet-audit history`, `diff`, the reports' "since the last run" and
/// their trend chart.
///
/// Crash safety: a run is written in one transaction, and only once its manifest says `complete`; a process killed
/// mid-write leaves the history as it was before the transaction (SQLite's WAL discards uncommitted frames).
public struct HistoryStore: Sendable {
    public static let fileName = "history.sqlite"

    /// The reports root (`--out DIR`).
    public let root: String
    /// `DIR/history.sqlite`.
    public let path: String
    private let database: DatabaseQueue

    /// Opens `DIR/history.sqlite`, creating it (and DIR) when `create` is true, and brings its schema up to date.
    public init(root: String, create: Bool = true) throws(HistoryError) {
        self.root = root
        path = root + "/" + Self.fileName
        if !FileManager.default.fileExists(atPath: path) {
            guard create else {
                throw HistoryError(
                    .noHistory, path: path, message: "no history yet: `fleet-audit audit --out \(root)` starts one")
            }
            // The history quotes evidence (observed values): private like the runs. SQLite gives its -wal and -shm
            // files the database file's own mode, so creating that file 0600 first keeps all three private.
            do {
                try PrivateFile.makeDirectory(root)
                try PrivateFile.write(Data(), to: path)
            } catch {
                throw HistoryError(
                    .open, path: root, message: "cannot create the reports root", underlying: "\(error)")
            }
        }
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.foreignKeysEnabled = true
        // `history` and `diff` may read while an audit writes; a writer waits for another (which the reports root
        // lock already prevents) rather than failing at once.
        configuration.busyMode = .timeout(10)
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
            let migrator = HistorySchema.migrator
            if try database.read(migrator.hasBeenSuperseded) {
                throw HistoryError(
                    .open, path: path,
                    message:
                        "written by a newer fleet-audit (unknown schema migrations); use that version or a new --out")
            }
            try migrator.migrate(database)
        } catch let error as HistoryError {
            throw error
        } catch {
            throw HistoryError(
                .open, path: path, message: "cannot open the history (is it a fleet-audit history.sqlite?)",
                underlying: "\(error)")
        }
    }

    /// Whether `DIR/history.sqlite` exists.
    public static func exists(root: String) -> Bool { FileManager.default.fileExists(atPath: root + "/" + fileName) }

    // MARK: Writing

    /// Records an evaluated run in one transaction, replacing any earlier record of the same run id (re-evaluating
    /// a stored run with `fleet-audit report --run` replaces its record). Refuses a run whose manifest is not
    /// `complete`: a half-collected run must never be taken for a complete one.
    public func record(_ verdict: FleetVerdict, manifest: RunManifest, at recordedAt: Date = Date())
        throws(HistoryError)
    {
        guard manifest.complete, manifest.runID == verdict.runID else {
            throw HistoryError(
                .incompleteRun, path: root + "/runs/" + verdict.runID,
                message: manifest.complete
                    ? "the manifest is for run \(manifest.runID), not \(verdict.runID)"
                    : "the run is incomplete (its manifest does not say complete); it is not recorded in the history")
        }
        try write("cannot record run \(verdict.runID); the history is unchanged") { db in
            let runID = verdict.runID
            // ON DELETE CASCADE removes the earlier record's hosts, instances and check blocks.
            _ = try RunRow.deleteOne(db, key: runID)
            try RunRow(verdict, manifest: manifest, recordedAt: recordedAt).insert(db)
            // One prepared statement per table, executed once per row, all in this one transaction: per-row Codable
            // encoding (a JSONEncoder per JSON column per row) was most of the cost once
            // (docs/benchmarks.md#the-offline-pipeline). The checks are one block per instance (migration v3):
            // 1,283 rows for a 1,000-host run instead of 41,000.
            let rows = HistoryRowWriter(
                insertHost: try db.makeStatement(sql: HistoryRowWriter.hostSQL),
                insertInstance: try db.makeStatement(sql: HistoryRowWriter.instanceSQL),
                insertBlock: try db.makeStatement(sql: HistoryRowWriter.blockSQL))
            try rows.insert(checks: verdict.targetChecks, runID: runID, hostName: nil, port: nil)
            for host in verdict.hosts {
                try rows.insert(host, runID: runID)
                for (position, instance) in host.instances.enumerated() {
                    try rows.insert(instance, runID: runID, hostName: host.host.name, position: position)
                    try rows.insert(
                        checks: instance.checks, runID: runID, hostName: host.host.name, port: instance.port)
                }
            }
        }
    }

    /// Deletes the records of these runs (retention), in one transaction.
    public func delete(runIDs: [String]) throws(HistoryError) {
        guard !runIDs.isEmpty else { return }
        try write("cannot delete old runs from the history; it is unchanged") { db in
            _ = try RunRow.deleteAll(db, keys: runIDs)
        }
    }

    // MARK: Reading

    /// Every recorded run, newest first, with hosts and instances per status.
    public func runs() throws(HistoryError) -> [RecordedRun] {
        try read("cannot list the recorded runs") { db in
            let rows = try RunRow.order(Column("started_at").desc, Column("id").desc).fetchAll(db)
            let hostCounts = try Self.counts(db, sql: "SELECT run_id, status, COUNT(*) AS n FROM host GROUP BY 1, 2")
            var instanceCounts = try Self.counts(
                db, sql: "SELECT run_id, status, COUNT(*) AS n FROM instance GROUP BY 1, 2")
            // As in the report summary: an unreachable host counts as one unreachable instance.
            for (runID, counts) in hostCounts {
                if let unreachable = counts[.unreachable] {
                    instanceCounts[runID, default: [:]][.unreachable, default: 0] += unreachable
                }
            }
            return rows.map { row in
                RecordedRun(
                    id: row.id, startedAt: row.startedAt, endedAt: row.endedAt, recordedAt: row.recordedAt,
                    toolVersion: row.toolVersion, profile: row.profile, targetName: row.targetName,
                    inventoryDigest: row.inventoryDigest, hosts: hostCounts[row.id] ?? [:],
                    instances: instanceCounts[row.id] ?? [:])
            }
        }
    }

    /// The recorded run with this id, or the only one whose id starts with `reference`.
    public func run(matching reference: String) throws(HistoryError) -> RecordedRun {
        let all = try runs()
        if let exact = all.first(where: { $0.id == reference }) { return exact }
        let matches = all.filter { $0.id.hasPrefix(reference) }
        switch matches.count {
        case 1: return matches[0]
        case 0:
            if let directory = RunDirectory.scan(root: root).first(where: { $0.id.hasPrefix(reference) }) {
                throw HistoryError(
                    .runNotFound, path: directory.path,
                    message: directory.state == .incomplete
                        ? "run \(directory.id) is incomplete (killed or failed mid-collection): it was never "
                            + "recorded and cannot be compared"
                        : "run \(directory.id) is complete but not evaluated; `fleet-audit report --run "
                            + "\(directory.path) --target FILE` records it")
            }
            throw HistoryError(
                .runNotFound, path: path,
                message: "no recorded run matches '\(reference)' (`fleet-audit history` lists them; an incomplete "
                    + "run is never recorded)")
        default:
            throw HistoryError(
                .ambiguousRun, path: path,
                message:
                    "'\(reference)' matches \(matches.count) runs (\(matches.prefix(5).map(\.id).joined(separator: ", "))); "
                    + "give more of the id")
        }
    }

    /// The evaluated run as it was recorded: hosts in rank order, instances and checks in their recorded order.
    public func verdict(of runID: String) throws(HistoryError) -> FleetVerdict {
        try read("cannot read run \(runID)") { db in
            guard let run = try RunRow.fetchOne(db, key: runID) else {
                throw HistoryError(.runNotFound, path: path, message: "run \(runID) is not recorded")
            }
            let hosts = try HostRow.filter(Column("run_id") == runID).order(Column("rank"), Column("name"))
                .fetchAll(db)
            let instances = try InstanceRow.filter(Column("run_id") == runID).order(Column("position")).fetchAll(db)
            var targetChecks: [CheckResult] = []
            var checksByInstance: [InstanceKey: [CheckResult]] = [:]
            let decoder = JSONDecoder()
            let blocks = try Row.fetchCursor(
                db, sql: "SELECT host_name, port, checks FROM check_block WHERE run_id = ? ORDER BY id",
                arguments: [runID])
            while let block = try blocks.next() {
                let checks: [CheckResult]
                do {
                    checks = try CheckBlockJSON.decodeChecks(
                        try block.decode(String.self, atIndex: 2), decoder: decoder)
                } catch {
                    throw HistoryError(
                        .read, path: path, message: "a check block of run \(runID) cannot be read",
                        underlying: "\(error)")
                }
                if let hostName = try block.decode(String?.self, atIndex: 0) {
                    let port = try block.decode(Int?.self, atIndex: 1) ?? 0
                    checksByInstance[InstanceKey(host: hostName, port: port), default: []].append(contentsOf: checks)
                } else {
                    targetChecks.append(contentsOf: checks)
                }
            }
            let instancesByHost = Dictionary(grouping: instances, by: \.hostName)
            return FleetVerdict(
                toolVersion: run.toolVersion, profile: run.profile, target: run.target, runID: run.id,
                inventoryDigest: run.inventoryDigest, collectionStartedAt: run.startedAt,
                collectionEndedAt: run.endedAt,
                targetChecks: targetChecks,
                hosts: hosts.map { host in
                    host.verdict(
                        instances: (instancesByHost[host.name] ?? []).map { instance in
                            instance.verdict(
                                checks: checksByInstance[InstanceKey(host: host.name, port: instance.port)] ?? [])
                        })
                },
                hostKeysUnverified: !run.hostKeysVerified)
        }
    }

    /// A check's identity within a run, for evidence read later.
    struct DeferredEvidenceKey: Hashable {
        var host: String?
        var port: Int?
        var id: String
    }

    /// Evidence text as stored (JSON), decoded into the values it holds.
    static func decodeEvidence(_ json: String, path: String) throws(HistoryError) -> [Evidence] {
        do {
            return try JSONDecoder().decode([Evidence].self, from: Data(json.utf8))
        } catch {
            throw HistoryError(
                .read, path: path, message: "a check row's evidence is not valid JSON", underlying: "\(error)")
        }
    }

    /// The two runs `fleet-audit diff` compares: both given; `from` against the newest; or the two newest.
    public func pair(from: String?, to: String?) throws(HistoryError) -> (from: RecordedRun, to: RecordedRun) {
        if let from, let to { return (try run(matching: from), try run(matching: to)) }
        let all = try runs()
        if let from {
            let earlier = try run(matching: from)
            return (earlier, all.first ?? earlier)
        }
        guard all.count >= 2 else {
            throw HistoryError(
                .notEnoughRuns, path: path,
                message: "diff needs two recorded runs and the history holds \(all.count); audit again later")
        }
        return (all[1], all[0])
    }

    // MARK: For reports

    /// What changed between the newest recorded run that started before `verdict`'s run and `verdict` itself
    /// ("first run" when there is none). The run's own record is never its own previous run, so re-evaluating a
    /// stored run gives the same section as its audit did.
    public func sinceLastRun(_ verdict: FleetVerdict) throws(HistoryError) -> RunChanges {
        try sinceLastRun(verdict, recorded: try runs())
    }

    /// "Since the last run" and the trend for a report, from one listing of the recorded runs (the listing counts
    /// every run's hosts and instances: with a long history, once is enough).
    public func reportContext(for verdict: FleetVerdict, trendLimit: Int = Trend.defaultLimit) throws(HistoryError)
        -> (changes: RunChanges, trend: [TrendPoint])
    {
        let recorded = try runs()
        return (
            try sinceLastRun(verdict, recorded: recorded),
            Trend.points(recorded: recorded, through: verdict, limit: trendLimit)
        )
    }

    private func sinceLastRun(_ verdict: FleetVerdict, recorded: [RecordedRun]) throws(HistoryError) -> RunChanges {
        let previous = recorded.first {
            $0.id != verdict.runID && $0.isBefore(startedAt: verdict.collectionStartedAt, id: verdict.runID)
        }
        guard let previous else { return RunDiff.changes(from: nil, to: verdict) }
        // The earlier run's evidence is read only for the checks whose status changed, by block and index: parsing
        // the evidence of every check (forty thousand in a 1,000-host run) to quote a handful cost more than the
        // whole diff.
        let earlier = try comparisonVerdict(of: previous.id)
        var changes = RunDiff.changes(from: earlier.verdict, to: verdict)
        let locationByIndex = changes.checks.indices.compactMap { index -> (Int, CheckLocation)? in
            let check = changes.checks[index]
            guard check.before != nil else { return nil }
            return earlier.evidenceLocations[DeferredEvidenceKey(host: check.host, port: check.port, id: check.id)]
                .map { (index, $0) }
        }
        let evidence = try self.evidence(of: locationByIndex.map(\.1))
        for (index, location) in locationByIndex {
            if let before = evidence[location] { changes.checks[index].evidenceBefore = before }
        }
        return changes
    }

    /// The readiness trend through `verdict`'s run: recorded runs that started before it, then the run itself.
    public func trend(through verdict: FleetVerdict, limit: Int = Trend.defaultLimit) throws(HistoryError)
        -> [TrendPoint]
    {
        Trend.points(recorded: try runs(), through: verdict, limit: limit)
    }

    // MARK: Plumbing

    private static func counts(_ db: Database, sql: String) throws -> [String: [ReadinessStatus: Int]] {
        var result: [String: [ReadinessStatus: Int]] = [:]
        for row in try Row.fetchAll(db, sql: sql) {
            let runID = try row.decode(String.self, forColumn: "run_id")
            let status = try row.decode(String.self, forColumn: "status")
            guard let known = ReadinessStatus(rawValue: status) else { continue }
            result[runID, default: [:]][known] = try row.decode(Int.self, forColumn: "n")
        }
        return result
    }

    func read<T>(_ what: String, _ body: (Database) throws -> T) throws(HistoryError) -> T {
        do {
            return try database.read(body)
        } catch let error as HistoryError {
            throw error
        } catch {
            throw HistoryError(.read, path: path, message: what, underlying: "\(error)")
        }
    }

    private func write(_ what: String, _ body: (Database) throws -> Void) throws(HistoryError) {
        do {
            // One transaction: either all of it is stored, or none.
            try database.write(body)
        } catch {
            throw HistoryError(.write, path: path, message: what, underlying: "\(error)")
        }
    }
}
