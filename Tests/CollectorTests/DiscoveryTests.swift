import FleetCore
import Foundation
import Inventory
import RedisFacts
import TestSupport
import XCTest

@testable import Collector

/// Discovery and reads without privilege: the collector run for real by the local /bin/sh as `nobody` (a login user
/// that is neither root nor the Redis server's), against real redis-server processes titled the ways Redis titles
/// itself, and real config files it may not read.
final class DiscoveryTests: XCTestCase {
    private var servers: [RedisServer] = []
    private var scratch: TemporaryDirectory!

    override func setUpWithError() throws {
        scratch = try TemporaryDirectory(prefix: "fleet-audit-discovery")
        // nobody's HOME, and the collector's working folder's parent, must be usable by nobody.
        chmod(scratch.path, 0o755)
    }

    override func tearDown() {
        servers.forEach { $0.stop() }
        scratch?.remove()
    }

    private func redis(_ configuration: [String]) throws -> RedisServer {
        let server = try RedisServer(configuration: configuration)
        servers.append(server)
        return server
    }

    /// Run in the test's own session (no setsid): the test's redis-servers share the collector's session, as every
    /// process of a container started by one init does, and must still be found.
    private func collect(
        _ host: InventoryHost, asUser user: String? = nil, path: String? = nil
    ) throws -> HostSnapshot {
        let (output, token) = try CollectorScriptRun.run(
            host: host, home: scratch.path, path: path, asUser: user)
        XCTAssertEqual(output.exitCode, 0, output.stderr)
        return CollectorScriptRun.snapshot(host: host, output: output, token: token)
    }

    /// The whole command travels in one SSH channel request, which libssh2 refuses at 35,000 bytes: with the most
    /// ports an inventory may list, it stays under the bound (the demo once failed on every host when it did not).
    func testTheCommandLineFitsInOneSSHPacketWithTheMostPorts() throws {
        let ports = (0..<CollectorScript.maximumInstances).map { "{port: \(60_000 + $0)}" }.joined(separator: ", ")
        let yaml =
            "defaults: {user: ec2-user, become: sudo, metadata: \"http://169.254.169.254\"}\nhosts:\n"
            + "  - {name: a, address: 10.0.0.1, redis: [\(ports)]}\n"
        let host = try XCTUnwrap(try Inventory.parse(yaml, file: "inventory.yaml", baseDirectory: "/").hosts.first)
        let command = CollectorScript.commandLine(marker: CollectorScript.newToken(), host: host)
        XCTAssertLessThan(command.utf8.count, CollectorScript.commandLineLimit)
        XCTAssertFalse(CollectorScript.source.contains("\n# "), "comments stay in the repository, not on the wire")
        XCTAssertTrue(CollectorScript.source.contains("command_table()"))
    }

    /// The argv order is the script's contract (docs/collector.md): BECOME is the sixth, then SYNC_SAMPLE and
    /// KEY_SAMPLE, before the ports.
    func testTheBecomeModeTravelsInArgvBeforeTheListedPorts() throws {
        let yaml =
            "defaults: {user: ec2-user, become: sudo, metadata: off}\nhosts:\n  - {name: a, address: 10.0.0.1, redis: [{port: 6379}]}\n"
        let host = try XCTUnwrap(try Inventory.parse(yaml, file: "inventory.yaml", baseDirectory: "/").hosts.first)
        let arguments = CollectorScript.arguments(marker: "m", host: host)
        XCTAssertEqual(arguments.count, 9)
        XCTAssertEqual(Array(arguments[0...1]), ["m", "off"])
        XCTAssertEqual(
            Array(arguments[4...8]), [String(CollectorScript.maximumInstances), "sudo", "5", "1000,2", "6379"])
        XCTAssertTrue(CollectorScript.commandLine(marker: "m", host: host).hasSuffix(" 'sudo' '5' '1000,2' '6379'"))
        let off = CollectionOptions(syncSampleSeconds: 0, keySampleCount: 0)
        XCTAssertEqual(Array(CollectorScript.arguments(marker: "m", host: host, options: off)[6...7]), ["0", "0,0"])
    }

    /// What Redis 7.0.15 (Debian 12) titles itself, measured with `ps -eo pid=,ppid=,args=`: `127.0.0.1:6391`,
    /// `::1:6392`, `0.0.0.0:6393`, `[::1]:6394` (proc-title-template `{title} [::1]:{port}`). `ss -ltnpH` run as
    /// nobody lists those sockets without `users:` (it may not look into root's /proc/<pid>/fd), so only the titles
    /// and the listeners' ports tell the collector where the servers are.
    func testAnUnprivilegedLoginDiscoversServersFromEveryTitleFormWithoutListedPorts() throws {
        let loopback = try redis(["bind 127.0.0.1"])
        let ipv6 = try redis(["bind ::1 127.0.0.1"])
        let bracketed = try redis(["bind ::1 127.0.0.1", "proc-title-template \"{title} [::1]:{port}\""])
        let everywhere = try redis(["bind 0.0.0.0"])
        let titles = try ProcessRunner.run("/usr/bin/ps", ["-o", "args=", "-p", String(bracketed.pid ?? 0)]).stdout
        XCTAssertTrue(titles.contains("[::1]:\(bracketed.port)"), "the bracketed title form: \(titles)")

        let host = try CollectorScriptRun.host("[]")
        let snapshot = try collect(host, asUser: "nobody")
        XCTAssertFalse(
            try XCTUnwrap(snapshot[.listeningSockets]).text.contains("users:"),
            "nobody's ss cannot name root's processes, so discovery may not rely on it")
        for server in [loopback, ipv6, bracketed, everywhere] {
            let found = try XCTUnwrap(
                snapshot.instances.first { $0.port == server.port }, "port \(server.port) not discovered")
            XCTAssertEqual(found.origin, .discovered)
            XCTAssertTrue(
                found[.info]?.text.contains("tcp_port:\(server.port)") == true,
                "INFO read on the address it listens on: \(found[.info]?.text.prefix(200) ?? "")")
        }
        let access = AccessLog(parsing: snapshot[.access]?.text ?? "")
        XCTAssertEqual(access.loggedInAsRoot, false)
        XCTAssertTrue(access.unprivileged.contains(.init(read: .listening, port: nil)))
    }

