import FleetCore
import Foundation
import History
import TestSupport
import XCTest

final class RetentionTests: XCTestCase {
    func testKeepDeletesExactlyTheOlderRunsAndNothingElse() throws {
        let directory = try TemporaryDirectory(prefix: "retention-test")
        defer { directory.remove() }
        let root = directory.file("reports")
        let store = try HistoryStore(root: root)
        let day = 86_400.0
        let start = HistoryFixture.firstStart
        let ids = (1...4).map { "2026110\($0)T030000Z" }
        for (index, id) in ids.enumerated() {
            let startedAt = start.addingTimeInterval(Double(index) * day)
            var verdict = HistoryFixture.first
            verdict.runID = id
            verdict.collectionStartedAt = startedAt
            try store.record(verdict, manifest: HistoryFixture.manifest(runID: id, startedAt: startedAt))
            try HistoryFixture.writeRunDirectory(root: root, id: id, startedAt: startedAt, complete: true)
        }
        // Killed runs: one older than everything kept, one between the kept runs (stays: newer than the cutoff).
        try HistoryFixture.writeRunDirectory(
            root: root, id: "20261031T030000Z", startedAt: start.addingTimeInterval(-day), complete: false)
        try HistoryFixture.writeRunDirectory(
            root: root, id: "20261103T120000Z", startedAt: start.addingTimeInterval(2.4 * day), complete: nil)
        // Not fleet-audit's: a folder with another name, a link to a directory outside runs/, a file beside runs/.
        try FileManager.default.createDirectory(atPath: root + "/runs/notes", withIntermediateDirectories: true)
        let outside = try directory.write("keep me", to: "outside.txt")
        try FileManager.default.createSymbolicLink(
            atPath: root + "/runs/20261001T000000Z", withDestinationPath: directory.path)
        let beside = try directory.write("keep me too", to: "reports/README.txt")

        // Keep 2, protecting the run "just written" (here deliberately an older one: it must survive too).
        let outcome = try Retention.apply(keep: 2, store: store, protecting: ids[0])
        XCTAssertEqual(Set(outcome.deletedRecords), [ids[1]])
        XCTAssertEqual(try store.runs().map(\.id), [ids[3], ids[2], ids[0]])
        let left = try FileManager.default.contentsOfDirectory(atPath: root + "/runs").sorted()
        XCTAssertEqual(
            left, ["20261001T000000Z", ids[0], "20261103T120000Z", ids[2], ids[3], "notes"].sorted(),
            "deleted: \(outcome.deletedDirectories)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: outside), "a link's target is never touched")
        XCTAssertTrue(FileManager.default.fileExists(atPath: beside))

        // Without a protected old run, keep 1 leaves only the newest.
        let second = try Retention.apply(keep: 1, store: store, protecting: ids[3])
        XCTAssertEqual(Set(second.deletedRecords), [ids[0], ids[2]])
        XCTAssertEqual(try store.runs().map(\.id), [ids[3]])
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: root + "/runs").sorted(),
            ["20261001T000000Z", ids[3], "notes"].sorted())
    }
}
