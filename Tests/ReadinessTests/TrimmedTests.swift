import Foundation
import XCTest

@testable import Readiness

/// `trimmed` trims ASCII text on its bytes: the same as Foundation's `.whitespacesAndNewlines` for every text.
final class TrimmedTests: XCTestCase {
    func testTrimmedIsFoundationsTrim() {
        let ends = [
            "", " ", "\t", "\n", "\r\n", "\u{0B}", "\u{0C}", "\r", "\u{A0}", "\u{85}", "\u{2028}", "\u{3000}", "\u{1F}",
        ]
        let middles = ["", "2", "a b", "--port 6380", "é", "e\u{301}", " \u{301}", "x\u{0}"]
        for start in ends {
            for middle in middles {
                for end in ends {
                    let text = start + middle + end
                    XCTAssertEqual(
                        text.trimmed, text.trimmingCharacters(in: .whitespacesAndNewlines), text.debugDescription)
                }
            }
        }
    }
}
