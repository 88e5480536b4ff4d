import Foundation
import XCTest

@testable import RedisFacts

/// The parsers read ASCII text from its bytes (and ConfigGetReply and CommandLookup every text): each must give what
/// its reading by Characters and Strings gave before, kept here as the reference, for real outputs, for the corners
/// of splitting and trimming, and for many texts made of the separators and words the parsers look for.
final class BytePathTests: XCTestCase {
    private let versions = [
        "redis-2.8.17", "redis-3.2.6", "redis-4.0.14", "redis-5.0.14", "redis-6.0.20", "redis-6.2.14", "redis-7.0.15",
        "redis-7.2.6", "redis-7.4.1", "valkey-7.2.7", "valkey-8.0.1", "valkey-8.1.1", "valkey-9.1.2",
    ]

    /// Texts of the given pieces, joined at random (seeded: the same texts every run).
    private func texts(of pieces: [String], count: Int = 3_000, length: Int = 24) -> [String] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        return (0..<count).map { _ in (0..<(next() % length)).map { _ in pieces[next() % pieces.count] }.joined() }
    }

    private let breaks = [
        "\n", "\r\n", "\r", "\u{0B}", "\u{0C}", " ", "  ", "\t", "", "\u{85}", "é", "e\u{301}", "\u{2028}",
    ]

    private func realOutputs(_ file: String) throws -> [String] {
        try versions.compactMap { version in
            guard Bundle.module.url(forResource: "Fixtures/\(version)/\(file)", withExtension: nil) != nil else {
                return nil
            }
            return try fixture("\(version)/\(file)")
        }
    }

    func testConfigGetReadsAsBefore() throws {
        let real = try realOutputs("config-get.txt")
        XCTAssertGreaterThan(real.count, 10)
        let crafted = texts(of: breaks + ["maxmemory", "MaxMemory", "0", "", "K", "\u{212A}eys", "İ", "a b"])
        for text in real + real.map({ $0.replacingOccurrences(of: "\n", with: "\r\n") }) + crafted {
            XCTAssertEqual(ConfigGetReply(parsing: text).values, Reference.configGet(text), text.debugDescription)
        }
    }

    func testCommandLookupReadsAsBefore() {
        let lines = RedisCommandCatalogue.lookedUpNames.map { "\($0) yes\n" }.joined()
        let crafted = texts(
            of: breaks + ["set", "SET", "yes", "no", "\u{212A}EYS", "\"", "x", "yes\r"], count: 1_000, length: 40)
        for text in [lines, lines.replacingOccurrences(of: "\n", with: "\r\n"), lines + "set no\r"] + crafted
            + crafted.map({ lines + $0 })
        {
            XCTAssertEqual(CommandLookup(parsing: text)?.resolves, Reference.commandLookup(text), text.debugDescription)
        }
    }

    func testClientListReadsAsBefore() throws {
        let real = try realOutputs("client-list.txt")
        XCTAssertGreaterThan(real.count, 5)
        let crafted = texts(of: breaks + ["id=1", "addr=127.0.0.1:5", "=", "==", "name=", "a", "flags=S"])
        for text in real + crafted {
            XCTAssertEqual(
                ClientList(parsing: text).clients.map(\.fields), Reference.clients(text), text.debugDescription)
        }
    }

    func testMemInfoReadsAsBefore() throws {
        let real = try fixture("host/proc-meminfo.txt")
        let crafted = texts(
            of: breaks + ["MemTotal", ":", "::", "1024", "-5", "+7", "kB", "KB", "99999999999999999999"])
        for text in [real] + crafted {
            XCTAssertEqual(MemInfo(parsing: text).fields, Reference.memInfo(text), text.debugDescription)
        }
    }

    func testKeySampleReadsAsBefore() {
        let header = "sampled 12 complete yes seconds 0.1 count 3 measure memory\n"
        let key = "key 0 string 120 memory \"a b\"\n"
        let crafted = texts(
            of: breaks + [
                header, key, "key", " 0", " 65536", " -1", " +3", " string", " zset_2", " Ab", " 12", " -", " strlen",
                " bogus", " \"x\"", " cut ", "\"", "sha256:0123456789ab", "sha256:0123456789aG", "\u{7F}", "\\x00",
            ], length: 30)
        for text in [header + key, header + key.replacingOccurrences(of: "\n", with: "\r\n")] + crafted
            + crafted.map({ header + $0 })
        {
            let parsed = KeySample(parsing: text)
            let reference = Reference.keySample(text)
            XCTAssertEqual(parsed?.sampled, reference?.sampled, text.debugDescription)
            XCTAssertEqual(parsed?.complete, reference?.complete, text.debugDescription)
            XCTAssertEqual(parsed?.measure, reference?.measure, text.debugDescription)
            XCTAssertEqual(parsed?.keys, reference?.keys, text.debugDescription)
        }
    }

    func testWriteSamplesReadAsBefore() {
        let crafted = texts(
            of: breaks + [
                "time 1700000000.5", "time ", "time -1", "master_repl_offset:10", ":", "a:", "x", "run_id:abc",
            ],
            length: 30)
        for text in crafted {
            let parsed = WriteRateSamples(parsing: text)
            let reference = Reference.writeSamples(text)
            XCTAssertEqual(
                parsed.map { [$0.first, $0.second] }, reference.count == 2 ? reference : nil, text.debugDescription)
        }
    }

    func testInterfaceAddressesReadAsBefore() throws {
        let real = [try fixture("host/ip-addr.txt"), try fixture("host/ip-j-addr.json")]
        let json = texts(of: ["[", "\"local\":\"", "10.0.0.1", "\"", ":", "fe80::1", ",", "\"local\":\"local\":\""])
        let lines = texts(of: breaks + ["inet", " inet ", "10.1.2.3/24", "/", "//", "192.168.0.1"])
        for text in real + json.map({ "[" + $0 }) + lines {
            XCTAssertEqual(InterfaceAddresses.ipv4(parsing: text), Reference.ipv4(text), text.debugDescription)
        }
    }

    func testByteSizesAndCommaFieldsReadAsBefore() {
        let sizes = texts(
            of: [" ", "\t", "\r", "1", "0", "-", "+", "g", "GB", "mb", "K", "kB", "b", "x", "é", "99999999999"],
            length: 8)
        for text in sizes { XCTAssertEqual(ByteSize.parse(text), Reference.byteSize(text), text.debugDescription) }
        let fields = texts(of: ["calls", "=", "==", ",", ",,", "3", "usec", "é", " "], length: 12)
        for text in fields {
            XCTAssertEqual(RedisInfo.commaFields(text), Reference.commaFields(text), text.debugDescription)
        }
    }

    func testTextSearchFindsWhatContainsFinds() {
        let haystacks = texts(of: [
            "-j DROP", "-j", " DROP", "drop", " drop", "dport 6379", "--dport 637", "9", "é", "e\u{301}",
        ])
        for text in haystacks {
            for needle in ["-j DROP", " drop", "--dport 6379", "dport 6379", "[sentinel]"] {
                XCTAssertEqual(TextSearch.contains(text, needle), text.contains(needle), text.debugDescription)
            }
        }
    }
}

