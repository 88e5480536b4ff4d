import Foundation
import XCTest

/// `command.txt` (`redis-cli --no-raw COMMAND`) of every fixture folder holds as many commands as its
/// `command-count.txt` (`COMMAND COUNT`) says, in the nested human format. The real parser of that reply is written
/// elsewhere; this only checks the fixtures are whole.
final class CommandFixtureTests: XCTestCase {
    private func folders() throws -> [String] {
        let root = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return try FileManager.default.contentsOfDirectory(atPath: root.path)
            .filter { $0.hasPrefix("redis-") || $0.hasPrefix("valkey-") }.sorted()
    }

    func testEveryCommandFixtureHasAsManyEntriesAsCOMMANDCOUNTSays() throws {
        let names = try folders()
        XCTAssertGreaterThanOrEqual(names.count, 13)
        for folder in names {
            let count = try XCTUnwrap(Int(try fixture("\(folder)/command-count.txt").trimmed), folder)
            let entries = Self.topLevelEntries(try fixture("\(folder)/command.txt"))
            XCTAssertEqual(entries.count, count, folder)
            XCTAssertEqual(entries.map(\.index), Array(stride(from: 1, through: count, by: 1)), folder)
            XCTAssertEqual(Set(entries.map(\.name)).count, entries.count, "\(folder): a command listed twice")
            XCTAssertTrue(Set(entries.map(\.name)).isSuperset(of: ["get", "set", "info", "config"]), folder)
            // Every version since 2.8 has well over a hundred commands.
            XCTAssertGreaterThan(count, 150, folder)
        }
    }

    func testTheHelperCountsOnlyTopLevelEntries() {
        let text = """
              1) 1) "get"
                 2) (integer) 2
                 3) 1) readonly
                    2) fast
              2)  1) "config"
                  2) (integer) -2
                10) 1) 1) "config|get"
                       2) (integer) -3
             10) 1) "set"
            """
        XCTAssertEqual(Self.topLevelEntries(text).map(\.name), ["get", "config", "set"])
        XCTAssertEqual(Self.topLevelEntries(text).map(\.index), [1, 2, 10])
        let raw = "1) \"get\"\n2) \"set\"\n"
        XCTAssertEqual(Self.topLevelEntries(raw).count, 0, "the raw format is not the nested one")
    }

    /// The commands of redis-cli's human format: `N) 1) "name"` where `N) ` is least indented (redis-cli
    /// right-aligns an array's indexes to the width of its largest, and indents nested arrays past it:
    /// `cliFormatReplyTTY` in redis-cli.c).
    static func topLevelEntries(_ text: String) -> [(index: Int, name: String)] {
        var candidates: [(width: Int, index: Int, rest: Substring)] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let spaces = line.prefix { $0 == " " }.count
            let afterSpaces = line.dropFirst(spaces)
            let digits = afterSpaces.prefix { $0.isASCII && $0.isNumber }
            let rest = afterSpaces.dropFirst(digits.count)
            guard let index = Int(digits), rest.hasPrefix(") ") else { continue }
            candidates.append((spaces + digits.count, index, rest.dropFirst(2)))
        }
        guard let width = candidates.map(\.width).min() else { return [] }
        return candidates.filter { $0.width == width }.compactMap { candidate in
            // An entry is an array whose first element is the command's name; from Redis 7 an entry has 10 or more
            // elements, so its own first index is padded too (`  1)  1) "append"`).
            let first = candidate.rest.drop { $0 == " " }
            guard first.hasPrefix("1) \""), first.hasSuffix("\"") else { return nil }
            return (candidate.index, String(first.dropFirst(4).dropLast()))
        }
    }
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
