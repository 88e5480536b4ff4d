import Foundation
import RedisFacts
import XCTest

/// Every server fixture folder (`Fixtures/redis-X.Y.Z`, `Fixtures/valkey-X.Y.Z`, recorded by
/// scripts/record-fixtures.sh as PROVENANCE.md describes) read by every parser, against what the recording did: 50
/// keys in databases 0 and 3 (one with a TTL), `databases 16`, `maxmemory 256mb`, the ACL user `auditor` on Redis 6+
/// and Valkey. The folder's name says which engine and version answered.
final class FixtureFolderTests: XCTestCase {
    /// Every folder there must be; `testTheFoldersOnDiskAreTheOnesListed` fails on one missing or one not listed.
    private let listed = [
        "redis-2.8.17", "redis-3.2.6", "redis-4.0.14", "redis-5.0.14", "redis-6.0.20", "redis-6.2.14", "redis-7.0.15",
        "redis-7.2.6", "redis-7.4.1", "valkey-7.2.7", "valkey-8.0.1", "valkey-8.1.1", "valkey-9.1.2",
    ]
    /// Modules a server lists without any being loaded (Valkey 9 reports its Lua engine as one).
    private let builtInModules = ["valkey-9.1.2": ["lua"]]
    private let password = "Audit0r-Secret"
    /// SHA-256 of the password: how ACL LIST shows it.
    private let passwordHash = "a8c780b49036b8e1f81afee6366a16477a5c55a317ea6b7a2405e1522251af70"

    private struct Folder {
        let name: String
        let engine: ServerEngine
        let version: RedisVersion

        init(_ name: String) throws {
            self.name = name
            let parts = name.split(separator: "-", maxSplits: 1)
            engine = try XCTUnwrap(ServerEngine(rawValue: String(parts[0])), name)
            version = try XCTUnwrap(RedisVersion(String(parts[1])), name)
        }

        /// ACL is Redis 6+; Valkey started from Redis 7.2.
        var hasACL: Bool { engine == .valkey || version.major >= 6 }
        func file(_ file: String) throws -> String { try fixture("\(name)/\(file)") }
    }

    /// How `--version` names the server: Valkey 7.2 says just "Server".
    static func banner(_ folder: String) -> String {
        folder.hasPrefix("valkey-7.") ? "Server" : folder.hasPrefix("valkey-") ? "Valkey server" : "Redis server"
    }

