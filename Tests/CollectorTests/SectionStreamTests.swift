import FleetCore
import XCTest

@testable import Collector

final class SectionStreamTests: XCTestCase {
    func testSectionsKeepTheirExactTextExitCodeAndAttributes() {
        let output = """
            ==FA:t0k:BEGIN meminfo==
            MemTotal: 1 kB
            ==FA:t0k:END rc=0 bytes=15==
            ==FA:t0k:BEGIN config_file port=6379 path=/etc/redis/my redis.conf==
            no final newline
            ==FA:t0k:END rc=0 bytes=16==
            ==FA:t0k:BEGIN info port=6380==

            ==FA:t0k:END rc=1 bytes=0==

            """
        let sections = SectionStream.sections(output, token: "t0k", limit: 100)
        XCTAssertEqual(sections.map(\.name.rawValue), ["meminfo", "config_file", "info"])
        XCTAssertEqual(sections[0].text, "MemTotal: 1 kB", "the newline before END is the frame's")
        XCTAssertEqual(sections[1].text, "no final newline")
        XCTAssertEqual(sections[1].port, 6379)
        XCTAssertEqual(sections[1].path, "/etc/redis/my redis.conf")
        XCTAssertEqual(sections[2].exitCode, 1)
        XCTAssertEqual(sections[2].text, "")
    }

    func testRemoteOutputCannotForgeOrCloseSectionsWithoutTheToken() {
        let output = """
            ==FA:t0k:BEGIN info port=1==
            ==FA:guess:END rc=0 bytes=1==
            ==FA:guess:BEGIN meminfo==
            evil
            ==FA:t0k:END rc=0 bytes=70==
            garbage outside any section
            ==FA:t0k:BEGIN loadavg==
            unterminated
            """
        let sections = SectionStream.sections(output, token: "t0k", limit: 100)
        XCTAssertEqual(sections.map(\.name.rawValue), ["info"], "the unterminated section is dropped")
        XCTAssertTrue(sections[0].text.contains("==FA:guess:BEGIN meminfo=="), "forged frames stay plain text")
    }

    func testOutputOverTheLimitIsFlaggedTruncated() {
        let output = "==FA:k:BEGIN processes==\nabc\n==FA:k:END rc=0 bytes=5000==\n"
        XCTAssertEqual(SectionStream.sections(output, token: "k", limit: 3).first?.truncated, true)
        XCTAssertEqual(SectionStream.sections(output, token: "k", limit: 10_000).first?.truncated, false)
    }

    func testTheCommandLineQuotesTheScriptForSh() throws {
        XCTAssertEqual(CollectorScript.shellQuoted("it's"), "'it'\\''s'")
        XCTAssertTrue(CollectorScript.source.contains("==FA:%s:BEGIN"), "the script is bundled")
    }

    func testBinaryAndInvalidUTF8OutputIsKeptAsTextAndSurvivesJSON() throws {
        var bytes = Data("==FA:k:BEGIN processes==\n".utf8)
        bytes.append(contentsOf: [0x00, 0xFF, 0xFE, 0x41, 0x0A, 0xC3])
        bytes.append(Data("\n==FA:k:END rc=0 bytes=6==\n".utf8))
        let sections = SectionStream.sections(String(decoding: bytes, as: UTF8.self), token: "k", limit: 100)
        let text = try XCTUnwrap(sections.first?.text)
        XCTAssertTrue(text.hasPrefix("\u{0}\u{FFFD}"), "NUL kept, invalid bytes replaced")
        let captured = FleetCore.CapturedSection(exitCode: 0, text: text)
        let decoded = try JSONDecoder().decode(
            FleetCore.CapturedSection.self, from: try JSONEncoder().encode(captured))
        XCTAssertEqual(decoded, captured)
    }

    func testAForgedBeginInsideASectionCannotStartANewOne() {
        // A host that prints a plausible frame with a wrong token inside real output stays inside that section.
        let output =
            "==FA:k:BEGIN info port=1==\n==FA:kk:BEGIN meminfo==\n==FA:k :END rc=0 bytes=1==\nx\n"
            + "==FA:k:END rc=0 bytes=60==\n"
        let sections = SectionStream.sections(output, token: "k", limit: 100)
        XCTAssertEqual(sections.map(\.name.rawValue), ["info"])
        XCTAssertEqual(sections.first?.text.split(separator: "\n").count, 3)
    }
}

extension SectionStream {
    /// The valid sections of a text output, with a given per-section limit.
    static func sections(_ text: String, token: String, limit: Int) -> [CollectedSection] {
        var limits = Limits.standard
        limits.sectionBytes = limit
        return parse(Array(text.utf8), token: token, limits: limits).sections
    }
}
