import FleetCore
import Foundation
import XCTest

@testable import Collector
@testable import RedisFacts

/// `KeyNames.hidden` reads bytes where it can; it must hash exactly what the Character-level reading hashed.
final class KeyNamesTests: XCTestCase {
    /// The reading before bytes: lines are "\n" Characters apart, names hashed through `hexDigest`.
    private static func reference(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard line.hasPrefix("key "), let quote = line.firstIndex(of: "\"") else { return String(line) }
            let quoted = String(line[quote...])
            let bytes = KeySample.unquote(quoted) ?? Array(quoted.utf8)
            return line[..<quote] + "sha256:" + String(SHA256.hexDigest(of: Data(bytes)).prefix(12))
        }.joined(separator: "\n")
    }

    func testKeyNamesAreHashedAsTheCharacterReadingHashesThem() {
        let cases = [
            "", "\n", "key \"user:1\" string 12\n", "key \"a\"\r\nkey \"b\"\nkey \"c\"", "key \"\\xff\\n\" hash",
            "key \"é\" set", "key \u{301}\"x\"", "key \"\u{301}x\"", "key \"a\\\"b\" list\n\n", "keys \"x\"",
            "key x", "key \"unterminated", "\r\nkey \"x\"\r", "key \"x\"\n\r\n\n", "note key \"x\"",
            String(decoding: [0x6B, 0x65, 0x79, 0x20, 0x22, 0xFF, 0x22] as [UInt8], as: UTF8.self),
        ]
        for text in cases {
            XCTAssertEqual(KeyNames.hidden(in: text), Self.reference(text), text.debugDescription)
        }
        var lines: [String] = []
        for index in 0..<2_000 { lines.append("key \"session:\(index)@example.com\" string \(index % 97)") }
        for separator in ["\n", "\r\n"] {
            let sample = lines.joined(separator: separator)
            XCTAssertEqual(KeyNames.hidden(in: sample), Self.reference(sample))
            XCTAssertFalse(KeyNames.hidden(in: sample).contains("example.com"))
        }
    }
}