    private func folders() throws -> [Folder] {
        let root = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path)
            .filter { $0.hasPrefix("redis-") || $0.hasPrefix("valkey-") }.sorted()
        XCTAssertFalse(names.isEmpty)
        return try names.map(Folder.init)
    }

    func testTheFoldersOnDiskAreTheOnesListed() throws {
        XCTAssertEqual(try folders().map(\.name), listed.sorted())
    }

    func testINFOSaysWhichEngineAndVersionAnswered() throws {
        for folder in try folders() {
            let info = RedisInfo(parsing: try folder.file("info-all.txt"))
            XCTAssertEqual(info.engine, folder.engine, folder.name)
            XCTAssertEqual(info.engineVersion, folder.version, folder.name)
            XCTAssertEqual(info.isValkey, folder.engine == .valkey, folder.name)
            switch folder.engine {
            case .redis:
                XCTAssertEqual(info.version, folder.version, folder.name)
                XCTAssertNil(info.valkeyVersion, folder.name)
            case .valkey:
                // Valkey keeps answering redis_version:7.2.4 for clients that branch on it.
                XCTAssertEqual(info.version?.description, "7.2.4", folder.name)
                XCTAssertEqual(info.valkeyVersion, folder.version, folder.name)
            }
            // `SERVER --version` agrees: "Redis server v=7.0.15 ...", "Valkey server v=8.1.1 ...".
            let banner = try folder.file("version.txt")
            let expected = "\(Self.banner(folder.name)) v=\(folder.version) "
            XCTAssertTrue(banner.hasPrefix(expected), "\(folder.name): \(banner)")
        }
    }

    /// Before Redis 6 `INFO everything` is an unknown section: an empty reply, so no engine; the collector then
    /// falls back to `INFO all`.
    func testINFOEverythingAnswersFromRedis6AndIsEmptyBefore() throws {
        for folder in try folders() {
            let text = try folder.file("info-everything.txt")
            let info = RedisInfo(parsing: text)
            if folder.engine == .redis, folder.version.major < 6 {
                XCTAssertEqual(text, "", folder.name)
                XCTAssertNil(info.engine, folder.name)
                XCTAssertNil(info.engineVersion, folder.name)
            } else {
                XCTAssertEqual(info.engine, folder.engine, folder.name)
                XCTAssertEqual(info.engineVersion, folder.version, folder.name)
                XCTAssertEqual(info.keyspace.map(\.keys), [50, 50], folder.name)
            }
        }
    }

    func testINFOHasTheKeysWrittenAndTheFieldsTheChecksRead() throws {
        for folder in try folders() {
            let info = RedisInfo(parsing: try folder.file("info-all.txt"))
            XCTAssertEqual(info.role, "master", folder.name)
            XCTAssertEqual(info.keyspace.map(\.index), [0, 3], folder.name)
            XCTAssertEqual(info.keyspace.map(\.keys), [50, 50], folder.name)
            XCTAssertEqual(info.keyspace.map(\.expires), [1, 0], folder.name)
            XCTAssertEqual(info.commandStats["set"]?.calls, 100, folder.name)
            XCTAssertGreaterThan(info.usedMemory ?? 0, 100_000, folder.name)
            XCTAssertEqual(info.connectedClients, 1, folder.name)
            XCTAssertEqual(info.rdbLastBgsaveStatus, "ok", folder.name)
            XCTAssertNotNil(info.configFile, folder.name)
            // Redis 2.8 has neither a cluster section nor maxmemory in INFO; every later one has both.
            if folder.name == "redis-2.8.17" {
                XCTAssertNil(info.isClusterEnabled)
                XCTAssertNil(info.maxmemory)
            } else {
                XCTAssertEqual(info.isClusterEnabled, false, folder.name)
                XCTAssertEqual(info.maxmemory, 256 * 1024 * 1024, folder.name)
            }
        }
    }

    func testCONFIGGETHasTheRecordedConfiguration() throws {
        for folder in try folders() {
            let text = try folder.file("config-get.txt")
            let config = ConfigGetReply(parsing: text)
            let info = RedisInfo(parsing: try folder.file("info-all.txt"))
            XCTAssertEqual(config["databases"], "16", folder.name)
            XCTAssertEqual(config["maxmemory"], "268435456", folder.name)
            XCTAssertEqual(config["save"], "", folder.name)
            XCTAssertEqual(config["port"].flatMap { Int($0) }, info.tcpPort, folder.name)
            XCTAssertEqual(config["requirepass"], "", folder.name)
            // Redaction changes secret names' values only, and the reply keeps every name.
            let redacted = ConfigGetReply(parsing: SecretRedaction.redactConfigGet(text))
            XCTAssertEqual(redacted.values.keys.sorted(), config.values.keys.sorted(), folder.name)
            for (name, value) in config.values where redacted[name] != value {
                XCTAssertTrue(SecretRedaction.isSecretName(name), "\(folder.name): \(name) changed")
            }
        }
    }

    func testCLIENTLISTShowsTheOneRecordingClient() throws {
        for folder in try folders() {
            let clients = ClientList(parsing: try folder.file("client-list.txt")).clients
            XCTAssertEqual(clients.count, 1, folder.name)
            XCTAssertEqual(clients.first?.ip, "127.0.0.1", folder.name)
            XCTAssertEqual(clients.first?.isReplica, false, folder.name)
            // Redis 7 names subcommands with a pipe.
            XCTAssertTrue(["client", "client|list"].contains(clients.first?.lastCommand ?? ""), folder.name)
        }
    }

    func testMODULELISTListsNoLoadedModule() throws {
        for folder in try folders() {
            let text = try folder.file("module-list.txt")
            let modules = ModuleList(parsing: text).modules
            XCTAssertEqual(modules.map(\.name), builtInModules[folder.name] ?? [], folder.name)
            // MODULE is Redis 4+.
            let unknown = text.hasPrefix("ERR unknown command")
            XCTAssertEqual(unknown, folder.engine == .redis && folder.version.major < 4, folder.name)
        }
    }

    func testACLLISTHasTheAuditorAndItsPasswordNeverSurvivesRedaction() throws {
        for folder in try folders() {
            let raw = try folder.file("acl-list.txt")
            let users = ACLList(parsing: raw)
            guard folder.hasACL else {
                XCTAssertTrue(raw.hasPrefix("ERR unknown command"), folder.name)
                XCTAssertEqual(users.users, [], folder.name)
                continue
            }
            XCTAssertEqual(users.users.map(\.name).sorted(), ["auditor", "default"], folder.name)
            XCTAssertEqual(users.user("auditor")?.isEnabled, true, folder.name)
            XCTAssertEqual(users.user("auditor")?.hasPasswords, true, folder.name)
            XCTAssertEqual(users.user("auditor")?.allowsNoPassword, false, folder.name)
            XCTAssertEqual(users.user("default")?.allowsNoPassword, true, folder.name)
            // The server shows the password's SHA-256; redaction removes it and keeps the users readable.
            XCTAssertTrue(raw.contains(passwordHash), folder.name)
            let redacted = SecretRedaction.redactACLList(raw)
            XCTAssertFalse(redacted.contains(passwordHash), folder.name)
            XCTAssertEqual(ACLList(parsing: redacted), users, folder.name)
        }
    }

    /// The password itself is in no recorded reply of any server.
    func testNoFixtureHoldsThePassword() throws {
        let files = [
            "info-all.txt", "info-everything.txt", "config-get.txt", "client-list.txt", "module-list.txt",
            "acl-list.txt", "version.txt", "command.txt", "command-count.txt",
        ]
        for folder in try folders() {
            for file in files {
                XCTAssertFalse(try folder.file(file).contains(password), "\(folder.name)/\(file)")
            }
        }
    }
}
