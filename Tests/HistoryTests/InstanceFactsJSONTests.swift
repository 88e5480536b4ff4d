import FleetCore
import Foundation
import XCTest

@testable import History

/// Facts are stored by a hand-written compact writer instead of `JSONEncoder`: the text must be the encoder's, byte
/// for byte, for every field, and decode to the same facts for any text.
final class InstanceFactsJSONTests: XCTestCase {
    /// The encoder the Codable record used (GRDB's configuration: sorted keys).
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dataEncodingStrategy = .base64
        encoder.dateEncodingStrategy = .millisecondsSince1970
        encoder.nonConformingFloatEncodingStrategy = .throw
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    /// Every optional field set, so a field the writer forgets is missing from its text.
    private static let whole: InstanceFacts = {
        var sync = FullSyncFacts(recommended: [
            FullSyncFacts.Recommendation(setting: "repl-backlog-size 64mb", because: "the \"backlog\" / 2 s")
        ])
        sync.writeBytesPerSecond = 365
        sync.writeRateSource = "total_net_input_bytes"
        sync.sampleSeconds = 5.382885
        sync.rdbBytesEstimate = 1_053_776
        sync.rdbEstimateSource = "used_memory"
        sync.forkSeconds = 7.152557373046875e-05
        sync.saveSeconds = 0
        sync.transferSeconds = 1e16
        sync.loadSeconds = 0.1
        sync.bufferedSeconds = -2.5
        sync.bufferedBytes = Int64.max
        sync.bufferLimitBytes = 268_435_456
        sync.bufferSoftLimitBytes = 67_108_864
        sync.bufferSoftSeconds = 60
        sync.backlogBytes = 1_048_576
        sync.backlogNeededBytes = Int64.min
        sync.copyOnWriteBytes = 24
        sync.availableMemoryBytes = 24_598_806_528
        return InstanceFacts(
            redisVersion: "7.0.15", role: "master", usedMemoryBytes: 1_053_776, maxmemoryBytes: 268_435_456,
            keys: 500, keysWithExpiry: 499, databasesWithKeys: [0, 3, 15], estimatedSyncSeconds: 123_456_789.125,
            smallestFittingNodeType: "cache.t3.micro", connectedClients: 12,
            clientAddresses: ["127.0.0.1", "10.0.0.7:5123", "[::1]"], fullSync: sync,
            largestKeys: [
                KeySizeFact(
                    type: "string", bytes: 72, elements: 3, measuredBy: "memory", database: 0,
                    name: "sha256:0c48f3480504"),
                KeySizeFact(type: "hash", bytes: nil, elements: nil, measuredBy: "hlen", database: 2, name: "a/b\"c"),
            ])
    }()

    func testEveryFieldIsWrittenAsJSONEncoderWroteIt() throws {
        XCTAssertEqual(Self.nilPaths(in: Self.whole), ["largestKeys[1].bytes", "largestKeys[1].elements"])
        for facts in [Self.whole, InstanceFacts(), InstanceFacts(fullSync: FullSyncFacts(), largestKeys: [])] {
            XCTAssertEqual(InstanceFactsJSON.text(facts), String(decoding: try encoder.encode(facts), as: UTF8.self))
        }
    }

    func testFactsOfAnyTextDecodeToTheSameFacts() throws {
        let hostile = "a/b \"q\" \\ \u{1}\u{1F} \t\n\r del\u{7F} c1\u{85} bidi\u{202E}x zw\u{200B} tag\u{E0041} é 😀"
        var facts = Self.whole
        facts.redisVersion = hostile
        facts.clientAddresses = [hostile, ""]
        facts.largestKeys?[0].name = hostile
        facts.fullSync?.recommended[0].because = hostile
        let stored = InstanceFactsJSON.text(facts)
        XCTAssertEqual(try JSONDecoder().decode(InstanceFacts.self, from: Data(stored.utf8)), facts)
        XCTAssertFalse(stored.unicodeScalars.contains { $0.value < 0x20 }, "controls are escaped")
    }

    /// The optional properties that are nil, by path, through nested values and arrays.
    private static func nilPaths(in value: Any, path: String = "") -> [String] {
        var result: [String] = []
        for (index, child) in Mirror(reflecting: value).children.enumerated() {
            let name = child.label.map { path.isEmpty ? $0 : path + "." + $0 } ?? "\(path)[\(index)]"
            let mirror = Mirror(reflecting: child.value)
            if mirror.displayStyle == .optional {
                guard let wrapped = mirror.children.first?.value else {
                    result.append(name)
                    continue
                }
                result += nilPaths(in: wrapped, path: name)
            } else if mirror.displayStyle == .struct || mirror.displayStyle == .collection {
                result += nilPaths(in: child.value, path: name)
            }
        }
        return result
    }
}
