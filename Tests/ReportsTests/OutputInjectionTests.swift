import FleetCore
import Foundation
import Reports
import RunComparison
import TestSupport
import XCTest

/// Issue 10, class 7: remote text (host names, tags, messages, observed values) through every report format, one
/// variant per injection class (`HostileText`), asserting the dangerous characters never come out raw and Markdown
/// renders no link, image or HTML (checked with GitHub's renderer, cmark-gfm).
final class OutputInjectionTests: XCTestCase {
    /// One host per variant (name, address, tag and, for every third, an unreachable reason quoting it), and one
    /// blocked host whose check carries every variant in its summary, evidence and remediation.
    static var verdict: FleetVerdict {
        var hosts: [HostVerdict] = []
        for (index, variant) in HostileText.variants.enumerated() {
            let identity = HostIdentity(
                name: "h\(index) \(variant.text)", address: variant.text, tags: ["env": variant.text])
            if index % 3 == 0 {
                hosts.append(
                    HostVerdict(
                        host: identity, status: .unreachable, rank: index + 1, score: 0,
                        reason: Failure(.auth, phase: .authentication, message: "denied: " + variant.text),
                        instances: []))
            } else {
                let check = CheckResult(
                    id: "source.bind", title: "bind", severity: .blocker, status: .fail, summary: variant.text,
                    evidence: [Evidence(source: variant.text, observed: variant.text, note: variant.text)],
                    remediation: variant.text)
                hosts.append(
                    HostVerdict(
                        host: identity, status: .blocked, rank: index + 1, score: 50,
                        instances: [
                            InstanceVerdict(
                                port: 6379, status: .blocked, score: 50, checks: [check],
                                facts: InstanceFacts(redisVersion: variant.text, usedMemoryBytes: 1024))
                        ]))
            }
        }
        return FleetVerdict(
            toolVersion: "0.1.0", profile: "seed",
            target: TargetSummary(
                name: HostileText.all, engineVersion: "7.1", nodeType: "cache.t3.micro", clusterMode: "disabled",
                source: "t.yaml"),
            runID: "20261125T000000Z", inventoryDigest: "sha256:abc",
            collectionStartedAt: Date(timeIntervalSince1970: 1_790_000_000), collectionEndedAt: nil,
            targetChecks: [
                CheckResult(
                    id: "target.multi-az", title: "t", severity: .blocker, status: .fail, summary: HostileText.all)
            ], hosts: hosts, hostKeysUnverified: false)
    }

    static var changes: RunChanges {
        let evidence = HostileText.variants.map { Evidence(source: $0.text, observed: $0.text, note: $0.text) }
        return RunChanges(
            previousRunID: "20261118T000000Z", runID: "20261125T000000Z",
            hosts: HostileText.variants.map {
                RunChanges.Host(name: $0.text, address: $0.text, kind: .regressed, before: .ready, after: .blocked)
            },
            instances: HostileText.variants.map {
                RunChanges.Instance(host: $0.text, port: 6379, kind: .regressed, before: .ready, after: .blocked)
            },
            checks: [
                RunChanges.Check(
                    host: HostileText.all, port: 6379, id: "source.bind", title: "t", severity: .blocker, before: .pass,
                    after: .fail, evidenceBefore: evidence, evidenceAfter: evidence)
            ])
    }

    static var model: ReportModel {
        ReportModel(
            verdict: verdict, generatedAt: Date(timeIntervalSince1970: 1_790_000_100),
            expiredWaivers: [HostileText.all], sinceLastRun: changes)
    }

    // MARK: Every format

    func testJSONKeepsTheExactTextButNoHiddenCharacterRaw() throws {
        let json = JSONReporter().render(Self.model)
        XCTAssertEqual(HostileText.rawDangerous(in: json), [])
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let names = try XCTUnwrap(document["hosts"] as? [[String: Any]]).compactMap { $0["name"] as? String }
        XCTAssertEqual(names, Self.verdict.hosts.map(\.host.name), "JSON is data: the names decode exactly")
        XCTAssertTrue(json.contains("\\u202e"), "U+202E written as an escape")
        XCTAssertTrue(json.contains("\\udb40\\udc41"), "a tag character as a surrogate pair")

        let diff = JSONReporter.render(changes: Self.changes)
        XCTAssertEqual(HostileText.rawDangerous(in: diff), [])
    }

    func testHTMLEscapesMarkupAndShowsHiddenCharacters() {
        let html = HTMLReporter().render(Self.model)
        XCTAssertEqual(HostileText.rawDangerous(in: html), [])
        XCTAssertFalse(html.contains("<script>alert"))
        XCTAssertFalse(html.contains("<img src=x"))
        XCTAssertTrue(html.contains("txt.&lt;U+202E&gt;exe.sh"), "the override is named, not applied")
        XCTAssertTrue(html.contains("a\\x1b[2J\\x1b[Hb"))
        XCTAssertTrue(html.contains("c1\\x9b31mred"))
    }

