import Foundation
import XCTest

@testable import FleetCore

/// `HostSnapshot.read` reads what JSONDecoder reads: every snapshot here is encoded as RunStore writes it, and the
/// hand-written path must take it (not fall back) and give the value JSONDecoder gives.
final class HostSnapshotReadingTests: XCTestCase {
    private func encoded(_ snapshot: HostSnapshot) throws -> Data { try FoundationSnapshotCoding.encode(snapshot) }

    private func decodedByFoundation(_ data: Data) throws -> HostSnapshot {
        try FoundationSnapshotCoding.decode(data)
    }

    private var awkwardTexts: [String] {
        [
            "", "plain", "two\nlines\r\n", "tab\there \"quoted\" back\\slash /slash",
            "nul \u{0}, bell \u{7}, esc \u{1B}[31m",
            "del \u{7F} c1 \u{85} bidi \u{202E} line sep \u{2028}", "é ü 中文 😀 👩‍👩‍👧", "\u{FEFF}bom", "e\u{301} combining",
        ]
    }

    private func sample() -> HostSnapshot {
        let texts = awkwardTexts
        var sections: [String: CapturedSection] = [:]
        for (index, text) in texts.enumerated() {
            sections["s\(index)"] = CapturedSection(
                exitCode: index % 3 == 0 ? nil : index - 4, text: text,
                truncated: index % 2 == 0)
        }
        var file = ConfigFileCapture(path: "/etc/redis/redis.conf", text: texts[3], exitCode: nil, skipped: "big")
        file.refusedToLoginUser = true
        var instance = InstanceSnapshot(
            port: 6379, pid: -12, configFile: texts[6], origin: .both, sections: sections,
            configFiles: [file, ConfigFileCapture(path: "b", text: "", truncated: true)])
        instance.reachedOverTLS = false
        instance.sentCredentials = true
        return HostSnapshot(
            host: HostIdentity(
                name: "web-1 \u{1}", address: "10.0.0.1", port: 2222, tags: ["env": "prod", "k\"": texts[5]],
                groups: ["a", texts[4]], vpcID: "vpc-1", securityGroupIDs: ["sg-1", "sg-2"]),
            collectedAt: Date(timeIntervalSince1970: 1_790_000_123), failure: nil, sections: sections,
            instances: [instance, InstanceSnapshot(port: 6380, origin: .discovered)], hostKeyUnverified: true,
            unexpectedSections: [UnexpectedSection(name: "x", reason: texts[2], text: texts[7], truncated: false)],
            collectionNotes: [CollectionNote(.outputCut, texts[8]), CollectionNote(.access, "")])
    }

    func testTheFastPathReadsWhatJSONDecoderReads() throws {
        var snapshots = [sample(), HostSnapshot(host: HostIdentity(name: "n", address: "a"), collectedAt: Date())]
        snapshots.append(
            HostSnapshot(
                host: HostIdentity(name: "down", address: "a"), collectedAt: Date(timeIntervalSince1970: 951_782_400),
                failure: Failure(.timeout, phase: .handshake, message: "no banner \u{2028}", hop: "bastion")))
        snapshots.append(
            HostSnapshot(
                host: HostIdentity(name: "dns", address: "a"), collectedAt: Date(timeIntervalSince1970: 4_107_542_399),
                failure: Failure(.dns, message: "")))
        for snapshot in snapshots {
            let data = try encoded(snapshot)
            let fast = try XCTUnwrap(HostSnapshot.fastRead(from: data), "the fast path declined \(snapshot.host.name)")
            XCTAssertEqual(fast, try decodedByFoundation(data))
            XCTAssertEqual(try HostSnapshot.read(from: data), fast)
        }
    }

    func testOlderSnapshotsWithoutNotesReadWithBothEmpty() throws {
        let data = Data(
            """
            {"schema": "fleet-audit.snapshot/1", "collectedAt": "2026-11-25T04:19:00Z", "hostKeyUnverified": false,
             "host": {"name": "h", "address": "a", "port": 22, "tags": {}, "groups": [], "securityGroupIDs": []},
             "sections": {"meminfo": {"exitCode": 0, "text": "MemTotal: 1 kB\\n", "truncated": false}},
             "instances": [], "failure": null, "unknownKey": [1, {"x": null}]}
            """.utf8)
        let fast = try XCTUnwrap(HostSnapshot.fastRead(from: data))
        XCTAssertEqual(fast, try decodedByFoundation(data))
        XCTAssertEqual(fast.unexpectedSections, [])
        XCTAssertEqual(fast.collectionNotes, [])
        XCTAssertEqual(fast.collectedAt, Date(timeIntervalSince1970: 1_795_580_340))
    }

