import FleetCore
import Foundation
import History
import Reports
import RunComparison
import TestSupport
import XCTest

final class HistoryStoreTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory(prefix: "history-test") }
    override func tearDown() { directory?.remove() }

    private static let recordedAt = HistoryFixture.secondStart.addingTimeInterval(3_600)

    private func recordBoth() throws -> HistoryStore {
        let store = try HistoryStore(root: directory.path)
        for (verdict, manifest) in try Self.bothRuns() {
            try store.record(verdict, manifest: manifest, at: Self.recordedAt)
        }
        return store
    }

    private static func bothRuns(
        first: FleetVerdict = HistoryFixture.first, second: FleetVerdict = HistoryFixture.second
    ) throws -> [(verdict: FleetVerdict, manifest: RunManifest)] {
        [
            (first, try HistoryFixture.manifest(runID: HistoryFixture.firstID, startedAt: HistoryFixture.firstStart)),
            (
                second,
                try HistoryFixture.manifest(runID: HistoryFixture.secondID, startedAt: HistoryFixture.secondStart)
            ),
        ]
    }

    private func sqlite(_ sql: String, _ file: String? = nil) throws -> String {
        let result = try ProcessRunner.run("/usr/bin/sqlite3", [file ?? directory.file("history.sqlite"), sql])
        XCTAssertEqual(result.stderr, "", sql)
        return result.stdout
    }

    /// Every column of every check, as SQL literals (unambiguous whatever the text), in a stable order.
    private static let everyCheck = """
        SELECT quote(run_id), quote(host_name), quote(port), quote(position), quote(check_id), quote(title),
            quote(severity), quote(status), quote(summary), quote(evidence), quote(remediation), quote(waiver)
        FROM check_result ORDER BY run_id, host_name, port, position
        """

    /// The ad-hoc query docs/history.md shows, unchanged.
    private static let documentedQuery = """
        SELECT host_name, MAX(run_id) FROM check_result
          WHERE check_id = 'source.protected-mode' AND status = 'fail' GROUP BY host_name
        """

    func testARecordedRunReadsBackAsTheSameVerdict() throws {
        _ = try recordBoth()
        // A new store on the same file: nothing comes from memory.
        let reopened = try HistoryStore(root: directory.path, create: false)
        XCTAssertEqual(try reopened.verdict(of: HistoryFixture.firstID), HistoryFixture.first)
        XCTAssertEqual(try reopened.verdict(of: HistoryFixture.secondID), HistoryFixture.second)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.file("history.sqlite")))
    }

    func testRunsAreListedNewestFirstWithTheReportsCounts() throws {
        let runs = try recordBoth().runs()
        XCTAssertEqual(runs.map(\.id), [HistoryFixture.secondID, HistoryFixture.firstID])
        XCTAssertEqual(runs[1].hosts, [.ready: 2, .blocked: 1, .unreachable: 1])
        // The same rule as the report's summary: an unreachable host counts as one instance.
        XCTAssertEqual(runs[1].instances, TrendPoint(verdict: HistoryFixture.first).instances)
        XCTAssertEqual(runs[0].instances, TrendPoint(verdict: HistoryFixture.second).instances)
        XCTAssertEqual(runs[0].targetName, "demo")
    }

    func testRecordingTheSameRunAgainReplacesItsRecord() throws {
        let store = try recordBoth()
        let counts = """
            SELECT block.run_id, COUNT(*), (SELECT COUNT(*) FROM check_result WHERE run_id = block.run_id)
            FROM check_block AS block GROUP BY 1 ORDER BY 1
            """
        // Blocks: the target's and one per instance with checks (cache-c and cache-d have none, cache-u no instance).
        XCTAssertEqual(
            try sqlite(counts), "\(HistoryFixture.firstID)|3|4\n\(HistoryFixture.secondID)|3|4\n")
        var reevaluated = HistoryFixture.second
        reevaluated.profile = "aws-current"
        reevaluated.hosts.removeLast()
        reevaluated.hosts[2].instances[0].checks.removeLast()
        try store.record(
            reevaluated,
            manifest: HistoryFixture.manifest(runID: HistoryFixture.secondID, startedAt: HistoryFixture.secondStart))
        XCTAssertEqual(try store.runs().count, 2)
        XCTAssertEqual(try store.verdict(of: HistoryFixture.secondID), reevaluated)
        XCTAssertEqual(
            try sqlite(counts), "\(HistoryFixture.firstID)|3|4\n\(HistoryFixture.secondID)|3|3\n",
            "the run's earlier blocks are gone, the new ones hold its new checks")
        XCTAssertEqual(try store.verdict(of: HistoryFixture.firstID), HistoryFixture.first)
    }

    /// The `check_result` view gives every check's columns as the table did (evidence as the stored JSON), and the
    /// ad-hoc query docs/history.md shows works unchanged.
    func testTheCheckResultViewAnswersTheDocumentedQuery() throws {
        _ = try recordBoth()
        XCTAssertEqual(try sqlite(Self.documentedQuery), "cache-a|\(HistoryFixture.secondID)\n")
        XCTAssertEqual(
            try sqlite(
                """
                SELECT position, severity, summary, evidence, remediation, waiver IS NULL FROM check_result
                WHERE run_id = '\(HistoryFixture.secondID)' AND host_name = 'cache-a' AND port = 6379
                ORDER BY position
                """),
            """
            0|blocker|source.protected-mode is fail.|[{"note":"running value","observed":"yes","source":"CONFIG GET \
            protected-mode"}]|fix source.protected-mode|1
            1|blocker|source.version is pass.|[{"observed":"7.0.15","source":"INFO server.redis_version"}]||1

            """)
        XCTAssertEqual(try sqlite("SELECT type FROM sqlite_master WHERE name = 'check_result'"), "view\n")
    }

    /// The earlier run's check blocks are found by run id and ordered by block id; recording it again after the
    /// later run gives its blocks ids past the later run's (the rowid after the largest), and the comparison must
    /// still find exactly its checks, in their recorded order, with the evidence of the changed ones.
    func testSinceLastRunReadsAnEarlierRunRecordedAgainAfterTheLaterOne() throws {
        let store = try recordBoth()
        try store.record(
            HistoryFixture.first,
            manifest: HistoryFixture.manifest(runID: HistoryFixture.firstID, startedAt: HistoryFixture.firstStart))
        let ranges = try sqlite("SELECT run_id, MIN(id), MAX(id) FROM check_block GROUP BY 1 ORDER BY 2")
        XCTAssertTrue(ranges.hasPrefix(HistoryFixture.secondID), "the earlier run's blocks now come last: \(ranges)")
        XCTAssertEqual(
            try store.sinceLastRun(HistoryFixture.second),
            RunDiff.changes(from: HistoryFixture.first, to: HistoryFixture.second))
    }

    /// A history written before migration v2 (no per-run status indexes, check rows in a table) is upgraded in
    /// place when opened: its runs are kept, and the per-status counts every report makes read only the new indexes.
    func testAHistoryWithoutTheStatusIndexesIsUpgradedInPlace() throws {
        let expected = try recordBoth().runs()
        let root = directory.file("v1")
        try LegacyHistory.write(try Self.bothRuns(), root: root, upTo: LegacyHistory.v1, recordedAt: Self.recordedAt)
        let file = root + "/history.sqlite"
        XCTAssertEqual(try sqlite("SELECT COUNT(*) FROM grdb_migrations", file), "1\n")

        let reopened = try HistoryStore(root: root, create: false)
        XCTAssertEqual(try reopened.runs(), expected)
        for (table, index) in [("host", "host_by_run_status"), ("instance", "instance_by_run_status")] {
            let plan = try sqlite(
                "EXPLAIN QUERY PLAN SELECT run_id, status, COUNT(*) AS n FROM \(table) GROUP BY 1, 2", file)
            XCTAssertTrue(plan.contains("COVERING INDEX \(index)"), plan)
        }
        XCTAssertEqual(try reopened.verdict(of: HistoryFixture.firstID), HistoryFixture.first)
    }

    /// A history written before migration v3 (every check a row of the `check_result` table, as that version
    /// inserted them) is upgraded in place: every check of every run reads back as it was written, evidence and
    /// waivers included, whatever their text; the `check_result` view gives exactly the rows the table held, and the
    /// documented query the same answer; "since the last run" reads the converted blocks.
    func testAVersion2HistoryIsUpgradedInPlaceWithEveryCheckIntact() throws {
        let first = HistoryFixture.hostile(HistoryFixture.first)
        let second = HistoryFixture.hostile(HistoryFixture.second)
        try LegacyHistory.write(
            try Self.bothRuns(first: first, second: second), root: directory.path, upTo: LegacyHistory.v2,
            recordedAt: Self.recordedAt)
        let tableRows = try sqlite(Self.everyCheck)
        let tableAnswer = try sqlite(Self.documentedQuery)
        XCTAssertEqual(try sqlite("SELECT COUNT(*) FROM check_result"), "8\n")
        XCTAssertEqual(tableAnswer, "cache-a|\(HistoryFixture.secondID)\n")

        let store = try HistoryStore(root: directory.path, create: false)
        XCTAssertEqual(try store.verdict(of: HistoryFixture.firstID), first)
        XCTAssertEqual(try store.verdict(of: HistoryFixture.secondID), second)
        XCTAssertEqual(try sqlite(Self.everyCheck), tableRows, "the view gives the rows the table held")
        XCTAssertEqual(try sqlite(Self.documentedQuery), tableAnswer)
        XCTAssertEqual(
            try sqlite("SELECT type, name FROM sqlite_master WHERE name LIKE 'check%' ORDER BY name"),
            "table|check_block\nindex|check_block_by_instance\nview|check_result\n")
        XCTAssertEqual(
            try store.sinceLastRun(second), RunDiff.changes(from: first, to: second),
            "the converted outlines and evidence, as SQLite wrote their JSON, read back")
        XCTAssertEqual(try store.runs().map(\.id), [HistoryFixture.secondID, HistoryFixture.firstID])
    }

    /// Blocks written now hold the same values as converted ones: a hostile run recorded by this version reads
    /// back whole, and the view gives the rows a version-2 history held for it.
    func testHostileTextIsRecordedAndReadBackWhole() throws {
        let first = HistoryFixture.hostile(HistoryFixture.first)
        let second = HistoryFixture.hostile(HistoryFixture.second)
        let legacyRoot = directory.file("v2")
        try LegacyHistory.write(
            try Self.bothRuns(first: first, second: second), root: legacyRoot, upTo: LegacyHistory.v2,
            recordedAt: Self.recordedAt)

        let store = try HistoryStore(root: directory.path)
        for (verdict, manifest) in try Self.bothRuns(first: first, second: second) {
            try store.record(verdict, manifest: manifest, at: Self.recordedAt)
        }
        XCTAssertEqual(try store.verdict(of: HistoryFixture.firstID), first)
        XCTAssertEqual(try store.verdict(of: HistoryFixture.secondID), second)
        XCTAssertEqual(try store.sinceLastRun(second), RunDiff.changes(from: first, to: second))
        // The text of evidence is `HistoryRowWriter.evidenceJSON`'s, as before; a waiver's hidden characters are
        // now `\u` escapes (the same string), so compare those columns decoded.
        let decoded = Self.everyCheck.replacingOccurrences(of: "quote(waiver)", with: "quote(waiver ->> '$.reason')")
        XCTAssertEqual(try sqlite(decoded), try sqlite(decoded, legacyRoot + "/history.sqlite"))
        XCTAssertEqual(
            try sqlite(Self.everyCheck.replacingOccurrences(of: ", quote(waiver)", with: "")),
            try sqlite(
                Self.everyCheck.replacingOccurrences(of: ", quote(waiver)", with: ""), legacyRoot + "/history.sqlite"))
    }

    func testAnIncompleteRunIsNeverRecorded() throws {
        let store = try HistoryStore(root: directory.path)
        let manifest = try HistoryFixture.manifest(
            runID: HistoryFixture.firstID, startedAt: HistoryFixture.firstStart, complete: false)
        XCTAssertThrowsError(try store.record(HistoryFixture.first, manifest: manifest)) { error in
            XCTAssertEqual((error as? HistoryError)?.code, .incompleteRun)
        }
        XCTAssertEqual(try store.runs(), [])
    }

    func testSinceLastRunComparesWithTheRunBeforeAndNeverWithItself() throws {
        let store = try recordBoth()
        let changes = try store.sinceLastRun(HistoryFixture.second)
        XCTAssertEqual(changes.previousRunID, HistoryFixture.firstID, "its own record is not its previous run")
        XCTAssertEqual(changes, RunDiff.changes(from: HistoryFixture.first, to: HistoryFixture.second))
        XCTAssertTrue(try store.sinceLastRun(HistoryFixture.first).isFirstRun)
        let trend = try store.trend(through: HistoryFixture.second)
        XCTAssertEqual(trend.map(\.runID), [HistoryFixture.firstID, HistoryFixture.secondID])
        XCTAssertEqual(try store.trend(through: HistoryFixture.first).map(\.runID), [HistoryFixture.firstID])
        let context = try store.reportContext(for: HistoryFixture.second)
        XCTAssertEqual(context.changes, changes, "the report's context is the same comparison")
        XCTAssertEqual(context.trend, trend)
    }

    func testIncompleteRunDirectoriesAreListedAsSuchAndNeverCompared() throws {
        let store = try recordBoth()
        let root = directory.path
        // Killed mid-collection after the newest recorded run: a manifest without `complete`, and no manifest.
        try HistoryFixture.writeRunDirectory(
            root: root, id: "20261115T030000Z", startedAt: HistoryFixture.secondStart.addingTimeInterval(7 * 86_400),
            complete: false)
        // Without a manifest, the start time comes from the id.
        try HistoryFixture.writeRunDirectory(root: root, id: "20261116T030000Z", startedAt: Date(), complete: nil)
        try HistoryFixture.writeRunDirectory(
            root: root, id: "20261117T030000Z", startedAt: HistoryFixture.secondStart.addingTimeInterval(9 * 86_400),
            complete: true)
        let listing = HistoryListing(recorded: try store.runs(), directories: RunDirectory.scan(root: root))
        XCTAssertEqual(
            listing.entries.map { "\($0.id) \($0.state.rawValue)" },
            [
                "20261117T030000Z not-evaluated", "20261116T030000Z incomplete", "20261115T030000Z incomplete",
                "\(HistoryFixture.secondID) recorded", "\(HistoryFixture.firstID) recorded",
            ])
        XCTAssertTrue(listing.text().contains("incomplete"))
        // diff's default still takes the two newest complete runs, and naming the incomplete one says why it cannot.
        let pair = try store.pair(from: nil, to: nil)
        XCTAssertEqual([pair.from.id, pair.to.id], [HistoryFixture.firstID, HistoryFixture.secondID])
        XCTAssertThrowsError(try store.pair(from: "20261115", to: nil)) { error in
            XCTAssertEqual((error as? HistoryError)?.code, .runNotFound)
            XCTAssertTrue("\(error)".contains("incomplete"), "\(error)")
        }
        XCTAssertEqual(try store.sinceLastRun(HistoryFixture.second).previousRunID, HistoryFixture.firstID)
    }

    func testRunsAreFoundByUnambiguousPrefix() throws {
        let store = try recordBoth()
        XCTAssertEqual(try store.run(matching: "20261101").id, HistoryFixture.firstID)
        XCTAssertThrowsError(try store.run(matching: "202611")) { error in
            XCTAssertEqual((error as? HistoryError)?.code, .ambiguousRun)
        }
        XCTAssertThrowsError(try store.run(matching: "1999")) { error in
            XCTAssertEqual((error as? HistoryError)?.code, .runNotFound)
        }
    }

    func testDiffWithFewerThanTwoRunsSaysSo() throws {
        let store = try HistoryStore(root: directory.path)
        XCTAssertThrowsError(try store.pair(from: nil, to: nil)) { error in
            XCTAssertEqual((error as? HistoryError)?.code, .notEnoughRuns)
        }
        XCTAssertThrowsError(try HistoryStore(root: directory.file("nothing-here"), create: false)) { error in
            XCTAssertEqual((error as? HistoryError)?.code, .noHistory)
        }
    }

    /// A write that fails half-way (here: a duplicate host violates the primary key after the run row and the first
    /// host are in) is rolled back whole: the earlier history is untouched and the run is not there.
    func testAnInterruptedTransactionLeavesTheEarlierHistoryIntact() throws {
        let store = try recordBoth()
        var broken = HistoryFixture.second
        broken.runID = "20261120T030000Z"
        broken.hosts.append(broken.hosts[0])
        XCTAssertThrowsError(
            try store.record(
                broken, manifest: HistoryFixture.manifest(runID: broken.runID, startedAt: Date()))
        ) { error in
            XCTAssertEqual((error as? HistoryError)?.code, .write)
        }
        XCTAssertEqual(try store.runs().map(\.id), [HistoryFixture.secondID, HistoryFixture.firstID])
        XCTAssertEqual(try store.verdict(of: HistoryFixture.secondID), HistoryFixture.second)
    }

    /// A writer killed with SIGKILL in the middle of a large transaction (the sqlite3 shell, its uncommitted pages
    /// spilled into the WAL) leaves the history as it was.
    func testAWriterKilledMidTransactionLeavesTheEarlierHistoryIntact() throws {
        _ = try recordBoth()
        let checksBefore = try sqlite(Self.everyCheck)
        let log = directory.file("sqlite3.log")
        FileManager.default.createFile(atPath: log, contents: nil)
        let output = try XCTUnwrap(FileHandle(forWritingAtPath: log))
        let input = Pipe()
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        writer.arguments = [directory.file("history.sqlite")]
        writer.standardInput = input
        writer.standardOutput = output
        writer.standardError = output
        try writer.run()
        // A tiny cache forces the uncommitted rows out to the WAL; the shell then waits on stdin, mid-transaction.
        let script = """
            PRAGMA cache_size = 10;
            BEGIN;
            DELETE FROM run;
            INSERT INTO check_block (run_id, host_name, port, outline, checks)
              WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
              SELECT '\(HistoryFixture.firstID)', 'cache-a', 6379, '[["x","t","info","pass"]]',
                json_array(json_object('check_id', 'x', 'evidence', json_array(), 'severity', 'info', 'status', 'pass',
                  'summary', hex(randomblob(500)), 'title', 't')) FROM n;
            .print inside-transaction

            """
        input.fileHandleForWriting.write(Data(script.utf8))
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if (try? String(contentsOfFile: log, encoding: .utf8))?.contains("inside-transaction") == true { break }
            usleep(20_000)
        }
        let logText = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        XCTAssertTrue(logText.contains("inside-transaction"), logText)
        let walSize =
            (try? FileManager.default.attributesOfItem(atPath: directory.file("history.sqlite-wal"))[.size])
            as? Int ?? 0
        XCTAssertGreaterThan(walSize, 1_000_000, "the uncommitted transaction reached the WAL")
        kill(writer.processIdentifier, SIGKILL)
        waitpid(writer.processIdentifier, nil, 0)
        try? input.fileHandleForWriting.close()

        let reopened = try HistoryStore(root: directory.path, create: false)
        XCTAssertEqual(try reopened.runs().map(\.id), [HistoryFixture.secondID, HistoryFixture.firstID])
        XCTAssertEqual(try reopened.verdict(of: HistoryFixture.firstID), HistoryFixture.first)
        XCTAssertEqual(try reopened.verdict(of: HistoryFixture.secondID), HistoryFixture.second)
        XCTAssertEqual(try sqlite(Self.everyCheck), checksBefore, "no check was added or lost")
        let integrity = try ProcessRunner.run(
            "/usr/bin/sqlite3", [directory.file("history.sqlite"), "PRAGMA integrity_check;"])
        XCTAssertEqual(integrity.stdout, "ok\n", integrity.stderr)
    }
}
