import XCTest

@testable import FleetCore

/// `failure` (and so `content`) settled from the first bytes where they can is `firstLineFailure`, the Foundation
/// definition: the same values for every text, error replies, blank lines, Unicode spaces and line separators included.
final class CapturedSectionFirstBytesTests: XCTestCase {
    func testFailureFromTheFirstBytesIsTheFoundationDefinition() {
        let starts = [
            "", " ", "\t", "\n", "\r\n", "\u{0B}", "\u{0C}", "\u{A0}", "\u{2028}", "\u{85}", "\u{3000}", "  \n \t\n",
            "\u{301}",
        ]
        let bodies =
            CapturedSection.errorPrefixes + CapturedSection.errorPrefixes.map { String($0.dropLast()) }
            + CapturedSection.errorPrefixes.map { $0 + "\u{301}" } + [
                "# Server\nredis_version:7.0.15\n", "MemTotal: 1 kB", "maxmemory\n0\n", "sampled 3", "Error:", "ERR",
                "E\u{301}RR x", "(error) NOAUTH", "-", "é", "x", "NOAUTH Authentication required.",
            ]
        for start in starts {
            for body in bodies {
                for exitCode in [0, 1, nil] as [Int?] {
                    let section = CapturedSection(exitCode: exitCode, text: start + body + "\nmore")
                    XCTAssertEqual(section.failure, section.firstLineFailure, (start + body).debugDescription)
                    XCTAssertEqual(
                        section.content, section.firstLineFailure == nil ? section.text : nil,
                        (start + body).debugDescription)
                }
            }
        }
    }
}