    /// Forms the fast path does not take go to JSONDecoder, which reads them or says why not.
    func testWhatTheFastPathDeclinesJSONDecoderDecides() throws {
        let good = String(decoding: try encoded(sample()), as: UTF8.self)
        let offset = "\"collectedAt\" : \"2026-09-21T14:15:23+00:00\""
        let declined = [
            good.replacingOccurrences(of: "\"port\" : 2222", with: "\"port\" : 2222.0"),
            good.replacingOccurrences(of: #""collectedAt" : "2026-09-21T14:15:23Z""#, with: offset),
        ]
        for text in declined {
            let data = Data(text.utf8)
            XCTAssertNotEqual(text, good)
            XCTAssertNil(HostSnapshot.fastRead(from: data))
            XCTAssertEqual(try HostSnapshot.read(from: data), try decodedByFoundation(data))
        }
        let broken = [
            good + "x", String(good.dropLast()),
            good.replacingOccurrences(of: "\"origin\" : \"both\"", with: "\"origin\" : \"?\""),
            good.replacingOccurrences(of: "\"hostKeyUnverified\" : true", with: "\"hostKeyUnverified\" : 1"),
        ]
        for text in broken {
            let data = Data(text.utf8)
            XCTAssertNotEqual(text, good)
            XCTAssertNil(HostSnapshot.fastRead(from: data))
            XCTAssertThrowsError(try HostSnapshot.read(from: data))
        }
    }

    /// The tree reader is strict: each invalid document next to a valid one that differs only there.
    func testTheTreeReaderIsStrict() {
        let pairs: [(valid: [UInt8], invalid: [UInt8])] = [
            (Array(#"{"a": "\ud83d\ude00"}"#.utf8), Array(#"{"a": "\ud800"}"#.utf8)),
            (Array(#"{"a": "\u0001"}"#.utf8), Array("{\"a\": \"\u{1}\"}".utf8)),
            (Array(#"{"a": 1}"#.utf8), Array(#"{"a": 01}"#.utf8)),
            (Array(#"{"a": 1, "b": 2}"#.utf8), Array(#"{"a": 1, "a": 2}"#.utf8)),
            (Array(#"{"a": -9223372036854775807}"#.utf8), Array(#"{"a": 9223372036854775808}"#.utf8)),
            (Array(#"{"a": "é"}"#.utf8), Array(#"{"a": ""#.utf8) + [0xFF, 0x22, 0x7D]),
            (Array(#"[true, false, null]"#.utf8), Array(#"[true, false, nul]"#.utf8)),
            // After an escape, the rest of the string is held to the same rules.
            (Array(#"{"a": "x\ny\tz"}"#.utf8), Array("{\"a\": \"x\\ny\u{1}\"}".utf8)),
            (Array(#"{"a": "x\n"}"#.utf8), Array(#"{"a": "x\n"#.utf8)),
            (Array(#"{"a": "\\q"}"#.utf8), Array(#"{"a": "x\qy"}"#.utf8)),
            (Array(#"{"a": "\né"}"#.utf8), Array(#"{"a": "\n"#.utf8) + [0xC3, 0x22, 0x7D]),
            (
                Array((String(repeating: "[", count: 31) + String(repeating: "]", count: 31)).utf8),
                Array((String(repeating: "[", count: 40) + String(repeating: "]", count: 40)).utf8)
            ),
        ]
        for (valid, invalid) in pairs {
            XCTAssertNotNil(JSONTree.parse(Data(valid)), String(decoding: valid, as: UTF8.self))
            XCTAssertNil(JSONTree.parse(Data(invalid)), String(decoding: invalid, as: UTF8.self))
        }
        XCTAssertEqual(JSONTree.parse(Data(#"{"a": "\ud83d\ude00\n\/"}"#.utf8)), .object(["a": .string("😀\n/")]))
        XCTAssertEqual(
            JSONTree.parse(Data(#"{"a": "port 6379\nbind \"x\" é\n\\end"}"#.utf8)),
            .object(["a": .string("port 6379\nbind \"x\" é\n\\end")]))
    }

    /// The word-at-a-time scan that ends a plain run of a string stops where a byte-by-byte scan stops: each byte
    /// that ends a run (quote, backslash, every control byte) at every offset of a 20-byte run, behind bytes of
    /// every other kind (those next to the thresholds, and UTF-8 bytes above 0x7F, which must not stop it).
    func testTheWordScanStopsWhereAByteScanStops() {
        let stops: [UInt8] = [0x22, 0x5C] + Array(0x00..<0x20)
        let plain: [UInt8] = [0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7E, 0x7F, 0x80, 0xA2, 0xDC, 0xFF]
        for stop in stops {
            for filler in plain {
                for offset in 0..<20 {
                    var bytes = [UInt8](repeating: filler, count: 20)
                    bytes[offset] = stop
                    for start in [0, 3] {
                        let found = bytes.withUnsafeBufferPointer { JSONTree.plainRunEnd($0, from: start) }
                        XCTAssertEqual(
                            found, offset >= start ? offset : 20, "stop \(stop) at \(offset) after \(filler)")
                    }
                }
                let none = [UInt8](repeating: filler, count: 21)
                XCTAssertEqual(none.withUnsafeBufferPointer { JSONTree.plainRunEnd($0, from: 0) }, 21)
            }
        }
    }

    /// `JSONWriter`'s word-at-a-time check that a string needs no escape agrees with its byte-by-byte rule: each
    /// byte that needs one (controls, `"`, `\\`, DEL and above, `/` where it is escaped) at every offset of a
    /// 20-byte string of printable bytes.
    func testTheWriterWordCheckFindsEveryByteThatNeedsAnEscape() {
        let special: [UInt8] = [0x22, 0x5C, 0x2F, 0x7F, 0x80, 0xC3, 0xFF] + Array(0x00..<0x20)
        let printable: [UInt8] = [0x20, 0x21, 0x23, 0x2E, 0x30, 0x5B, 0x5D, 0x7E]
        for escapesSlash in [false, true] {
            for filler in printable {
                let plain = [UInt8](repeating: filler, count: 20)
                XCTAssertTrue(
                    plain.withUnsafeBufferPointer { JSONWriter.needsNoEscape($0, escapesSlash: escapesSlash) })
                for byte in special {
                    for offset in 0..<20 {
                        var bytes = plain
                        bytes[offset] = byte
                        let expected = byte == 0x2F && !escapesSlash
                        XCTAssertEqual(
                            bytes.withUnsafeBufferPointer { JSONWriter.needsNoEscape($0, escapesSlash: escapesSlash) },
                            expected, "byte \(byte) at \(offset), escaping / \(escapesSlash)")
                    }
                }
            }
        }
    }
}
