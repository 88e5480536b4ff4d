import FleetCore
import Foundation
import XCTest

@testable import History

/// Evidence is stored by a hand-written compact writer instead of a `JSONEncoder` per row: the stored text must be
/// what that encoder wrote for ordinary text, and decode to the same evidence for any text.
final class HistoryRowWriterTests: XCTestCase {
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    func testEvidenceOfOrdinaryTextIsStoredAsJSONEncoderWroteIt() throws {
        let evidence = [
            Evidence(source: "/etc/redis/redis.conf:12", observed: "bind 127.0.0.1 \"quoted\" back\\slash"),
            Evidence(source: "INFO server.redis_version", observed: "7.0.15", note: "from the running server"),
        ]
        XCTAssertEqual(
            HistoryRowWriter.evidenceJSON(evidence), String(decoding: try encoder.encode(evidence), as: UTF8.self))
        XCTAssertEqual(HistoryRowWriter.evidenceJSON([]), "[]")
    }

    func testEvidenceOfAnyTextDecodesToTheSameEvidence() throws {
        let hostile = "a/b \"q\" \\ \u{1}\u{1F} \t\n\r del\u{7F} c1\u{85} bidi\u{202E}x zw\u{200B} tag\u{E0041} é 😀"
        let evidence = [
            Evidence(source: hostile, observed: hostile, note: hostile), Evidence(source: "", observed: ""),
        ]
        let stored = HistoryRowWriter.evidenceJSON(evidence)
        XCTAssertEqual(try JSONDecoder().decode([Evidence].self, from: Data(stored.utf8)), evidence)
        XCTAssertFalse(stored.unicodeScalars.contains { $0.value < 0x20 }, "controls are escaped")
    }
}
