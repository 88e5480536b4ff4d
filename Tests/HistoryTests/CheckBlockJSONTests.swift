import FleetCore
import Foundation
import XCTest

@testable import History

/// A check block's two JSON columns: `checks` must be what `JSONEncoder` wrote for ordinary text and decode to the
/// same checks for any text; `outline` must read back through `CheckOutlineReader`, which must read any JSON text of
/// that shape (SQLite's too) as Foundation does and refuse anything else.
final class CheckBlockJSONTests: XCTestCase {
    /// The `checks` column's element, encoded by `JSONEncoder` with sorted keys.
    private struct EncodedCheck: Encodable {
        enum CodingKeys: String, CodingKey {
            case checkID = "check_id"
            case evidence, remediation, severity, status, summary, title, waiver
        }
        var checkID: String
        var evidence: [Evidence]
        var remediation: String?
        var severity: Severity
        var status: CheckStatus
        var summary: String
        var title: String
        var waiver: AppliedWaiver?

        init(_ check: CheckResult) {
            (checkID, evidence, remediation, severity) = (
                check.id.rawValue, check.evidence, check.remediation, check.severity
            )
            (status, summary, title, waiver) = (check.status, check.summary, check.title, check.waiver)
        }
    }

    private let checks = [
        CheckResult(
            id: CheckID("source.bind"), title: "Bind address / interfaces", severity: .blocker, status: .waived,
            summary: "bind 127.0.0.1 \"quoted\" back\\slash",
            evidence: [
                Evidence(source: "/etc/redis/redis.conf:12", observed: "bind 127.0.0.1", note: "last of 2"),
                Evidence(source: "CONFIG GET bind", observed: "127.0.0.1"),
            ], remediation: "bind 0.0.0.0 (restart)",
            waiver: AppliedWaiver(reason: "ticket OPS-1", expires: "2027-01-31", originalStatus: .fail)),
        CheckResult(
            id: CheckID("source.version"), title: "Version", severity: .info, status: .notApplicable, summary: ""),
    ]

    func testChecksOfOrdinaryTextAreStoredAsJSONEncoderWroteThem() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        XCTAssertEqual(
            CheckBlockJSON.checks(checks),
            String(decoding: try encoder.encode(checks.map(EncodedCheck.init)), as: UTF8.self))
        XCTAssertEqual(try CheckBlockJSON.decodeChecks(CheckBlockJSON.checks(checks), decoder: JSONDecoder()), checks)
    }

    func testChecksAndOutlineOfAnyTextReadBackTheSame() throws {
        let hostile = HistoryFixture.hostile(HistoryFixture.first).hosts[0].instances[0].checks
        let stored = CheckBlockJSON.checks(hostile)
        XCTAssertEqual(try CheckBlockJSON.decodeChecks(stored, decoder: JSONDecoder()), hostile)
        XCTAssertFalse(stored.unicodeScalars.contains { $0.value < 0x20 }, "controls are escaped")
        let outline = try CheckOutlineReader.entries(CheckBlockJSON.outline(hostile))
        XCTAssertEqual(
            outline,
            hostile.map {
                CheckOutlineReader.Entry(
                    checkID: $0.id.rawValue, title: $0.title, severity: $0.severity.rawValue, status: $0.status.rawValue
                )
            })
        XCTAssertTrue(outline[0].title.hasSuffix(HistoryFixture.hostileText))
        XCTAssertEqual(try CheckOutlineReader.entries(CheckBlockJSON.outline([])), [])
    }

    /// SQLite's `json_array` (migration v3) leaves `/`, DEL and everything past it unescaped, and JSON allows
    /// whitespace and upper-case hex: read as Foundation reads them.
    func testTheOutlineReaderReadsAnyJSONOfItsShapeAsFoundationDoes() throws {
        let texts = [
            #"[["a/b","t\u007f\u00e9 é\/","blocker","n/a"]]"#,
            " [ [ \"x\" , \"\\\"\\\\\\b\\f\\n\\r\\t\" ,\"\\uD83D\\uDE00\",\"\\u0041\\uDB40\\uDC41\" ] ,\n[\"\",\"\",\"\",\"\"] ] ",
            "[[\"😀\",\"bidi\u{202E}x\",\"c1\u{85}\",\"\\u0000\"]]",
        ]
        for text in texts {
            let foundation = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String]], text)
            XCTAssertEqual(
                try CheckOutlineReader.entries(text).map { [$0.checkID, $0.title, $0.severity, $0.status] }, foundation,
                text)
        }
    }

    func testTheOutlineReaderRefusesWhatIsNotAnOutline() {
        let malformed = [
            "", "[", "[[", "{}", #"[["a","b","c"]]"#, #"[["a","b","c","d","e"]]"#, #"[["a","b","c","d"]"#,
            #"[["a","b","c","d"]] x"#, #"[["a","b","c","d"],]"#, #"[["a","b","c",1]]"#, #"[["a\x","b","c","d"]]"#,
            #"[["\ud800","b","c","d"]]"#, #"[["\udc00","b","c","d"]]"#, #"[["\ud800\u0041","b","c","d"]]"#,
            #"[["\u12g4","b","c","d"]]"#, #"[["\u12"]]"#, "[[\"a\u{1}\",\"b\",\"c\",\"d\"]]", #"[["a","b","c","d""#,
        ]
        for text in malformed {
            XCTAssertThrowsError(try CheckOutlineReader.entries(text), text) { error in
                XCTAssertTrue(error is CheckOutlineReader.Malformed, "\(error)")
            }
        }
    }
}
