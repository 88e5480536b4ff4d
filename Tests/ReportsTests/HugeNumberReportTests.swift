import FleetCore
import Foundation
import Reports
import XCTest

/// Issue 10: every renderer takes a verdict whose facts hold Int64.max (and a host whose datasets sum past it)
/// without trapping; the HTML host total that does not fit is shown as unknown (`?`), not a wrapped number.
final class HugeNumberReportTests: XCTestCase {
    private var model: ReportModel {
        let facts = InstanceFacts(
            usedMemoryBytes: .max, maxmemoryBytes: .max, keys: nil, keysWithExpiry: .max,
            estimatedSyncSeconds: Double(Int64.max) * 8 / 1e9, connectedClients: .max)
        let instances = [6379, 6380].map { port in
            InstanceVerdict(port: port, status: .blocked, score: 0, checks: [], facts: facts)
        }
        let host = HostVerdict(
            host: HostIdentity(name: "huge", address: "10.0.0.1"), status: .blocked, rank: 1, score: 0,
            instances: instances)
        let verdict = FleetVerdict(
            toolVersion: "test", profile: "seed",
            target: TargetSummary(
                name: "t", engineVersion: "7.1", nodeType: "cache.r6g.large", clusterMode: "disabled", source: "t"),
            runID: "20261201T000000Z", inventoryDigest: "sha256:x", collectionStartedAt: Date(timeIntervalSince1970: 0),
            collectionEndedAt: nil, targetChecks: [], hosts: [host], hostKeysUnverified: false)
        return ReportModel(verdict: verdict, generatedAt: Date(timeIntervalSince1970: 0))
    }

    func testEveryFormatRendersInt64MaxFacts() {
        for reporter in Reporters.all { XCTAssertFalse(reporter.render(model).isEmpty, reporter.identifier) }
        XCTAssertFalse(TerminalReporter(colour: false).render(model).isEmpty)
        XCTAssertTrue(JSONReporter().render(model).contains("9223372036854775807"))
    }

    func testAHostDatasetPastInt64IsUnknownInTheHTMLTable() throws {
        let html = HTMLReporter().render(model)
        XCTAssertTrue(html.contains("<td>6379, 6380</td><td>?</td>"), "the host total is '?'")
        XCTAssertTrue(html.contains("width=\"600\""), "the largest bar is the full width, not a trap")
    }
}
