import Foundation
import RedisFacts
import XCTest

/// Fixtures are real outputs; see Fixtures/PROVENANCE.md.
func fixture(_ path: String) throws -> String {
    let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/" + path, withExtension: nil), path)
    return try String(contentsOf: url, encoding: .utf8)
}

final class RedisInfoTests: XCTestCase {
    private let versions = ["redis-6.2.14", "redis-7.0.15", "valkey-9.1.2"]

    func testEveryVersionParsesWithTheFieldsTheChecksRead() throws {
        for version in versions {
            let info = RedisInfo(parsing: try fixture("\(version)/info-all.txt"))
            XCTAssertNotNil(info.version, version)
            XCTAssertEqual(info.role, "master", version)
            XCTAssertEqual(info.isClusterEnabled, false, version)
            XCTAssertGreaterThan(info.usedMemory ?? 0, 100_000, version)
            XCTAssertGreaterThan(info.usedMemoryRSS ?? 0, 100_000, version)
            XCTAssertEqual(info.maxmemory, 256 * 1024 * 1024, version)
            XCTAssertEqual(info.rdbLastBgsaveStatus, "ok", version)
            XCTAssertNotNil(info.connectedClients, version)
            XCTAssertEqual(info.keyspace.map(\.index), [0, 3], version)
            XCTAssertEqual(info.keyspace.map(\.keys), [50, 50], version)
            XCTAssertEqual(info.keyspace.first?.expires, 1, version)
            XCTAssertGreaterThan(info.commandStats["set"]?.calls ?? 0, 99, version)
            XCTAssertEqual(info.source(of: "role"), "INFO replication.role")
        }
    }

    func testVersionsAndValkeyAreRecognised() throws {
        XCTAssertEqual(RedisInfo(parsing: try fixture("redis-6.2.14/info-all.txt")).version?.description, "6.2.14")
        XCTAssertEqual(RedisInfo(parsing: try fixture("redis-7.0.15/info-all.txt")).version?.description, "7.0.15")
        let valkey = RedisInfo(parsing: try fixture("valkey-9.1.2/info-all.txt"))
        XCTAssertTrue(valkey.isValkey)
        XCTAssertEqual(valkey.valkeyVersion?.description, "9.1.2")
        XCTAssertFalse(RedisInfo(parsing: try fixture("redis-7.0.15/info-all.txt")).isValkey)
    }

    func testTheEngineIsValkeyByItsNameOrVersionFieldAndUnknownWithoutAVersion() throws {
        XCTAssertNil(RedisInfo(parsing: "").engine)
        XCTAssertNil(RedisInfo(parsing: "# Server\r\nuptime_in_seconds:1\r\n").engineVersion)
        let redis = RedisInfo(parsing: "# Server\r\nredis_version:7.4.1\r\nserver_name:redis\r\n")
        XCTAssertEqual(redis.engine, .redis)
        XCTAssertEqual(redis.engineVersion?.description, "7.4.1")
        let byVersionField = RedisInfo(parsing: "# Server\r\nredis_version:7.2.4\r\nvalkey_version:8.1.1\r\n")
        XCTAssertEqual(byVersionField.engine, .valkey)
        XCTAssertEqual(byVersionField.engineVersion?.description, "8.1.1")
        XCTAssertEqual(byVersionField.version?.description, "7.2.4", "version stays redis_version")
        // A Valkey naming itself without valkey_version reports its own version as redis_version.
        let byName = RedisInfo(parsing: "# Server\r\nredis_version:7.2.5\r\nserver_name:valkey\r\n")
        XCTAssertEqual(byName.engine, .valkey)
        XCTAssertEqual(byName.engineVersion?.description, "7.2.5")
        let encoded = try JSONEncoder().encode([ServerEngine.valkey, .redis])
        XCTAssertEqual(String(decoding: encoded, as: UTF8.self), #"["valkey","redis"]"#)
        XCTAssertEqual(try JSONDecoder().decode([ServerEngine].self, from: encoded), [.valkey, .redis])
    }

    /// Redis 2.8 and 3.2 (built from source, see PROVENANCE.md): what old fleets still run.
    func testRedis28And32ParseWithTheFieldsTheChecksRead() throws {
        for version in ["redis-2.8.17", "redis-3.2.6"] {
            let info = RedisInfo(parsing: try fixture("\(version)/info-all.txt"))
            XCTAssertEqual(info.version?.description, String(version.dropFirst("redis-".count)))
            XCTAssertEqual(info.role, "master", version)
            XCTAssertGreaterThan(info.usedMemory ?? 0, 100_000, version)
            XCTAssertEqual(info.rdbLastBgsaveStatus, "ok", version)
            XCTAssertEqual(info.keyspace.map(\.keys), [50, 50], version)
            XCTAssertEqual(info.commandStats["set"]?.calls, 100, version)
            XCTAssertNotNil(info.configFile, version)
            // Neither knows `INFO everything`: it answers nothing, which is why the collector falls back to `all`.
            XCTAssertEqual(try fixture("\(version)/info-everything.txt"), "", version)
        }
        // 2.8 has no cluster section and no maxmemory field in INFO; 3.2 has both.
        let old = RedisInfo(parsing: try fixture("redis-2.8.17/info-all.txt"))
        XCTAssertNil(old.isClusterEnabled)
        XCTAssertNil(old.maxmemory)
        let newer = RedisInfo(parsing: try fixture("redis-3.2.6/info-all.txt"))
        XCTAssertEqual(newer.isClusterEnabled, false)
        XCTAssertEqual(newer.maxmemory, 256 * 1024 * 1024)
    }

    func testRedis7SubcommandStatsAreKeyedWithTheirPipe() throws {
        let info = RedisInfo(parsing: try fixture("redis-7.0.15/info-everything.txt"))
        XCTAssertNotNil(info.commandStats["acl|setuser"], "\(info.commandStats.keys.sorted())")
    }

    func testUnknownFieldsAndSectionsAreKeptAndCRLFIsHandled() {
        let info = RedisInfo(
            parsing: "# Server\r\nredis_version:8.2.0\r\nbrand_new_field:42\r\n\r\n# Future\r\nx:y:z\r\n")
        XCTAssertEqual(info.version?.description, "8.2.0")
        XCTAssertEqual(info["brand_new_field"], "42")
        XCTAssertEqual(info.section("future")?["x"], "y:z", "only the first colon separates")
    }

    func testVersionOrdering() throws {
        let ordered = ["2.8.21", "3.2.12", "5.0.5", "5.0.6", "6.2.14", "7.0.15", "7.2.4", "255.255.255"]
        let versions = try ordered.map { try XCTUnwrap(RedisVersion($0)) }
        XCTAssertEqual(versions, versions.sorted())
        XCTAssertEqual(RedisVersion("7.0"), RedisVersion("7.0.0"))
        XCTAssertNil(RedisVersion("seven"))
    }

    func testByteSizesUseRedisUnits() {
        XCTAssertEqual(ByteSize.parse("256mb"), 268_435_456)
        XCTAssertEqual(ByteSize.parse("1k"), 1_000)
        XCTAssertEqual(ByteSize.parse("1KB"), 1_024)
        XCTAssertEqual(ByteSize.parse("2g"), 2_000_000_000)
        XCTAssertEqual(ByteSize.parse("0"), 0)
        XCTAssertNil(ByteSize.parse("lots"))
    }
}
