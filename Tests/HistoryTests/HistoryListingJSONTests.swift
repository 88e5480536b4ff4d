import FleetCore
import Foundation
import Reports
import TestSupport
import XCTest

@testable import History

/// `fleet-audit history --format json` byte for byte: recorded runs (one with every status counted, one with none)
/// beside run directories that are not in the history. The golden file was written by the `[String: Any]` +
/// `JSONSerialization` implementation; the streaming writer that replaced it must give the same bytes.
final class HistoryListingJSONTests: XCTestCase {
    static var listing: HistoryListing {
        let recorded = [
            RecordedRun(
                id: "20261125T000000Z", startedAt: Date(timeIntervalSince1970: 1_790_000_000),
                endedAt: Date(timeIntervalSince1970: 1_790_000_060),
                recordedAt: Date(timeIntervalSince1970: 1_790_000_100),
                toolVersion: "0.1.0", profile: "seed", targetName: "demo \"/\u{202E}", inventoryDigest: "sha256:abc",
                hosts: [.ready: 3, .blocked: 1, .unreachable: 2], instances: [.ready: 4, .warnings: 1, .unreachable: 2]),
            RecordedRun(
                id: "20261118T000000Z", startedAt: Date(timeIntervalSince1970: 1_789_395_200), endedAt: nil,
                recordedAt: Date(timeIntervalSince1970: 1_789_395_300), toolVersion: "0.1.0", profile: "aws-current",
                targetName: "demo", inventoryDigest: "sha256:def", hosts: [:], instances: [:]),
        ]
        let directories = [
            RunDirectory(
                id: "20261201T000000Z", path: "/r/runs/20261201T000000Z", state: .incomplete,
                startedAt: Date(timeIntervalSince1970: 1_790_812_800)),
            RunDirectory(id: "odd-name", path: "/r/runs/odd-name", state: .incomplete, startedAt: nil),
        ]
        return HistoryListing(recorded: recorded, directories: directories)
    }

    func testJSONIsByteForByteTheGoldenFile() throws {
        let text = Self.listing.json()
        try GoldenFile.assertMatches(text, named: "history.json")
        XCTAssertEqual(
            text, try GoldenFile.reserializedWithJSONSerialization(text, escapeHidden: OutputText.jsonEscapingHidden))
    }

    func testAnEmptyHistoryIsByteForByteTheGoldenFile() throws {
        try GoldenFile.assertMatches(HistoryListing(recorded: [], directories: []).json(), named: "history-empty.json")
    }
}