    func testMarkdownRendersEveryVariantAsTextInGitHubsRenderer() throws {
        for (label, markdown) in [
            ("report.md", MarkdownReporter().render(Self.model)),
            ("diff --format md", MarkdownReporter().render(changes: Self.changes, heading: "Changes")),
        ] {
            XCTAssertEqual(HostileText.rawDangerous(in: markdown), [], label)
            let html = try HostileText.renderGitHubMarkdown(markdown)
            XCTAssertEqual(HostileText.liveMarkup(in: html), [], "\(label) rendered: \(html)")
            XCTAssertEqual(HostileText.rawDangerous(in: html), [], label)
            XCTAssertTrue(html.contains("[click](http[:]//evil.example/a)"), "\(label): the link is text")
            XCTAssertTrue(html.contains("![x](http[:]//evil.example/i.png)"), "\(label): the image is text")
            XCTAssertTrue(html.contains("www[.]evil.example"), label)
            XCTAssertTrue(html.contains("ops[@]evil.example"), label)
            XCTAssertTrue(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "\(label): HTML shown as text")
            XCTAssertTrue(html.contains("**bold** _it_ ~~gone~~"), "\(label): no emphasis")
            XCTAssertTrue(html.contains("&amp;lt;b&amp;gt; &amp;#58;"), "\(label): entities shown, not decoded")
            XCTAssertTrue(html.contains("txt.&lt;U+202E&gt;exe.sh"), label)
        }
        // The hosts table: one row per host and the header, however many pipes and line breaks the names hold,
        // and each name whole in its cell.
        let html = try HostileText.renderGitHubMarkdown(MarkdownReporter().render(Self.model))
        let hostsTable = try XCTUnwrap(
            html.components(separatedBy: "<h2>Hosts by readiness</h2>").last?.components(separatedBy: "</table>")
                .first)
        XCTAssertEqual(
            hostsTable.components(separatedBy: "<tr>").count - 1, Self.verdict.hosts.count + 1, hostsTable)
        XCTAssertTrue(hostsTable.contains("<td>h22 a|b||c</td>"), hostsTable)
        XCTAssertTrue(hostsTable.contains("<td>h4 row\\r\\n| injected | row |</td>"), hostsTable)
    }

    func testMarkdownCodeSpansSurviveBackticksAndPipes() throws {
        XCTAssertEqual(OutputText.markdownCode("a`b", inTable: false), "``a`b``")
        XCTAssertEqual(OutputText.markdownCode("`x`", inTable: false), "`` `x` ``")
        XCTAssertEqual(OutputText.markdownCode("a|b", inTable: true), "`a\\|b`")
        let markdown =
            "| id |\n|---|\n| \(OutputText.markdownCode("x|[l](http://e)``y", inTable: true)) |\n\n"
            + OutputText.markdownCode("``[l](http://e)", inTable: false) + "\n"
        let html = try HostileText.renderGitHubMarkdown(markdown)
        XCTAssertTrue(html.contains("<td><code>x|[l](http://e)``y</code></td>"), html)
        XCTAssertTrue(html.contains("<code>``[l](http://e)</code>"), html)
        XCTAssertEqual(HostileText.liveMarkup(in: html), [])
    }

    /// A syntax character followed by a combining mark is one Swift Character that equals none of the characters
    /// escaped, yet HTML, Markdown and CSV parsers read the syntax character: escaping works on bytes.
    func testASyntaxCharacterFollowedByACombiningMarkIsStillEscaped() {
        let acute = "\u{301}"
        XCTAssertEqual(
            OutputText.html("x\"\(acute) onmouseover=alert(1)"), "x&quot;\(acute) onmouseover=alert(1)")
        XCTAssertEqual(
            OutputText.html("<\(acute)script>'\(acute)&\(acute)"), "&lt;\(acute)script&gt;&#39;\(acute)&amp;\(acute)")
        XCTAssertEqual(OutputText.markdown("[\(acute)x](y)*\(acute)"), "\\[\(acute)x\\]\\(y\\)\\*\(acute)")
        XCTAssertEqual(OutputText.markdownCode("a`\(acute)b"), "``a`\(acute)b``")
        XCTAssertEqual(OutputText.markdownCode("`\(acute)"), "`` `\(acute) ``")
        XCTAssertEqual(OutputText.csvField("=\(acute)1+1"), "'=\(acute)1+1", "no formula")
        XCTAssertEqual(OutputText.csvField("a,\(acute)b"), "\"a,\(acute)b\"", "the comma stays inside the field")
        XCTAssertEqual(OutputText.csvField("\"\(acute)"), "\"\"\"\(acute)\"", "the quote is doubled")
    }

    func testCSVHasOneLinePerRecordAndNoFormula() throws {
        let csv = CSVReporter().render(Self.model)
        XCTAssertEqual(HostileText.rawDangerous(in: csv, allowingCRLF: true), [])
        let lines = csv.components(separatedBy: "\r\n").dropLast()
        XCTAssertEqual(lines.count, 1 + Self.verdict.hosts.count, "a line break in a value never splits a record")
        let columns = try HostileText.csvFields(lines[0]).count
        for line in lines {
            let fields = try HostileText.csvFields(line)
            XCTAssertEqual(fields.count, columns, "a comma in a value never adds a field: \(line)")
            for field in fields {
                let first = field.first { $0 != " " }
                XCTAssertFalse(first.map { "=+-@\t\r".contains($0) } ?? false, "formula: \(field)")
            }
        }
        XCTAssertFalse(csv.contains("http[:]//"), "CSV is not Markdown: values are not defanged")
        XCTAssertTrue(csv.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\""), csv)
        XCTAssertEqual(OutputText.csvField("-2"), "-2", "a negative number stays a number")
        XCTAssertEqual(OutputText.csvField("-2+3"), "'-2+3")
        XCTAssertEqual(OutputText.csvField(" =1"), "' =1", "spreadsheets that skip leading spaces see no formula")
        XCTAssertEqual(OutputText.csvField("\t=1"), "\\t=1", "a leading tab is shown, so no formula")
    }

