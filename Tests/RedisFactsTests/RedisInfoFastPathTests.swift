import Foundation
import XCTest

@testable import RedisFacts

/// `RedisInfo` reads ASCII replies from their bytes and everything else by Characters: both readings must give the
/// same sections and fields, for real replies and for every line-break and trimming corner.
final class RedisInfoFastPathTests: XCTestCase {
    private func assertSameReading(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        let bytes = RedisInfo.sections(ascii: Array(text.utf8))
        let characters = RedisInfo.sections(text)
        XCTAssertEqual(bytes.map(\.name), characters.map(\.name), file: file, line: line)
        XCTAssertEqual(
            bytes.map { $0.fields.map(\.key) }, characters.map { $0.fields.map(\.key) }, file: file, line: line)
        XCTAssertEqual(
            bytes.map { $0.fields.map(\.value) }, characters.map { $0.fields.map(\.value) }, file: file, line: line)
    }

    func testRealRepliesReadTheSameFromBytesAndFromCharacters() throws {
        for version in ["redis-2.8.17", "redis-3.2.6", "redis-6.2.14", "redis-7.0.15", "valkey-9.1.2"] {
            for file in ["info-all.txt", "info-everything.txt"] {
                let text = try fixture("\(version)/\(file)")
                XCTAssertTrue(text.utf8.allSatisfy { $0 < 0x80 }, "\(version)/\(file) is ASCII")
                assertSameReading(text)
                assertSameReading(text.replacingOccurrences(of: "\n", with: "\r\n"))
            }
        }
    }

    func testLineBreaksAndTrimmingReadTheSame() {
        let corners = [
            "", "\n", "\r\n\r\n", "# Server\r\nredis_version:7.0.15\r\n", "a:1\rb:2\u{0B}c:3\u{0C}d:4\n\re:5",
            "  # Spaced Section  \n\t key : value \t\n", "#\n:\n::\nno colon\n#Name\nk:v:w\n", "\t\t\n  \n",
            "# A\r\n\r\n# B\nk:\n:v\n", "x:1\r\r\n\n\ry:2", "#\tTabbed\t\nk:v",
        ]
        for text in corners { assertSameReading(text) }
    }

    /// `firstValues(of:in:)` finds what the whole parse finds, field for field.
    func testFirstValuesAreTheFieldsTheWholeParseFinds() throws {
        var texts = [
            "", "\n", "process_id:1\nprocess_id:2", "# process_id:9\nprocess_id:3", " process_id : 4 \r\n",
            "#Server\r\nredis_version:7.0.15\r\n", "redis_version:\nprocess_id:x", "a:1\rprocess_id:5\u{0B}",
            "process_id\n:process_id", "redis_version:é\nprocess_id:6", "e\u{301}:1\nprocess_id:7",
        ]
        for version in ["redis-2.8.17", "redis-7.0.15", "valkey-9.1.2"] {
            texts.append(try fixture("\(version)/info-all.txt"))
        }
        let fields: Set<String> = ["process_id", "redis_version", "role", "missing"]
        for text in texts {
            let whole = RedisInfo(parsing: text)
            let expected = Dictionary(
                uniqueKeysWithValues: fields.compactMap { field in whole[field].map { (field, $0) } })
            XCTAssertEqual(RedisInfo.firstValues(of: fields, in: text), expected, text.debugDescription)
        }
    }

    func testTrimmingRemovesSpacesTabsCRAndLFAsScalars() {
        XCTAssertEqual(" \t\r\nkey value\r\n \t".trimmed, "key value")
        XCTAssertEqual(" \u{301}combining".trimmed, "\u{301}combining", "the space goes, the mark stays")
        XCTAssertEqual("\u{A0}kept\u{85}".trimmed, "\u{A0}kept\u{85}", "only the four ASCII characters are trimmed")
        XCTAssertEqual(" \r\n\t ".trimmed, "")
        XCTAssertEqual(Substring("  in a substring ").trimmed, "in a substring")
        XCTAssertEqual(TextLine.split("a\r\nb\rc\n\r\n").map(\.content), ["a", "b\rc", "", ""])
        XCTAssertEqual(TextLine.split("é\r\n😀").map(\.terminator), ["\r\n", ""])
    }

    func testNewlineSeparatedLinesAreTheCharacterSplit() throws {
        let texts = [
            try fixture("host/df-Pk.txt"), try fixture("host/ip-addr.txt"), "", "\n", "a\r\nb\rc\u{0B}d\u{0C}e\n\n\r",
            "MemTotal:       16305924 kB\r\nMemFree:         1234 kB\r\n", "é\u{85}x\u{2028}y\r\n", "\r\n\r\nend",
        ]
        for text in texts {
            XCTAssertEqual(text.newlineSeparatedLines, text.split(whereSeparator: \.isNewline), text.debugDescription)
        }
    }

    func testFieldLookUpsFindTheFirstOccurrence() {
        let info = RedisInfo(parsing: "# Server\nrole:first\n# Replication\nrole:second\nconnected_slaves:0\n")
        XCTAssertEqual(info["role"], "first")
        XCTAssertEqual(info.source(of: "role"), "INFO server.role")
        XCTAssertEqual(info.source(of: "connected_slaves"), "INFO replication.connected_slaves")
        XCTAssertEqual(info.source(of: "absent"), "INFO ?.absent")
        XCTAssertNil(info["absent"])
    }
}