/// The readings before the byte paths, word for word.
private enum Reference {
    static func configGet(_ text: String) -> [String: String] {
        var lines = TextLine.split(text).map { $0.content.trimmed }
        if lines.last == "" { lines.removeLast() }
        var values: [String: String] = [:]
        var index = 0
        while index + 1 < lines.count {
            values[lines[index].lowercased()] = lines[index + 1]
            index += 2
        }
        return values
    }

    static func commandLookup(_ text: String) -> [String: Bool]? {
        var resolves: [String: Bool] = [:]
        for line in TextLine.split(text) {
            let fields = CommandTable.words(line.content)
            guard fields.count == 2, resolves.count < CommandTable.maximumCommands,
                CommandTable.isCommandName(fields[0].lowercased()), fields[1] == "yes" || fields[1] == "no"
            else { continue }
            resolves[fields[0].lowercased()] = fields[1] == "yes"
        }
        return resolves.count >= 8 ? resolves : nil
    }

    static func clients(_ text: String) -> [[String: String]] {
        TextLine.split(text).compactMap { textLine in
            let line = textLine.content.trimmed
            var fields: [String: String] = [:]
            for pair in line.split(separator: " ") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
            }
            return fields.isEmpty ? nil : fields
        }
    }

    static func memInfo(_ text: String) -> [String: Int64] {
        var fields: [String: Int64] = [:]
        for line in text.newlineSeparatedLines {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let words = parts[1].split(separator: " ")
            guard let number = words.first.flatMap({ Int64($0) }), number >= 0,
                let bytes = words.count > 1 && words[1] == "kB" ? number.multipliedChecked(by: 1024) : number
            else { continue }
            fields[String(parts[0])] = bytes
        }
        return fields
    }

    static func keySample(_ text: String) -> (sampled: Int64, complete: Bool, measure: String, keys: [KeySample.Key])? {
        let lines = text.newlineSeparatedLines
        guard let header = lines.first?.split(separator: " "), header.count == 10, header[0] == "sampled",
            let sampled = Int64(header[1]), sampled >= 0, header[2] == "complete",
            header[3] == "yes" || header[3] == "no", header[8] == "measure"
        else { return nil }
        return (
            sampled, header[3] == "yes", String(header[9].prefix(16)),
            lines.dropFirst().prefix(64).compactMap { KeySample.key($0) }
        )
    }

    static func writeSamples(_ text: String) -> [WriteRateSamples.Sample] {
        var samples: [WriteRateSamples.Sample] = []
        for line in text.newlineSeparatedLines.prefix(64) {
            if line.hasPrefix("time ") {
                let value = Double(line.dropFirst(5)).flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
                samples.append(WriteRateSamples.Sample(hostTime: value, fields: [:]))
            } else if let colon = line.firstIndex(of: ":"), !samples.isEmpty {
                let name = String(line[..<colon])
                guard name.count <= 40, samples[samples.count - 1].fields[name] == nil else { continue }
                samples[samples.count - 1].fields[name] = String(line[line.index(after: colon)...].prefix(64))
            }
        }
        return samples
    }

    static func ipv4(_ text: String) -> [String] {
        var found: [String] = []
        if text.hasPrefix("[") {
            let marker = "\"local\":\""
            for chunk in text.split(separator: marker, omittingEmptySubsequences: false).dropFirst() {
                let value = chunk.prefix { $0 != "\"" }
                if !value.contains(":") { found.append(String(value)) }
            }
        } else {
            for line in text.newlineSeparatedLines {
                let words = line.split(separator: " ")
                if let index = words.firstIndex(of: "inet"), index + 1 < words.count {
                    found.append(String(words[index + 1].split(separator: "/").first ?? ""))
                }
            }
        }
        return found.filter { IPv4Address($0) != nil }
    }

    static func byteSize(_ text: String) -> Int64? {
        let lowered = text.trimmed.lowercased()
        for (suffix, multiplier) in ByteSize.units where lowered.hasSuffix(suffix) {
            guard let number = Int64(lowered.dropLast(suffix.count)) else { return nil }
            return number.multipliedChecked(by: multiplier)
        }
        return Int64(lowered)
    }

    static func commaFields(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { result[String(parts[0])] = String(parts[1]) }
        }
        return result
    }
}

