import Foundation
import TestSupport
import XCTest

@testable import SSHClient

final class DecodedPrivateKeyTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    private func keygen(_ name: String, _ arguments: [String]) throws -> String {
        let path = directory.file(name)
        let result = try ProcessRunner.run(
            "/usr/bin/ssh-keygen", ["-q", "-f", path, "-C", "test"] + arguments, timeout: 30)
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        return path
    }

    func testAnUnencryptedEd25519KeyDecodesWithThePublicBlobOfItsPubFile() throws {
        let path = try keygen("ed", ["-t", "ed25519", "-N", ""])
        let key = try XCTUnwrap(DecodedPrivateKey.load(path: path))
        let fields = try String(contentsOfFile: path + ".pub", encoding: .utf8).split(separator: " ")
        XCTAssertEqual(key.publicKeyBlob, [UInt8](try XCTUnwrap(Data(base64Encoded: String(fields[1])))))
    }

    func testUnencryptedECDSAKeysOfEveryCurveDecodeWithThePublicBlobOfTheirPubFile() throws {
        for bits in ["256", "384", "521"] {
            let path = try keygen("ec\(bits)", ["-t", "ecdsa", "-b", bits, "-N", ""])
            let key = try XCTUnwrap(DecodedPrivateKey.load(path: path), bits)
            let fields = try String(contentsOfFile: path + ".pub", encoding: .utf8).split(separator: " ")
            XCTAssertEqual(key.publicKeyBlob, [UInt8](try XCTUnwrap(Data(base64Encoded: String(fields[1])))), bits)
            XCTAssertEqual(key.kind, .ecdsa)
        }
        XCTAssertNil(DecodedPrivateKey.load(path: try keygen("ecenc", ["-t", "ecdsa", "-N", "secret"])))
    }

    func testOtherKeysAreLeftToLibssh2() throws {
        XCTAssertNil(DecodedPrivateKey.load(path: try keygen("enc", ["-t", "ed25519", "-N", "secret"])))
        XCTAssertNil(DecodedPrivateKey.load(path: try keygen("rsa", ["-t", "rsa", "-b", "2048", "-N", ""])))
        XCTAssertNil(DecodedPrivateKey.load(path: directory.file("missing")))
    }

    func testTruncatedKeyDataIsRejectedNotTrapped() throws {
        let path = try keygen("ed", ["-t", "ed25519", "-N", ""])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let body = text.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()
        let bytes = [UInt8](try XCTUnwrap(Data(base64Encoded: body)))
        XCTAssertNotNil(DecodedPrivateKey.parseOpenSSHEd25519(bytes))
        for length in stride(from: 0, to: bytes.count - 1, by: 7) {
            XCTAssertNil(DecodedPrivateKey.parseOpenSSHEd25519(Array(bytes[..<length])), "prefix \(length)")
        }
    }
}
