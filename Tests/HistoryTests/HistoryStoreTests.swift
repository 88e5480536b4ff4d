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

    private func recordBoth() throws -> HistoryStore {
        let store = try HistoryStore(root: directory.path)
        try store.record(
            HistoryFixture.first,
            manifest: HistoryFixture.manifest(runID: HistoryFixture.firstID, startedAt: HistoryFixture.firstStart))
        try store.record(
            HistoryFixture.second,
            manifest: HistoryFixture.manifest(runID: HistoryFixture.secondID, startedAt: HistoryFixture.secondStart))
        return store
    }

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
        var reevaluated = HistoryFixture.second
        reevaluated.profile = "aws-current"
        reevaluated.hosts.removeLast()
        try store.record(
            reevaluated,
            manifest: HistoryFixture.manifest(runID: HistoryFixture.secondID, startedAt: HistoryFixture.secondStart))
        XCTAssertEqual(try store.runs().count, 2)
        XCTAssertEqual(try store.verdict(of: HistoryFixture.secondID), reevaluated)
    }

    /// The earlier run's check rows are read as one id range; recording it again after the later run gives it new
    /// ids past the later run's, and the comparison must still find exactly its rows, in their recorded order.
    func testSinceLastRunReadsAnEarlierRunRecordedAgainAfterTheLaterOne() throws {
        let store = try recordBoth()
        try store.record(
            HistoryFixture.first,
            manifest: HistoryFixture.manifest(runID: HistoryFixture.firstID, startedAt: HistoryFixture.firstStart))
        let ranges = try ProcessRunner.run(
            "/usr/bin/sqlite3",
            [
                directory.file("history.sqlite"),
                "SELECT run_id, MIN(id), MAX(id) FROM check_result GROUP BY 1 ORDER BY 2",
            ])
        XCTAssertTrue(
            ranges.stdout.hasPrefix(HistoryFixture.secondID), "the earlier run's rows now come last: \(ranges.stdout)")
        XCTAssertEqual(
            try store.sinceLastRun(HistoryFixture.second),
            RunDiff.changes(from: HistoryFixture.first, to: HistoryFixture.second))
    }

    /// A history written before migration v2 (no per-run status indexes) is upgraded in place when opened: its runs
    /// are kept, and the per-status counts every report makes read only the new indexes.
    func testAHistoryWithoutTheStatusIndexesIsUpgradedInPlace() throws {
        let expected = try recordBoth().runs()
        let file = directory.file("history.sqlite")
        let downgrade = try ProcessRunner.run(
            "/usr/bin/sqlite3",
            [
                file,
                """
                DROP INDEX host_by_run_status; DROP INDEX instance_by_run_status;
                DELETE FROM grdb_migrations WHERE identifier LIKE 'v2:%';
                SELECT COUNT(*) FROM grdb_migrations;
                """,
            ])
        XCTAssertEqual(downgrade.stdout, "1\n", downgrade.stderr)

        let reopened = try HistoryStore(root: directory.path, create: false)
        XCTAssertEqual(try reopened.runs(), expected)
        for (table, index) in [("host", "host_by_run_status"), ("instance", "instance_by_run_status")] {
            let plan = try ProcessRunner.run(
                "/usr/bin/sqlite3",
                [file, "EXPLAIN QUERY PLAN SELECT run_id, status, COUNT(*) AS n FROM \(table) GROUP BY 1, 2"])
            XCTAssertTrue(plan.stdout.contains("COVERING INDEX \(index)"), plan.stdout + plan.stderr)
        }
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
            INSERT INTO check_result (run_id, position, check_id, title, severity, status, summary, evidence)
              WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
              SELECT '\(HistoryFixture.firstID)', i, 'x', hex(randomblob(500)), 'info', 'pass', 's', '[]' FROM n;
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
        let integrity = try ProcessRunner.run(
            "/usr/bin/sqlite3", [directory.file("history.sqlite"), "PRAGMA integrity_check;"])
        XCTAssertEqual(integrity.stdout, "ok\n", integrity.stderr)
    }
}