extension BytePathTests {
    func testCommaFieldIsTheLastPairOfItsName() {
        let texts = texts(of: ["calls", "usec", "=", "==", ",", "3", "é", "calls=1", "calls=", "=calls=2"], length: 10)
        for text in texts {
            for name in ["calls", "usec", "rejected_calls"] {
                XCTAssertEqual(
                    RedisInfo.commaField(name, in: text), Reference.commaFields(text)[name], text.debugDescription)
            }
        }
    }

    func testTransparentHugepageModeReadsAsBefore() {
        for text in texts(of: ["always", " [", "[", "]", "madvise", "never", "é", "\n"], length: 8) {
            let reference = text.firstIndex(of: "[").flatMap { open in
                text[open...].firstIndex(of: "]").map { String(text[text.index(after: open)..<$0]) }
            }
            XCTAssertEqual(TransparentHugepages.mode(parsing: text), reference, text.debugDescription)
        }
    }
}

extension BytePathTests {
    func testUnquotedConfigLinesSplitAsSdssplitargsDoes() throws {
        let pieces = [
            "save", " ", "\t", "\u{0B}", "\u{0C}", "\r", "\n", "900", "a\\b", "\"", "'", "x", "\u{0}", "é", "#",
        ]
        let lines =
            texts(of: pieces, length: 12) + TextLine.split(try fixture("debian-redis-7.0.15.conf")).map(\.content)
        for line in lines {
            XCTAssertEqual(
                RedisConfiguration.splitArguments(line), RedisArguments.words(line)?.map(\.value), line.debugDescription
            )
        }
    }

    func testACLListReadsAsBefore() throws {
        let real = try realOutputs("acl-list.txt")
        let crafted = texts(
            of: breaks + ["user", " default", " on", " off", " nopass", " >secret", " #abc", " resetpass"])
        for text in real + crafted {
            let reference = TextLine.split(text).compactMap { line -> ACLList.User? in
                let words = line.content.unicodeScalars.split(whereSeparator: RedisArguments.isSpace).map {
                    String(String.UnicodeScalarView($0))
                }
                guard words.count >= 2, words[0] == "user" else { return nil }
                var enabled = false
                var noPassword = false
                var passwords = false
                for word in words.dropFirst(2) {
                    switch word {
                    case "on": enabled = true
                    case "off": enabled = false
                    case "nopass": noPassword = true
                    case "resetpass":
                        noPassword = false
                        passwords = false
                    default:
                        if word.hasPrefix(">") || word.hasPrefix("#") { passwords = true }
                    }
                }
                return ACLList.User(
                    name: words[1], isEnabled: enabled, allowsNoPassword: noPassword, hasPasswords: passwords)
            }
            XCTAssertEqual(ACLList(parsing: text).users, reference, text.debugDescription)
        }
    }
}
