import FleetCore
import Foundation
import Reports
import RunComparison
import TestSupport
import XCTest

/// report.json and the diff document, byte for byte: a fixed model with everything a host or an inventory can put
/// into a string (quotes, slashes, C0 and C1 controls, DEL, bidi and zero-width characters, a tag character above
/// U+FFFF), tag keys that sort differently by bytes and by `JSONSerialization` (case, digits, non-ASCII), empty
/// and null values, waivers, an incomplete run, history. The golden files were written by the `[String: Any]` +
/// `JSONSerialization` implementation; the streaming writer that replaced it must give the same bytes.
final class JSONGoldenTests: XCTestCase {
    static let strange =
        "a/b \"q\" \\ \u{1}\u{1F} \t\n\r\u{8}\u{C} del\u{7F} c1\u{85} bidi\u{202E}x zw\u{200B} tag\u{E0041} é 😀"

    static var model: ReportModel {
        var model = SinceLastRunTests.model
        var verdict = model.verdict
        verdict.hosts[0].host.tags = [
            "env": "prod", "Env2": "x", "app": strange, "team10": "a", "team9": "b", "Zone": "c", "émoji": "d",
            "a_b": "e", "ab": "f", "": "empty key",
        ]
        verdict.hosts[0].host.groups = ["prod", strange]
        verdict.hosts[0].collectionNotes = [CollectionNote(.outputCut, "more than 2097152 bytes")]
        verdict.hosts[1].instances[0].facts = InstanceFacts(
            redisVersion: "7.0.15", role: "master", usedMemoryBytes: 1_048_576, maxmemoryBytes: 0, keys: 12,
            keysWithExpiry: 3, databasesWithKeys: [0, 3], estimatedSyncSeconds: 0.1 + 0.2,
            smallestFittingNodeType: "cache.t3.micro", connectedClients: 4, clientAddresses: ["10.0.0.1", strange])
        verdict.hosts[1].instances[0].score = 66.5
        verdict.hosts[1].instances[0].checks[0].waiver = AppliedWaiver(
            reason: strange, expires: "2027-01-01", originalStatus: .fail)
        verdict.hosts[1].instances[0].checks[0].evidence.append(
            Evidence(source: "INFO", observed: "", note: strange))
        verdict.hosts[1].instances.append(
            InstanceVerdict(
                port: 6380, status: .review, score: 0.000_01, checks: [],
                facts: InstanceFacts(estimatedSyncSeconds: 1e22)))
        verdict.completeness = RunCompleteness(
            complete: false, plannedHostCount: 5, missingHosts: ["cache-4", strange])
        verdict.hostKeysUnverified = true
        model.verdict = verdict
        model.expiredWaivers = ["source.bind on cache-1 (expired 2026-01-01)", strange]
        return model
    }

    func testReportJSONIsByteForByteTheGoldenFile() throws {
        try GoldenFile.assertMatches(JSONReporter().render(Self.model), named: "report.json")
    }

    func testReportJSONOfTheSharedFixtureIsByteForByteTheGoldenFile() throws {
        try GoldenFile.assertMatches(JSONReporter().render(VerdictFixture.model()), named: "report-plain.json")
    }

    func testDiffJSONIsByteForByteTheGoldenFile() throws {
        try GoldenFile.assertMatches(JSONReporter.render(changes: SinceLastRunTests.changes), named: "diff.json")
    }

    func testFirstRunDiffWithNothingChangedIsByteForByteTheGoldenFile() throws {
        let changes = RunChanges(
            previousRunID: nil, previousStartedAt: nil, runID: "20261125T000000Z", hosts: [], instances: [],
            checks: [])
        try GoldenFile.assertMatches(JSONReporter.render(changes: changes), named: "diff-first-run.json")
    }

    func testReportJSONIsWhatJSONSerializationWritesForTheSameValue() throws {
        for model in [Self.model, VerdictFixture.model(), SinceLastRunTests.model] {
            let text = JSONReporter().render(model)
            XCTAssertEqual(
                text,
                try GoldenFile.reserializedWithJSONSerialization(text, escapeHidden: OutputText.jsonEscapingHidden))
        }
    }

    func testNoHiddenCharacterIsWrittenRaw() {
        let text = JSONReporter().render(Self.model)
        XCTAssertFalse(text.unicodeScalars.contains { $0.value >= 0x7F && OutputText.isHidden($0) })
        XCTAssertTrue(text.contains("\\u202e"))
        XCTAssertTrue(text.contains("\\udb40\\udc41"), "a hidden scalar above U+FFFF is a surrogate pair")
        XCTAssertTrue(text.contains("a/b"), "slashes are not escaped")
    }
}
