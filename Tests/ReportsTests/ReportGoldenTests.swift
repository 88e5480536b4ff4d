import FleetCore
import Foundation
import Reports
import TestSupport
import XCTest

/// Every report format byte for byte on one fixed model (`GoldenFleet`): each status, a waiver, three paths, "since
/// the last run", a trend, an incomplete run and hostile text, so a change to any renderer or sanitiser shows as a
/// diff of a golden file. After a deliberate change of a format: `FLEET_AUDIT_UPDATE_GOLDEN=1 swift test --filter
/// ReportGoldenTests`, then review `git diff Tests/ReportsTests/Golden` like code.
final class ReportGoldenTests: XCTestCase {
    private let model = GoldenFleet.model

    func testHTMLIsByteForByteTheGoldenFile() throws {
        try GoldenFile.assertMatches(HTMLReporter().render(model), named: "report.html")
    }

    func testMarkdownIsByteForByteTheGoldenFile() throws {
        try GoldenFile.assertMatches(MarkdownReporter().render(model), named: "report.md")
    }

    func testCSVIsByteForByteTheGoldenFile() throws {
        try GoldenFile.assertMatches(CSVReporter().render(model), named: "report.csv")
    }

    func testJSONOfEveryStatusIsByteForByteTheGoldenFile() throws {
        try GoldenFile.assertMatches(JSONReporter().render(model), named: "report-statuses.json")
    }

    func testTerminalSummaryIsByteForByteTheGoldenFile() throws {
        try GoldenFile.assertMatches(TerminalReporter(colour: false).render(model), named: "report-terminal.txt")
    }

    func testColouredTerminalSummaryIsByteForByteTheGoldenFile() throws {
        try GoldenFile.assertMatches(
            TerminalReporter(colour: true).render(model), named: "report-terminal-colour.txt")
    }

    func testDiffOutputsAreByteForByteTheGoldenFiles() throws {
        let changes = GoldenFleet.changes
        try GoldenFile.assertMatches(
            TerminalReporter(colour: false).render(changes: changes, heading: "Changes since 20261118T000000Z"),
            named: "diff-terminal.txt")
        try GoldenFile.assertMatches(
            MarkdownReporter().render(changes: changes, heading: "Changes | since"), named: "diff.md")
    }

    /// The terminal summary is a `Reporter` like the file formats: the same bytes through the protocol, and a writer
    /// given it writes no file for it.
    func testTheTerminalSummaryIsAReporterThatWritesNoFile() throws {
        let terminal: any Reporter = TerminalReporter(colour: false)
        XCTAssertEqual(terminal.identifier, "terminal")
        XCTAssertNil(terminal.fileName)
        try GoldenFile.assertMatches(terminal.render(model), named: "report-terminal.txt")
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let written = try ReportWriter.write(model, formats: [terminal, CSVReporter()], to: directory.path)
        XCTAssertEqual(written, [directory.file("report.csv")])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["report.csv"])
    }

    /// A report file is the rendered text byte for byte however it is handed to the file: JSON and HTML stream
    /// theirs in chunks (a mebibyte in `report --run`), here cut down to a byte so every piece boundary is crossed.
    func testEveryWrittenFileIsTheRenderedTextWhateverTheChunkSize() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for reporter in Reporters.all {
            let name = try XCTUnwrap(reporter.fileName)
            let expected = Data(reporter.render(model).utf8)
            for chunkSize in [1, 100, 4_096, 1 << 20] {
                let path = directory.file(name)
                try reporter.write(model, toFile: path, chunkSize: chunkSize)
                XCTAssertEqual(
                    FileManager.default.contents(atPath: path), expected, "\(name) in chunks of \(chunkSize)")
            }
        }
        let written = try ReportWriter.write(model, formats: Reporters.all, to: directory.path)
        XCTAssertEqual(written.count, Reporters.all.count)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(),
            Reporters.all.compactMap(\.fileName).sorted(), "no temporary file is left behind")
        try GoldenFile.assertMatches(
            String(
                decoding: try XCTUnwrap(FileManager.default.contents(atPath: directory.file("report.html"))),
                as: UTF8.self), named: "report.html")
    }

    /// The golden files hold what the fixture promises: a guard against a fixture that stops covering a case.
    func testTheGoldenModelCoversEveryStatusAndTheHostileText() throws {
        XCTAssertEqual(Set(model.verdict.hosts.map(\.status)), Set(ReadinessStatus.allCases))
        XCTAssertEqual(model.pathMatrix?.targets.count, 3)
        XCTAssertNotNil(model.sinceLastRun)
        let html = HTMLReporter().render(model)
        XCTAssertFalse(html.contains("<script>"))
        XCTAssertFalse(html.contains("\u{1B}"))
        XCTAssertTrue(html.contains("waived until 2027-01-31"))
        let terminal = TerminalReporter(colour: false).render(model)
        XCTAssertFalse(terminal.contains("\u{1B}"))
        let csv = CSVReporter().render(model)
        XCTAssertTrue(csv.contains("'=evil|host"), "a formula prefix is defused")
        XCTAssertFalse(csv.split(separator: "\r\n").contains { $0.contains("\n") }, "one line per record")
    }
}
