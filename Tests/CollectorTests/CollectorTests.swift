import Collector
import FleetCore
import FleetEngine
import Foundation
import Inventory
import RedisFacts
import TestSupport
import XCTest

/// The collector for real: its script over a real sshd, against real redis-server instances.
final class CollectorTests: XCTestCase {
    private var server: SSHServer!
    private var reports: TemporaryDirectory!
    private var redisServers: [RedisServer] = []

    override func setUpWithError() throws {
        server = try SSHServer()
        reports = try TemporaryDirectory(prefix: "fleet-audit-reports")
    }

    override func tearDown() {
        redisServers.forEach { $0.stop() }
        server?.stop()
        reports?.remove()
    }

    private func redis(_ configuration: [String] = [], includes: [String: String] = [:]) throws -> RedisServer {
        let instance = try RedisServer(configuration: configuration, includes: includes)
        redisServers.append(instance)
        return instance
    }

    private func inventory(_ hostsYAML: String) throws -> Inventory {
        let yaml =
            server.inventoryDefaults() + """
                hosts:
                \(hostsYAML)
                """
        return try Inventory.parse(yaml, file: "inventory.yaml", baseDirectory: "/")
    }

    private func collect(_ inventory: Inventory, environment: [String: String] = [:]) async throws
        -> Collector.Collection
    {
        let engine = try FleetEngine(configuration: .init(concurrency: 16, agentSocketPath: nil, environment: [:]))
        let collector = Collector(executor: engine, store: RunStore(root: reports.path))
        return try await collector.collect(inventory: inventory, hosts: inventory.hosts, environment: environment)
    }