    func testTerminalSummaryAndChangesStayOneLinePerRowWithNothingInterpreted() {
        let text = TerminalReporter(colour: false).render(Self.model)
        XCTAssertEqual(HostileText.rawDangerous(in: text), [])
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, host) in Self.verdict.hosts.enumerated() {
            XCTAssertTrue(lines[index + 1].hasPrefix("\(host.rank) "), "row \(index + 1): \(lines[index + 1])")
        }
        XCTAssertTrue(lines[Self.verdict.hosts.count + 1].hasPrefix("0 ready"), "the counts follow the table")
        XCTAssertTrue(text.contains("a\\x1b[2J\\x1b[Hb"))
        XCTAssertTrue(text.contains("txt.<U+202E>exe.sh"))

        let coloured = TerminalReporter(colour: true).render(Self.model)
        let escapes = coloured.components(separatedBy: "\u{1B}").count - 1
        XCTAssertEqual(escapes, 2 * Self.verdict.hosts.count, "only the status colours: one on, one off per host")
    }

    func testTheVisibleFormsOfEachClass() {
        XCTAssertEqual(OutputText.terminal("\u{1B}]0;t\u{07}"), "\\x1b]0;t\\x07")
        XCTAssertEqual(OutputText.terminal("\u{9B}2J"), "\\x9b2J")
        XCTAssertEqual(OutputText.terminal("a\r\nb\tc"), "a\\r\\nb\\tc")
        XCTAssertEqual(OutputText.terminal("\u{7F}\u{0}"), "\\x7f\\x00")
        XCTAssertEqual(OutputText.terminal("x\u{202E}y\u{2066}\u{200F}\u{061C}"), "x<U+202E>y<U+2066><U+200F><U+061C>")
        XCTAssertEqual(OutputText.terminal("\u{200B}\u{FEFF}\u{E0041}\u{3164}"), "<U+200B><U+FEFF><U+E0041><U+3164>")
        XCTAssertEqual(OutputText.terminal("café ☃ 日本"), "café ☃ 日本", "ordinary text is untouched")
        XCTAssertEqual(OutputText.terminalLines("a\r\nb\rc\n\td\n"), ["a", "b\\rc", "\td"])
        XCTAssertEqual(
            OutputText.markdown("[x](http://e) <b> a|b"), "\\[x\\]\\(http\\[:\\]//e\\) \\<b\\> a\\|b")
        for variant in HostileText.variants {
            for output in [
                OutputText.terminal(variant.text), OutputText.markdown(variant.text),
                OutputText.html(variant.text), OutputText.csvField(variant.text),
                OutputText.markdownCode(variant.text, inTable: true),
            ] {
                XCTAssertEqual(HostileText.rawDangerous(in: output), [], variant.label)
            }
            for line in OutputText.terminalLines(variant.text) {
                XCTAssertEqual(HostileText.rawDangerous(in: line.replacingOccurrences(of: "\t", with: "")), [])
            }
        }
    }

    func testTablesOfTheHostsListingAreMadeSafeCellByCell() {
        let table = TextTable.render(rows: [["HOST", "TAGS"], ["a\u{1B}[2Jb", "x\ny"]])
        XCTAssertEqual(table, "HOST       TAGS\na\\x1b[2Jb  x\\ny\n")
    }
}
