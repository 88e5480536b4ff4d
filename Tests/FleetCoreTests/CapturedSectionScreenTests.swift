import XCTest

@testable import FleetCore

/// `screenedContent` and `screenedFailure` are `content` and `failure`, found from the first bytes where they settle
/// it: the same values for every text, error replies, blank lines, Unicode spaces and line separators included.
final class CapturedSectionScreenTests: XCTestCase {
    func testScreenedReadsAreTheReadsThemselves() {
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
                    XCTAssertEqual(section.screenedContent, section.content, (start + body).debugDescription)
                    XCTAssertEqual(section.screenedFailure, section.failure, (start + body).debugDescription)
                }
            }
        }
    }
}
