import Foundation
import XCTest

@testable import RedisFacts

/// The byte-level fast path of redaction (SecretRedaction+Bytes.swift) against the line-by-line reference it
/// replaced: the same output, byte for byte, for every real fixture and for crafted hostile text.
final class SecretRedactionFastPathTests: XCTestCase {
    /// Every section kind `redact` treats apart, and one it only scrubs.
    private static let sections = [
        "config_file", "unexpected", "config_get", "acl_list", "processes", "command_line", "command_table", "info",
    ]
    private static let secretSets: [[String]] = [[], ["pw", "hunter2secret", "é", "redis"]]

    func testEveryFixtureRedactsAsTheReferenceDoes() throws {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let walker = try XCTUnwrap(FileManager.default.enumerator(at: tests, includingPropertiesForKeys: nil))
        var checked = 0
        for case let url as URL in walker where url.path.contains("/Fixtures/") && !url.hasDirectoryPath {
            guard let data = FileManager.default.contents(atPath: url.path), data.count < 4_000_000 else { continue }
            // Known secrets are scrubbed by code the fast path did not change: the crafted cases cover them.
            assertSameAsReference(String(decoding: data, as: UTF8.self), url.lastPathComponent, secretSets: [[]])
            checked += 1
        }
        XCTAssertGreaterThan(checked, 100, "the fixtures were found")
    }

    func testCraftedTextRedactsAsTheReferenceDoes() {
        var generator = Generator(seed: 14)
        for round in 0..<1_500 {
            let lines = (0..<generator.next(below: 12)).map { _ in
                (0..<generator.next(below: 14)).map { _ in Self.pieces[generator.next(below: Self.pieces.count)] }
                    .joined()
            }
            assertSameAsReference(lines.joined(separator: "\n"), "round \(round)")
        }
    }

    func testVeryLongLinesRedactAsTheReferenceDoes() {
        var generator = Generator(seed: 4_096)
        for round in 0..<2 {
            let line = (0..<1_500).map { _ in Self.pieces[generator.next(below: Self.pieces.count)] }.joined()
            assertSameAsReference(line, "long line \(round)")
        }
        assertSameAsReference("requirepass " + String(repeating: "x", count: 20_000) + "\n", "long secret")
        assertSameAsReference("# " + String(repeating: "plain words ", count: 2_000), "long comment")
    }

    func testLinesThatLookPlainButAreNotGoThroughTheRules() {
        // Each stays byte-identical only by the fast path's care: a secret at the very end, after a tab, a CRLF,
        // in another case, behind a combining mark or a Kelvin sign that lower-cases to ASCII.
        let config = [
            "requirepass", "requirepass x", "REQUIREPASS\tx", "# masterauth x\r", "x-pass y", "# user a on >pw",
            "rename-command CONFIG y", "sentinel auth-pass m pw", "./pass x", "tls-key-file-pass\u{301} x",
            "\u{212A}ey-pass x", "pass\0word x", "port 1\u{2028}requirepass x",
        ]
        for line in config {
            XCTAssertEqual(
                SecretRedaction.redactConfig(line + "\n"), ReferenceRedaction.redactConfig(line + "\n"), line)
        }
        let commands = ["redis-cli -a pw", "-a pw", "a\t-a\tpw", "redis://u:pw@h", "TOKEN=x", "TO\u{212A}EN=x"]
        for line in commands {
            XCTAssertEqual(SecretRedaction.redactCommandLines(line), ReferenceRedaction.redactCommandLines(line), line)
            XCTAssertNotEqual(SecretRedaction.redactCommandLines(line), line, "\(line) holds a secret")
        }
        for line in ["x -a", "x\u{212A}=y", "-A pw", "--a pw", "pass"] {
            XCTAssertEqual(SecretRedaction.redactCommandLines(line), ReferenceRedaction.redactCommandLines(line), line)
        }
    }

    func testSecretNamesAreJudgedAsTheReferenceJudgesThem() {
        var names = Set(Self.pieces)
        var generator = Generator(seed: 7)
        for _ in 0..<20_000 {
            names.insert(
                (0..<generator.next(below: 4)).map { _ in Self.pieces[generator.next(below: Self.pieces.count)] }
                    .joined())
        }
        for name in names {
            XCTAssertEqual(SecretRedaction.isSecretName(name), ReferenceRedaction.isSecretName(name), name)
        }
    }

    func testByteSearchFindsWhatTheGenericSearchFinds() {
        var generator = Generator(seed: 99)
        for _ in 0..<5_000 {
            let text = (0..<generator.next(below: 8)).map { _ in Self.pieces[generator.next(below: Self.pieces.count)] }
                .joined()
            let needle = (0..<generator.next(below: 3)).map { _ in
                Self.pieces[generator.next(below: Self.pieces.count)]
            }.joined()
            XCTAssertEqual(text.holdsBytes(of: needle), text.utf8.firstRange(of: needle.utf8) != nil, needle)
        }
    }

    // MARK: - Helpers

    private func assertSameAsReference(
        _ text: String, _ label: String, secretSets: [[String]] = secretSets, file: StaticString = #filePath,
        line: UInt = #line
    ) {
        for section in Self.sections {
            for secrets in secretSets {
                let expected = ReferenceRedaction.redact(text, section: section, knownSecrets: secrets)
                let actual = SecretRedaction.redact(text, section: section, knownSecrets: secrets)
                if actual != expected || !actual.utf8.elementsEqual(expected.utf8) {
                    XCTFail(
                        "\(label), \(section), secrets \(secrets): \(actual.debugDescription) is not "
                            + "\(expected.debugDescription)", file: file, line: line)
                    return
                }
            }
        }
    }