    /// A server whose title names no port (`set-proc-title no`) on a host without `ss`: its listening socket is found
    /// by matching the socket inodes of /proc/<pid>/fd (readable here: root) to LISTEN lines of /proc/net/tcp.
    func testAServerWhoseTitleNamesNoPortIsFoundThroughItsSocketInodesInProc() throws {
        let untitled = try redis(["set-proc-title no"])
        let arguments = try ProcessRunner.run("/usr/bin/ps", ["-o", "args=", "-p", String(untitled.pid ?? 0)]).stdout
        XCTAssertFalse(arguments.contains(":\(untitled.port)"), "the title must not name the port: \(arguments)")
        let bin = try TemporaryDirectory(prefix: "fleet-audit-bin")
        defer { bin.remove() }
        for tool in [
            "sh", "mktemp", "rm", "cat", "wc", "tr", "head", "grep", "sed", "awk", "sort", "hostname", "nproc", "sleep",
            "ps", "df", "timeout", "mkdir", "echo", "ls", "id", "redis-cli", "stat", "readlink", "cut",
        ] {
            try FileManager.default.createSymbolicLink(atPath: bin.file(tool), withDestinationPath: "/usr/bin/" + tool)
        }
        let snapshot = try collect(CollectorScriptRun.host("[]"), path: bin.path)
        XCTAssertTrue(try XCTUnwrap(snapshot[.listeningSockets]).text.contains("local_address"), "no ss: /proc/net/tcp")
        let found = try XCTUnwrap(snapshot.instances.first { $0.port == untitled.port }, "not discovered")
        XCTAssertTrue(found[.info]?.text.contains("tcp_port:\(untitled.port)") == true)
    }

    /// `redis-server unixsocket:/path` (port 0): not reachable over TCP, so not audited, but the host's note says so.
    func testAServerOnAUnixSocketOnlyIsNotedNotAudited() throws {
        let socket = scratch.file("redis.sock")
        let server = try redis(["unixsocket \(socket)", "unixsocketperm 777"])
        // RedisServer needs a TCP port to see it answer; a second server on the socket alone is the one under test.
        let only = try ProcessRunner.start(
            "/usr/bin/redis-server",
            ["--port", "0", "--unixsocket", socket + "2", "--save", "", "--dir", scratch.path],
            logFile: scratch.file("unix.log"))
        defer { kill(only.processIdentifier, SIGKILL) }
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: socket + "2") { usleep(20_000) }
        let title = try ProcessRunner.run("/usr/bin/ps", ["-o", "args=", "-p", String(only.processIdentifier)]).stdout
        XCTAssertTrue(title.contains("unixsocket:\(socket)2"), title)
        let snapshot = try collect(CollectorScriptRun.host("[{port: \(server.port)}]"))
        let access = AccessLog(parsing: snapshot[.access]?.text ?? "")
        XCTAssertGreaterThanOrEqual(access.unixSocketInstances, 1)
        XCTAssertTrue(
            snapshot.collectionNotes.contains { $0.kind == .access && $0.message.contains("unix socket only") },
            "\(snapshot.collectionNotes)")
    }

    /// The measured failure: logged in as neither root nor redis, redis.conf is unreadable (here mode 640 in a
    /// readable folder, then in a folder the login user may not enter, as Debian's 2770 /etc/redis). The failed read
    /// is recorded as denied, with no content (ReadinessTests checks the verdict: `unknown`, never `pass`).
    func testAConfigTheLoginUserMayNotReadIsRecordedAsDeniedWithoutContent() throws {
        for folderMode in [0o755, 0o700] as [mode_t] {
            let server = try redis(["rename-command FLUSHALL \"\""])
            chmod(server.directory.path, folderMode)
            chmod(server.configFile, 0o640)
            let host = try CollectorScriptRun.host("[{port: \(server.port)}]")
            let snapshot = try collect(host, asUser: "nobody")
            let instance = try XCTUnwrap(snapshot.instances.first { $0.port == server.port })
            let capture = try XCTUnwrap(instance.configFiles.first, "the config file is recorded, read or not")
            XCTAssertFalse(capture.wasRead, "mode \(String(folderMode, radix: 8)): \(capture)")
            XCTAssertTrue(capture.deniedToLoginUser, "\(capture)")
            XCTAssertFalse(capture.text.contains("rename-command"), "nothing of the file was read: \(capture.text)")
            // What stopped the read is named for this port: the config file (a folder it may not enter), or, in a
            // readable folder, /proc/<pid>/fd (the login user cannot verify whose rights the server has).
            let note = try XCTUnwrap(snapshot.collectionNotes.first { $0.kind == .access })
            XCTAssertTrue(note.message.contains("not readable as the login user: "), note.message)
            let named = folderMode == 0o700 ? "config files of " : "/proc/<pid>/fd of "
            let mentioned = note.message.components(separatedBy: named).dropFirst().first ?? ""
            XCTAssertTrue(mentioned.contains(":\(server.port)"), "\(named):\(server.port) in \(note.message)")
            server.stop()
        }
    }
}