    /// Every stored file's bytes, as text (invalid UTF-8 replaced, so a file that is not text still counts): a file
    /// that cannot be read fails the test instead of dropping out of the search for the password.
    private func everyStoredFile() throws -> String {
        let enumerator = try XCTUnwrap(FileManager.default.enumerator(atPath: reports.path), reports.path)
        var all = ""
        var files = 0
        while let name = enumerator.nextObject() as? String {
            let path = reports.path + "/" + name
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                all += String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
                files += 1
            }
        }
        XCTAssertGreaterThan(files, 1, "the run stored its manifest and snapshot under \(reports.path)")
        return all
    }

    func testCollectsListedAndDiscoveredInstancesWithConfigFilesAndNeverStoresThePassword() async throws {
        let password = "Pw-\(UUID().uuidString)"
        let protected = try redis(
            ["requirepass \(password)", "include \(NSTemporaryDirectory())never-there-*.conf", "maxmemory 64mb"])
        let open = try redis(["databases 32"])
        let inventory = try inventory(
            """
              - name: cache-1
                address: 127.0.0.1
                redis:
                  - {port: \(protected.port), password_env: FA_TEST_REDIS_PASSWORD}
            """)
        let collection = try await collect(inventory, environment: ["FA_TEST_REDIS_PASSWORD": password])
        let snapshot = try XCTUnwrap(collection.snapshots.first)
        XCTAssertNil(snapshot.failure)
        XCTAssertTrue(collection.manifest.complete)

        let listed = try XCTUnwrap(snapshot.instances.first { $0.port == protected.port })
        XCTAssertEqual(listed.origin, .both)
        let info = RedisInfo(parsing: try XCTUnwrap(listed[.info]?.text))
        XCTAssertEqual(info.version?.description, "7.0.15", "the password reached redis-cli")
        XCTAssertEqual(listed.configFile, protected.configFile)
        XCTAssertEqual(listed.pid, Int(protected.pid ?? 0))
        let configuration = RedisConfiguration(
            files: listed.configFiles.map { ConfigSourceFile(path: $0.path, text: $0.text) },
            mainFile: protected.configFile)
        XCTAssertEqual(configuration.effective("maxmemory")?.value, "64mb")
        XCTAssertEqual(configuration.effective("requirepass")?.value, SecretRedaction.placeholder)
        XCTAssertEqual(ConfigGetReply(parsing: try XCTUnwrap(listed[.configGet]?.text))["requirepass"], "<redacted>")

        let discovered = try XCTUnwrap(snapshot.instances.first { $0.port == open.port })
        XCTAssertEqual(discovered.origin, .discovered)
        XCTAssertEqual(ConfigGetReply(parsing: try XCTUnwrap(discovered[.configGet]?.text))["databases"], "32")

        for section in [SectionName.meminfo, .loadavg, .cpuCount, .processes, .listeningSockets, .hostname] {
            XCTAssertEqual(snapshot[section]?.exitCode, 0, section.rawValue)
        }
        XCTAssertNil(snapshot[.instanceMetadata], "metadata: off never asks an IMDS")

        let stored = try everyStoredFile()
        XCTAssertFalse(stored.contains(password), "the password must not appear in any stored file")
        XCTAssertTrue(stored.contains("requirepass <redacted>"))
    }

    func testUnreachableHostsAreRecordedWithTheirReasonAndTheOthersStillCollected() async throws {
        let closedPort = try FreePort.next()
        let inventory = try inventory(
            """
              - {name: up, address: 127.0.0.1}
              - {name: down, address: 127.0.0.1, port: \(closedPort)}
            """)
        let collection = try await collect(inventory)
        XCTAssertEqual(collection.snapshots.map(\.host.name), ["up", "down"])
        XCTAssertNil(collection.snapshots[0].failure)
        XCTAssertEqual(collection.snapshots[1].failure?.errorClass, .refused)
        XCTAssertEqual(collection.manifest.hosts.map(\.outcome), ["collected", "unreachable"])
        let stored = try RunStore.load(runDirectory: reports.path + "/latest")
        XCTAssertEqual(Set(stored.snapshots.map(\.host.name)), ["up", "down"])
        XCTAssertEqual(stored.manifest.runID, collection.run.id)
        XCTAssertTrue(stored.manifest.complete)
    }

    func testADisabledConfigCommandAndADownInstanceAreFindingsNotCrashes() async throws {
        let renamed = try redis(["rename-command CONFIG \"\""])
        let downPort = try FreePort.next()
        let inventory = try inventory(
            """
              - name: cache-1
                address: 127.0.0.1
                redis: [{port: \(renamed.port)}, {port: \(downPort)}]
            """)
        let collection = try await collect(inventory)
        let snapshot = try XCTUnwrap(collection.snapshots.first)
        let renamedInstance = try XCTUnwrap(snapshot.instances.first { $0.port == renamed.port })
        XCTAssertTrue(renamedInstance[.configGet]?.text.contains("unknown command") ?? false)
        XCTAssertNotNil(RedisInfo(parsing: renamedInstance[.info]?.text ?? "").version, "INFO still answers")
        XCTAssertEqual(renamedInstance.configFiles.first?.path, renamed.configFile, "redis.conf tells the config")
        let down = try XCTUnwrap(snapshot.instances.first { $0.port == downPort })
        XCTAssertEqual(down.origin, .inventory)
        XCTAssertNil(RedisInfo(parsing: down[.info]?.text ?? "").version)
    }

    func testAMissingPasswordVariableStopsBeforeAnythingRuns() async throws {
        let inventory = try inventory(
            """
              - name: cache-1
                address: 127.0.0.1
                redis: [{port: 6379, password_env: FA_TEST_UNSET_VARIABLE}]
            """)
        do {
            _ = try await collect(inventory)
            XCTFail("expected an input error")
        } catch {
            XCTAssertTrue("\(error)".contains("FA_TEST_UNSET_VARIABLE"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: reports.path + "/runs"), "nothing ran, nothing written")
    }

    /// Everything the collector sends to Redis is read-only: MONITOR shows data commands as they arrive, and
    /// INFO commandstats (read before and after) also counts the administrative ones MONITOR hides.
    func testTheCollectorOnlySendsReadOnlyCommandsToRedis() async throws {
        let instance = try redis()
        // Keys of every type, so that key sampling sizes each (MEMORY USAGE), and a second server without MEMORY
        // (renamed away, as on Redis before 4.0), so that it sizes them with the length command of each type.
        let withoutMemory = try redis(["rename-command MEMORY \"\""])
        for server in [instance, withoutMemory] {
            _ = try server.cli(["SET", "s", "v"])
            _ = try server.cli(["RPUSH", "l", "a"])
            _ = try server.cli(["HSET", "h", "f", "v"])
            _ = try server.cli(["SADD", "t", "m"])
            _ = try server.cli(["ZADD", "z", "1", "m"])
            _ = try server.cli(["XADD", "x", "*", "f", "v"])
            _ = try server.cli(["-n", "3", "SET", "in-db-3", "v"])
        }
        let before = RedisInfo(parsing: try instance.cli(["INFO", "commandstats"])).commandStats
        let beforeWithoutMemory = RedisInfo(parsing: try withoutMemory.cli(["INFO", "commandstats"])).commandStats
        let monitorLog = instance.directory.file("monitor.log")
        let monitor = try ProcessRunner.start(
            "/usr/bin/redis-cli", ["-p", String(instance.port), "MONITOR"], logFile: monitorLog)
        defer { kill(monitor.processIdentifier, SIGKILL) }
        usleep(200_000)
        let inventory = try inventory(
            "  - {name: cache-1, address: 127.0.0.1, redis: [{port: \(instance.port)}, {port: \(withoutMemory.port)}]}")
        _ = try await collect(inventory)
        usleep(200_000)
        kill(monitor.processIdentifier, SIGKILL)
        let after = RedisInfo(parsing: try instance.cli(["INFO", "commandstats"])).commandStats
        let afterWithoutMemory = RedisInfo(parsing: try withoutMemory.cli(["INFO", "commandstats"])).commandStats

        // The documented read-only set (docs/collector.md), plus what redis-cli itself sends on connect, plus key
        // sampling's SCAN, TYPE, MEMORY USAGE and length commands.
        let sampling: Set = ["scan", "type", "memory|usage", "strlen", "llen", "hlen", "scard", "zcard", "xlen"]
        let allowed = Set([
            "info", "config|get", "client|list", "module|list", "acl|list", "command|docs", "command", "command|info",
            "auth", "ping",
            "hello", "client|setinfo", "select",
        ]).union(sampling)
        var used: Set<String> = []
        for (command, stat) in after where stat.calls > (before[command]?.calls ?? 0) { used.insert(command) }
        var usedWithoutMemory: Set<String> = []
        for (command, stat) in afterWithoutMemory where stat.calls > (beforeWithoutMemory[command]?.calls ?? 0) {
            usedWithoutMemory.insert(command)
        }
        // MONITOR and the INFO commandstats calls are this test's own, not the collector's.
        used.remove("monitor")
        XCTAssertFalse(used.isEmpty)
        XCTAssertTrue(used.isSubset(of: allowed), "not read-only: \(used.subtracting(allowed).sorted())")
        XCTAssertTrue(
            usedWithoutMemory.isSubset(of: allowed), "not read-only: \(usedWithoutMemory.subtracting(allowed).sorted())"
        )
        // Sampling ran: MEMORY USAGE where the server has it, the length commands where it does not.
        XCTAssertTrue(used.isSuperset(of: ["scan", "type", "memory|usage", "select"]), "\(used.sorted())")
        XCTAssertTrue(
            usedWithoutMemory.isSuperset(of: ["scan", "type", "strlen", "llen", "hlen", "scard", "zcard", "xlen"]),
            "\(usedWithoutMemory.sorted())")

        let monitored = (try? String(contentsOfFile: monitorLog, encoding: .utf8)) ?? ""
        let commands = monitored.split(separator: "\n").compactMap { line -> String? in
            guard let open = line.firstIndex(of: "\""),
                let close = line[line.index(after: open)...].firstIndex(of: "\"")
            else { return nil }
            return line[line.index(after: open)..<close].lowercased()
        }
        XCTAssertFalse(commands.isEmpty, "MONITOR saw the collection")
        let writes = Set(commands).subtracting(
            ["info", "config", "client", "module", "acl", "command", "ping", "select", "scan", "type", "memory"]
                + ["strlen", "llen", "hlen", "scard", "zcard", "xlen"])
        XCTAssertTrue(writes.isEmpty, "MONITOR saw: \(writes.sorted())")
    }
}
