import FleetCore
import XCTest

/// The one line every output shows for a failure (reports, plans, `exec`, `collect`).
final class FailureSummaryTests: XCTestCase {
    func testATimeoutNamesItsPhaseAndOtherClassesDoNot() {
        XCTAssertEqual(
            Failure(.timeout, phase: .handshake, message: "no SSH banner within 10 s").summary,
            "timeout/handshake: no SSH banner within 10 s")
        XCTAssertEqual(Failure(.refused, message: "connection refused").summary, "refused: connection refused")
        XCTAssertEqual(
            Failure(.hostKeyChanged, message: "jump: bastion presented another key", hop: "bastion").summary,
            "host-key-changed: jump: bastion presented another key")
    }

    func testTheMessageIsKeptRawForEachOutputToSanitise() {
        XCTAssertEqual(Failure(.auth, message: "a\u{1B}[2J\nb").summary, "auth: a\u{1B}[2J\nb")
    }
}
