import Foundation
import XCTest

@testable import FleetCore

/// `HostSnapshot.storedJSON()` writes what `JSONEncoder` (as RunStore configured it) writes, byte for byte: for
/// every field, every optional present and absent, awkward text and dates, so a run stored by either reads the same
/// and an older fleet-audit reads the new files.
final class HostSnapshotWritingTests: XCTestCase {
    /// Every text a host could send: controls, DEL, C1, bidi, separators, combining marks, astral scalars, quotes.
    private static let texts = [
        "", "plain", "two\nlines\r\n", "tab\there \"quoted\" back\\slash /slash",
        "nul \u{0}, bell \u{7}, esc \u{1B}[31m",
        "\u{8}\u{C}\u{1F} del \u{7F} c1 \u{85} bidi \u{202E} line sep \u{2028}", "é ü 中文 😀 👩‍👩‍👧 e\u{301}",
        "\u{FEFF}bom", String(repeating: "port 6379\n", count: 300),
    ]

    private static var whole: HostSnapshot {
        var sections: [String: CapturedSection] = [:]
        for (index, text) in texts.enumerated() {
            sections["s\(index)"] = CapturedSection(
                exitCode: index % 3 == 0 ? nil : index - 4, text: text, truncated: index % 2 == 0)
        }
        sections["Zeta"] = CapturedSection(exitCode: 0, text: "upper case sorts first")
        var file = ConfigFileCapture(path: "/etc/redis/redis.conf", text: texts[3], exitCode: nil, skipped: "big")
        file.refusedToLoginUser = false
        var instance = InstanceSnapshot(
            port: 6379, pid: -12, configFile: texts[6], origin: .both, sections: sections,
            configFiles: [file, ConfigFileCapture(path: "b", text: texts[8], truncated: true)])
        instance.reachedOverTLS = true
        instance.sentCredentials = false
        var snapshot = HostSnapshot(
            host: HostIdentity(
                name: "web-1 \u{1}", address: "10.0.0.1", port: 2222,
                tags: ["env": "prod", "Env": "x", "k\"": texts[5], "é": "1", "a/b": texts[6]], groups: ["a", texts[4]],
                vpcID: "vpc-1", securityGroupIDs: ["sg-1", "sg-2"]),
            collectedAt: Date(timeIntervalSince1970: 1_790_000_123), sections: sections,
            instances: [instance, InstanceSnapshot(port: 6380, origin: .discovered)], hostKeyUnverified: true,
            unexpectedSections: [UnexpectedSection(name: "x", reason: texts[2], text: texts[7], truncated: false)],
            collectionNotes: [CollectionNote(.outputCut, texts[8]), CollectionNote(.access, "")])
        snapshot.failure = Failure(.timeout, phase: .handshake, message: texts[5], hop: "bastion /1")
        return snapshot
    }

    func testEverySnapshotIsWrittenAsJSONEncoderWritesIt() throws {
        var snapshots = [Self.whole, HostSnapshot(host: HostIdentity(name: "n", address: "a"), collectedAt: Date())]
        var withoutOptionals = Self.whole
        withoutOptionals.failure = Failure(.dns, message: "")
        withoutOptionals.host.vpcID = nil
        withoutOptionals.instances[0].configFiles[0] = ConfigFileCapture(path: "p", text: "t", exitCode: nil)
        snapshots.append(withoutOptionals)
        for seconds in [0, -1, 951_782_400.75, 4_107_542_399.999, 1_790_000_123.5] {
            snapshots.append(
                HostSnapshot(
                    host: HostIdentity(name: "t", address: "a"), collectedAt: Date(timeIntervalSince1970: seconds)))
        }
        for snapshot in snapshots {
            let expected = try FoundationSnapshotCoding.encode(snapshot)
            let written = snapshot.storedJSON()
            XCTAssertEqual(
                String(decoding: written, as: UTF8.self), String(decoding: expected, as: UTF8.self),
                "host \(snapshot.host.name) at \(snapshot.collectedAt.timeIntervalSince1970)")
            XCTAssertEqual(written, expected)
        }
    }
}
