import FleetCore
import Foundation
import History
import Reports
import RunComparison
import XCTest

final class RunDiffTests: XCTestCase {
    func testHostsThatBecameReadyRegressedAppearedOrDisappearedAreNamed() {
        let changes = RunDiff.changes(from: HistoryFixture.first, to: HistoryFixture.second)
        XCTAssertEqual(changes.previousRunID, HistoryFixture.firstID)
        XCTAssertEqual(changes.runID, HistoryFixture.secondID)
        XCTAssertEqual(
            changes.hosts.map { "\($0.name) \($0.kind.rawValue)" },
            ["cache-b became-ready", "cache-a regressed", "cache-d appeared", "cache-c disappeared"],
            "cache-u stayed unreachable and is not listed")
        let regressed = changes.hosts.first { $0.name == "cache-a" }
        XCTAssertEqual(regressed?.before, .ready)
        XCTAssertEqual(regressed?.after, .blocked)
        XCTAssertEqual(
            changes.instances.map { "\($0.host):\($0.port) \($0.kind.rawValue)" },
            ["cache-b:6379 became-ready", "cache-a:6379 regressed"],
            "instances only of hosts present in both runs")
    }

    func testAHostAnIncompleteRunDidNotCollectHasNotDisappeared() {
        var later = HistoryFixture.second
        later.completeness = RunCompleteness(complete: false, plannedHostCount: 5, missingHosts: ["cache-c"])
        let changes = RunDiff.changes(from: HistoryFixture.first, to: later)
        XCTAssertEqual(
            changes.hosts.map { "\($0.name) \($0.kind.rawValue)" },
            ["cache-b became-ready", "cache-a regressed", "cache-d appeared"],
            "cache-c was not reached, so nothing is known about it")
    }

    func testEveryChangedCheckCarriesItsEvidenceBeforeAndAfter() throws {
        let changes = RunDiff.changes(from: HistoryFixture.first, to: HistoryFixture.second)
        XCTAssertEqual(
            changes.checks.map { "\($0.place) \($0.id)" },
            ["target target.multi-az", "cache-a:6379 source.protected-mode", "cache-b:6379 source.bind"],
            "unchanged checks (source.version) are not listed; the target comes first")
        let protectedMode = try XCTUnwrap(changes.checks.first { $0.id == "source.protected-mode" })
        XCTAssertEqual(protectedMode.before, .pass)
        XCTAssertEqual(protectedMode.after, .fail)
        XCTAssertEqual(protectedMode.evidenceBefore.map(\.observed), ["no"])
        XCTAssertEqual(protectedMode.evidenceAfter.map(\.observed), ["yes"])
        XCTAssertEqual(protectedMode.evidenceAfter.first?.source, "CONFIG GET protected-mode")
    }

    func testACheckThatStopsRunningIsAChangeToAbsent() {
        var later = HistoryFixture.first
        later.hosts[0].instances[0].checks.removeLast()
        let changes = RunDiff.changes(from: HistoryFixture.first, to: later)
        XCTAssertEqual(changes.checks.map(\.id), ["source.version"])
        XCTAssertEqual(changes.checks.first?.before, .pass)
        XCTAssertNil(changes.checks.first?.after)
        XCTAssertTrue(changes.hosts.isEmpty)
    }

    func testWithoutAnEarlierRunItIsTheFirstRun() {
        let changes = RunDiff.changes(from: nil, to: HistoryFixture.first)
        XCTAssertTrue(changes.isFirstRun)
        XCTAssertTrue(changes.isEmpty)
    }

    func testTheSameRunTwiceHasNoChanges() {
        let changes = RunDiff.changes(from: HistoryFixture.first, to: HistoryFixture.first)
        XCTAssertFalse(changes.isFirstRun)
        XCTAssertTrue(changes.isEmpty)
    }
}
