import FleetCore
import Inventory
import RedisFacts
import XCTest

@testable import Collector

/// SnapshotBuilder.redact is the one door every section passes before it is stored: each section shape goes through
/// SecretRedaction's single entry point with the passwords the auditor sent to that host.
final class SnapshotRedactionTests: XCTestCase {
    private func builder(secrets: [String]) throws -> SnapshotBuilder {
        let yaml = """
            defaults: {user: nobody, metadata: off}
            hosts:
              - name: local
                address: 127.0.0.1
                redis: [{port: 6379}]
            """
        let host = try XCTUnwrap(try Inventory.parse(yaml, file: "inventory.yaml", baseDirectory: "/").hosts.first)
        return SnapshotBuilder(host: host, knownSecrets: secrets)
    }

    func testEverySectionShapeLosesItsSecretsAndKeepsItsLines() throws {
        let builder = try builder(secrets: ["sent-by-auditor-1", "q7"])
        let sections: [(name: String, text: String, secrets: [String])] = [
            (
                "config_file",
                "port 6379\r\nmasterauth \"crlf pw\"\r\nuser carol on \">Carol Pw\" ~* +@all\r\ntls-key-file-pass kp9\r\n",
                ["crlf pw", "Carol Pw", "kp9"]
            ),
            ("config_get", "requirepass\r\nsent-by-auditor-1\r\ntls-client-key-file-pass\r\nck8\r\n", ["ck8"]),
            ("acl_list", "user auditor on #0123abcd ~* &* +@all\r\n", ["0123abcd"]),
            (
                "processes", "  7 redis-server *:6379 --requirepass proc7 --port 6379\r\n8 redis-cli -a q7 PING\n",
                ["proc7"]
            ),
            ("info", "# Server\r\nredis_version:7.0.15\r\nauth_note:sent-by-auditor-1 q7\r\n", []),
            ("stderr", "AUTH failed for q7\n", []),
        ]
        for section in sections {
            let output = builder.redact(section.text, section: section.name)
            for secret in section.secrets + ["sent-by-auditor-1"] {
                XCTAssertFalse(
                    output.contains(secret), "\(section.name): \(secret) survived in \(output.debugDescription)")
            }
            XCTAssertFalse(output.contains(" q7"), "\(section.name): the short known password survived")
            XCTAssertEqual(TextLine.split(output).count, TextLine.split(section.text).count, section.name)
            XCTAssertEqual(
                TextLine.split(output).map(\.terminator), TextLine.split(section.text).map(\.terminator), section.name)
        }
        let info = builder.redact(sections[4].text, section: "info")
        XCTAssertEqual(RedisInfo(parsing: info)["redis_version"], "7.0.15", "text around the secrets is intact")
        let config = builder.redact(sections[0].text, section: "config_file")
        let parsed = RedisConfiguration(files: [ConfigSourceFile(path: "/r.conf", text: config)], mainFile: "/r.conf")
        XCTAssertEqual(parsed.effective("masterauth")?.value, SecretRedaction.placeholder, "a password is set")
        XCTAssertEqual(parsed.effective("masterauth")?.location, "/r.conf:2")
        XCTAssertEqual(parsed.effective("port")?.value, "6379")
    }
}
