import FleetCore
import Foundation
import Inventory
import XCTest

@testable import Collector

/// How one host's result becomes a snapshot when the collector did not end cleanly.
final class SnapshotBuilderTests: XCTestCase {
    private let token = "t0k"

    private func host() throws -> InventoryHost {
        let yaml = "defaults: {user: u, metadata: off}\nhosts:\n  - {name: h, address: 10.0.0.1}\n"
        return try XCTUnwrap(try Inventory.parse(yaml, file: "inv.yaml", baseDirectory: "/").hosts.first)
    }

    private func result(_ stdout: String, failure: Failure?) -> CommandResult {
        CommandResult(
            host: "h", address: "10.0.0.1", port: 22, status: failure == nil ? .ok : .failed, failure: failure,
            stdout: Data(stdout.utf8))
    }

    private let meminfo = "==FA:t0k:BEGIN meminfo==\nMemTotal: 1 kB\n==FA:t0k:END rc=0 bytes=14==\n"

    func testWhatArrivedBeforeATimeoutIsKeptAndTheSnapshotSaysSo() throws {
        let snapshot = SnapshotBuilder(host: try host(), knownSecrets: []).snapshot(
            from: result(
                meminfo + "==FA:t0k:BEGIN hostname==\n", failure: Failure(.timeout, phase: .command, message: "late")),
            token: token, collectedAt: Date())
        XCTAssertNil(snapshot.failure, "the host was reached and described")
        XCTAssertEqual(snapshot[.meminfo]?.text, "MemTotal: 1 kB")
        XCTAssertEqual(snapshot.collectionNotes.map(\.kind), [.timedOut, .unterminatedSections])
    }

    func testAFloodCutAtTheCapKeepsItsSectionsAndIsMarked() throws {
        let snapshot = SnapshotBuilder(host: try host(), knownSecrets: []).snapshot(
            from: result(
                meminfo + "==FA:t0k:BEGIN processes==\n1 x\n2 y", failure: Failure(.outputLimit, message: "cut")),
            token: token, collectedAt: Date())
        XCTAssertNil(snapshot.failure)
        XCTAssertEqual(snapshot.collectionNotes.first?.kind, .outputCut)
        XCTAssertNil(snapshot[.processes], "the cut section is not taken as whole")
    }

    func testAHostThatWasNeverReachedKeepsItsFailure() throws {
        let failure = Failure(.refused, phase: .connect, message: "refused")
        let snapshot = SnapshotBuilder(host: try host(), knownSecrets: []).snapshot(
            from: result("", failure: failure), token: token, collectedAt: Date())
        XCTAssertEqual(snapshot.failure, failure)
        let timedOutSilently = SnapshotBuilder(host: try host(), knownSecrets: []).snapshot(
            from: result("", failure: Failure(.timeout, phase: .handshake, message: "t")), token: token,
            collectedAt: Date())
        XCTAssertEqual(timedOutSilently.failure?.errorClass, .timeout)
    }

    func testForgedFramesAreKeptAsUnexpectedAndNamedInTheNotes() throws {
        let forged = "==FA:t0k:BEGIN ../../etc/x==\nevil\n==FA:t0k:END rc=0 bytes=4==\n"
        let snapshot = SnapshotBuilder(host: try host(), knownSecrets: []).snapshot(
            from: result(meminfo + forged, failure: nil), token: token, collectedAt: Date())
        XCTAssertEqual(snapshot.unexpectedSections.map(\.text), ["evil"])
        XCTAssertEqual(snapshot.collectionNotes.map(\.kind), [.unexpectedSections])
        XCTAssertNil(snapshot.sections["../../etc/x"])
    }
}