    /// What hostile text is made of: every byte the rules look at, names that are secret in some case, quotes,
    /// line breaks Redis or a viewer honours, multi-byte scalars, combining marks, scalars whose lower case is ASCII,
    /// and bytes that are not UTF-8 (decoded as a host's output is, to U+FFFD).
    private static let pieces: [String] = [
        "requirepass", "masterauth", "primaryauth", "user", "USER", "sentinel", "rename-command", "auth-pass",
        "sentinel-pass", "tls-key-file-pass", "PASS", "Token", "credential", "secret", "passwd", "password", "pass",
        "auth", "askpass", "port", "6379", "save", "get", "config", "FLUSHALL", "x.y", "default", "on", "off",
        "#", " ", "  ", "\t", "\"", "'", "\\", "\\x41", "\\x4", "\\n", "\\\"", ">", "<", "!", "(", ")", "~*", "+@all",
        ">pw", "#abc", "-a", "--", "-", "=", "://", "redis://u:pw@h/0", "@", ":", ",", "/", "$", ".", "_",
        "\r", "\n", "\r\n", "\u{0B}", "\u{0C}", "\0", "\u{85}", "\u{2028}", "\u{2029}",
        "é", "e\u{301}", "\u{301}", "\u{212A}", "\u{130}", "ß", "\u{FFFD}", "🔑", "ＰＡＳＳ",
        String(decoding: [0xC3, 0x28] as [UInt8], as: UTF8.self),
        String(decoding: [0xFF, 0xE2, 0x82] as [UInt8], as: UTF8.self),
        "<redacted>", "pw", "hunter2secret", "redis", "redis-server", "key ", "sha256:",
    ]

    /// SplitMix64: the same crafted text on every run.
    private struct Generator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next(below bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var mixed = state
            mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((mixed ^ (mixed >> 31)) % UInt64(bound))
        }
    }
}

/// The redaction as it was before the fast path, line by line through `TextLine` (the per-line rules are shared):
/// the straightforward reading the fast path must agree with.
enum ReferenceRedaction {
    static func redact(_ text: String, section: String, knownSecrets: [String]) -> String {
        let structural: String
        switch section {
        case "config_file": structural = redactConfig(text)
        case "unexpected": structural = redactCommandLines(redactConfig(text))
        case "config_get": structural = redactConfigGet(text)
        case "acl_list": structural = redactACLList(text)
        case "processes": structural = redactCommandLines(text)
        case "command_line": structural = redactArguments(text)
        case "command_table": structural = redactCommandTable(text)
        default: structural = text
        }
        return SecretRedaction.scrub(structural, secrets: knownSecrets)
    }

    static func isSecretName(_ name: some StringProtocol) -> Bool {
        let name = name.lowercased()
        if name.hasSuffix("pass") || name.hasSuffix("auth") { return true }
        return ["password", "passwd", "secret", "token", "credential"].contains { name.contains($0) }
    }

    static func join(_ lines: [TextLine]) -> String {
        lines.reduce(into: "") { text, line in
            text.unicodeScalars.append(contentsOf: line.content.unicodeScalars)
            text.unicodeScalars.append(contentsOf: line.terminator.unicodeScalars)
        }
    }

    static func redactConfig(_ text: String) -> String {
        join(TextLine.split(text).map { $0.replacingContent(SecretRedaction.redactConfigLine($0.content)) })
    }

    static func redactACLList(_ text: String) -> String {
        join(
            TextLine.split(text).map { line in
                let firstWord = line.content.unicodeScalars.split(whereSeparator: RedisArguments.isSpace).first
                guard let firstWord, String(String.UnicodeScalarView(firstWord)).lowercased() == "user" else {
                    return line
                }
                return line.replacingContent(SecretRedaction.redactConfigLine(line.content))
            })
    }

    static func redactConfigGet(_ text: String) -> String {
        var lines = TextLine.split(text)
        var index = 0
        while index + 1 < lines.count {
            if isSecretName(lines[index].content.trimmed), !lines[index + 1].content.trimmed.isEmpty {
                lines[index + 1] = lines[index + 1].replacingContent(SecretRedaction.placeholder)
            }
            index += 2
        }
        return join(lines)
    }

    static func redactArguments(_ text: String) -> String {
        var option = ""
        var position = 0
        return join(
            TextLine.split(text).map { line in
                let argument = line.content
                if argument.hasPrefix("--") {
                    option = String(argument.dropFirst(2)).lowercased()
                    position = 0
                    return line.replacingContent(SecretRedaction.redactCommandLine(argument))
                }
                position += 1
                let secret =
                    isSecretName(option) || (option == "rename-command" && position >= 2)
                    || (option == "user" && (argument.hasPrefix(">") || argument.hasPrefix("#")))
                return line.replacingContent(
                    secret ? SecretRedaction.placeholder : SecretRedaction.redactCommandLine(argument))
            })
    }

    static func redactCommandTable(_ text: String) -> String {
        join(
            TextLine.split(text).map { line in
                guard let space = line.content.firstIndex(of: " ") ?? Optional(line.content.endIndex),
                    case let name = line.content[..<space], !name.isEmpty, !RedisCommandCatalogue.isKnown(String(name))
                else { return line }
                return line.replacingContent(SecretRedaction.placeholder + line.content[space...])
            })
    }

    static func redactCommandLines(_ text: String) -> String {
        join(TextLine.split(text).map { $0.replacingContent(SecretRedaction.redactCommandLine($0.content)) })
    }
}
