import Foundation
import TestSupport
import XCTest

@testable import SSHClient

final class KnownHostsTests: XCTestCase {
    /// A real ed25519 public key blob made by ssh-keygen, and a second one.
    private var keys: [HostKey] = []
    private var keyLines: [String] = []
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        for name in ["a", "b"] {
            let path = directory.file(name)
            let result = try ProcessRunner.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-f", path, "-N", ""])
            XCTAssertEqual(result.exitCode, 0, result.stderr)
            let fields = try String(contentsOfFile: path + ".pub", encoding: .utf8).split(separator: " ")
            keyLines.append("\(fields[0]) \(fields[1])")
            keys.append(HostKey(type: String(fields[0]), blob: [UInt8](Data(base64Encoded: String(fields[1]))!)))
        }
    }

    override func tearDown() { directory.remove() }

    func testPlainPortAndPatternEntriesMatch() {
        let file = KnownHosts.parse(
            """
            # comment
            10.0.0.1 \(keyLines[0])
            [10.0.0.2]:2222 \(keyLines[0])
            *.example.com,!bad.example.com \(keyLines[0])
            """, path: "kh")
        XCTAssertEqual(file.verify(host: "10.0.0.1", port: 22, key: keys[0]), .match(line: 2))
        XCTAssertEqual(file.verify(host: "10.0.0.2", port: 2222, key: keys[0]), .match(line: 3))
        XCTAssertEqual(file.verify(host: "10.0.0.2", port: 22, key: keys[0]), .unknown, "port 22 is a different name")
        XCTAssertEqual(file.verify(host: "cache.example.com", port: 22, key: keys[0]), .match(line: 4))
        XCTAssertEqual(file.verify(host: "bad.example.com", port: 22, key: keys[0]), .unknown, "negated pattern")
    }

    func testLookupsKeepFileOrderAcrossPlainNamesAndPatternsWhateverTheCase() {
        // Plain names are looked up in an index, patterns one by one: the first matching line still comes first.
        var file = KnownHosts.parse(
            """
            10.0.0.*,other \(keyLines[1])
            Cache-1.Example.com,10.0.0.7 \(keyLines[0])
            """, path: "kh")
        XCTAssertEqual(file.entries(forHost: "10.0.0.7", port: 22).map(\.line), [1, 2])
        XCTAssertEqual(file.verify(host: "cache-1.example.COM", port: 22, key: keys[0]), .match(line: 2))
        XCTAssertEqual(
            file.verify(host: "10.0.0.8", port: 22, key: keys[0]), .mismatch(knownTypes: ["ssh-ed25519"], line: 1))
        file.append(KnownHosts.Entry(marker: .none, hosts: "[10.0.0.9]:2200", key: keys[0], line: 3))
        XCTAssertEqual(file.verify(host: "10.0.0.9", port: 2200, key: keys[0]), .match(line: 3), "an appended entry")
    }

    func testAChangedKeyIsAMismatchNamingTheLine() {
        let file = KnownHosts.parse("10.0.0.1 \(keyLines[0])\n", path: "kh")
        XCTAssertEqual(
            file.verify(host: "10.0.0.1", port: 22, key: keys[1]), .mismatch(knownTypes: ["ssh-ed25519"], line: 1))
    }

    func testRevokedKeysAreRefusedEvenWhenAlsoListedAsValid() {
        let file = KnownHosts.parse("10.0.0.1 \(keyLines[0])\n@revoked * \(keyLines[0])\n", path: "kh")
        XCTAssertEqual(file.verify(host: "10.0.0.1", port: 22, key: keys[0]), .revoked(line: 2))
    }

    func testMalformedLinesAreSkippedWithoutLosingTheEntriesAfterThem() {
        let file = KnownHosts.parse(
            """
            garbage
            10.0.0.9 ssh-ed25519 not-base64!!
            @cert-authority *.example.com \(keyLines[1])
            10.0.0.1 \(keyLines[0])
            """, path: "kh")
        XCTAssertEqual(file.skippedLines, [1, 2])
        XCTAssertEqual(file.verify(host: "10.0.0.1", port: 22, key: keys[0]), .match(line: 4))
    }

    func testHashedEntriesWrittenBySshKeygenMatch() throws {
        let path = try directory.write("[127.0.0.1]:2200 \(keyLines[0])\nhost.example \(keyLines[1])\n", to: "kh")
        let hashed = try ProcessRunner.run("/usr/bin/ssh-keygen", ["-H", "-f", path])
        XCTAssertEqual(hashed.exitCode, 0, hashed.stderr)
        let file = KnownHosts.load(path: path)
        XCTAssertTrue(file.entries.allSatisfy { $0.hosts.hasPrefix("|1|") })
        XCTAssertEqual(file.verify(host: "127.0.0.1", port: 2200, key: keys[0]), .match(line: 1))
        XCTAssertEqual(file.verify(host: "host.example", port: 22, key: keys[1]), .match(line: 2))
        XCTAssertEqual(file.verify(host: "other.example", port: 22, key: keys[1]), .unknown)
    }

    func testFingerprintMatchesSshKeygen() throws {
        let result = try ProcessRunner.run(
            "/usr/bin/ssh-keygen", ["-l", "-E", "sha256", "-f", directory.file("a.pub")])
        XCTAssertTrue(result.stdout.contains(keys[0].fingerprint), "\(result.stdout) vs \(keys[0].fingerprint)")
    }

    func testHMACSHA1MatchesRFC2202() {
        // RFC 2202 test case 2.
        let code = HMACSHA1.authenticationCode(
            key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        XCTAssertEqual(code.map { String(format: "%02x", $0) }.joined(), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
    }

    func testPrivateKeyInspectionTellsTypesAndEncryption() throws {
        for (type, expected) in [("ed25519", PrivateKeyFile.Algorithm.ed25519), ("ecdsa", .ecdsa), ("rsa", .rsa)] {
            let path = directory.file("key-\(type)")
            _ = try ProcessRunner.run("/usr/bin/ssh-keygen", ["-q", "-t", type, "-f", path, "-N", ""])
            XCTAssertEqual(PrivateKeyFile.inspect(path: path)?.algorithm, expected)
            XCTAssertEqual(PrivateKeyFile.inspect(path: path)?.isEncrypted, false)
        }
        let encrypted = directory.file("key-encrypted")
        _ = try ProcessRunner.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-f", encrypted, "-N", "pass phrase"])
        XCTAssertEqual(PrivateKeyFile.inspect(path: encrypted)?.isEncrypted, true)
    }
}
