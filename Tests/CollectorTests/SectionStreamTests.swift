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

/// What a host that knows the token can print: every frame is validated, nothing names a path, costs are bounded.
final class HostileSectionStreamTests: XCTestCase {
    private func frame(_ header: String, _ body: String = "x", trailer: String = "rc=0 bytes=1") -> String {
        "==FA:k:BEGIN \(header)==\n\(body)\n==FA:k:END \(trailer)==\n"
    }

    func testNamesAndAttributesOutsideTheCollectorsSetBecomeUnexpectedSectionsKeptAsData() {
        let hostile = [
            "../../../../tmp/x", "..", ".", "/etc/passwd", "meminfo/../../x", "info\u{0}", "info\u{1B}[2J",
            "MEMINFO", "config_file port=6379", "info port=0", "info port=65536", "info port=-1",
            "info port=99999999999999999999", "info port=../x", "info port=6379 port=6380", "meminfo port=6379",
            "info", "meminfo path=/etc/shadow", "info port=6379 owner=root", "info port=6379 transport=ssh",
            "info port=6379 =x", "info port=6379 x",
        ]
        let output = hostile.map { frame($0, "payload of \($0)") }.joined()
        let parsed = SectionStream.parse(Array(output.utf8), token: "k")
        XCTAssertEqual(parsed.sections, [], "none of them is a valid frame: \(parsed.sections.map(\.name))")
        XCTAssertEqual(parsed.unexpected.count + parsed.unexpectedDropped, hostile.count)
        XCTAssertEqual(parsed.unexpected.count, SectionStream.Limits.standard.unexpectedSections)
        XCTAssertTrue(parsed.unexpected[0].text.hasPrefix("payload of ../../"), "the text is kept as data")
        XCTAssertTrue(parsed.unexpected.allSatisfy { !$0.reason.isEmpty })
    }

    func testAnExitStatusOutOfRangeOrNotANumberIsNotTakenAsAnExitStatus() {
        for trailer in ["rc=999 bytes=1", "rc=-1 bytes=1", "rc=x bytes=1", "rc=0 bytes=1 evil=1"] {
            let parsed = SectionStream.parse(Array(frame("meminfo", trailer: trailer).utf8), token: "k")
            XCTAssertEqual(parsed.sections, [], trailer)
            XCTAssertEqual(parsed.unexpected.count, 1, trailer)
        }
    }

    /// A CR before the collector's own newline (a config file whose last line ends in a bare CR) must not hide
    /// the END frame: bytes are split on LF only.
    func testABareCarriageReturnBeforeTheEndFrameKeepsTheSection() throws {
        let output =
            "==FA:k:BEGIN config_file port=6379 path=/etc/redis.conf==\nport 6379\r\nbind 1.2.3.4\r\n"
            + "==FA:k:END rc=0 bytes=28==\n==FA:k:BEGIN meminfo==\nMemTotal: 1 kB\r\n==FA:k:END rc=0 bytes=16==\n"
        let sections = SectionStream.parse(Array(output.utf8), token: "k").sections
        XCTAssertEqual(sections.map(\.name), [.configFile, .meminfo])
        XCTAssertEqual(sections.first?.text, "port 6379\r\nbind 1.2.3.4\r")
    }

    func testSectionsAndInstancesPastTheBoundsAreCountedNotKept() {
        var limits = SectionStream.Limits.standard
        limits.sections = 50
        limits.instances = 3
        let output = (1...200).map { frame("info port=\($0)") }.joined()
        let parsed = SectionStream.parse(Array(output.utf8), token: "k", limits: limits)
        XCTAssertEqual(Set(parsed.sections.compactMap(\.port)), [1, 2, 3])
        XCTAssertEqual(parsed.instancesDropped, 197)
        let many = String(repeating: frame("meminfo"), count: 80)
        let flooded = SectionStream.parse(Array(many.utf8), token: "k", limits: limits)
        XCTAssertEqual(flooded.sections.count, 50)
        XCTAssertEqual(flooded.sectionsDropped, 30)
    }

    /// 20,000 forged sections (1.4 MB) once took minutes and gigabytes: now one pass, bounded parts.
    func testTwentyThousandForgedSectionsAreBoundedInWhatTheyKeep() {
        let output = (0..<20_000).map { frame("info port=\($0 % 60_000 + 1)", String(repeating: "v", count: 40)) }
            .joined()
        XCTAssertGreaterThan(output.utf8.count, 1_400_000)
        let parsed = SectionStream.parse(Array(output.utf8), token: "k")
        XCTAssertEqual(Set(parsed.sections.compactMap(\.port)).count, CollectorScript.maximumInstances)
        XCTAssertLessThanOrEqual(parsed.sections.count, CollectorScript.maximumSections)
        XCTAssertEqual(parsed.instancesDropped, 20_000 - CollectorScript.maximumInstances)
    }

    func testUnterminatedAndNestedFramesAreCounted() {
        let output =
            "==FA:k:BEGIN meminfo==\nabc\n==FA:k:BEGIN loadavg==\n0.1\n==FA:k:END rc=0 bytes=3==\n"
            + "==FA:k:BEGIN hostname==\ncut"
        let parsed = SectionStream.parse(Array(output.utf8), token: "k")
        XCTAssertEqual(parsed.sections.map(\.name), [.loadavg])
        XCTAssertEqual(parsed.unterminated, 2)
    }
}
