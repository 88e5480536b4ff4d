import FleetCore
import Foundation
import Inventory
import TestSupport
import XCTest

@testable import Collector

/// A host that is broken or hostile to itself must not make the collector hurt it, hang, or copy what it must not:
/// collector.sh run for real against real redis-servers whose config files point at special files.
final class HostileHostCollectorTests: XCTestCase {
    private var servers: [RedisServer] = []
    private var scratch: TemporaryDirectory!

    override func setUpWithError() throws { scratch = try TemporaryDirectory(prefix: "fleet-audit-hostile") }

    override func tearDown() {
        servers.forEach { $0.stop() }
        scratch?.remove()
    }

    /// Includes the server's user could not read, special files and credential stores are skipped with the reason,
    /// a 2 GB file is read only up to the section bound, and nothing blocks on the FIFO.
    func testOnlyRegularFilesTheServersUserCanReadAreCopiedAndEachSkipSaysWhy() throws {
        let files = try TemporaryDirectory(prefix: "fleet-audit-includes")
        defer { files.remove() }
        chmod(files.path, 0o755)
        let fifo = files.file("include.fifo")
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        let huge = files.file("huge.conf")
        XCTAssertTrue(FileManager.default.createFile(atPath: huge, contents: Data("maxclients 9\n".utf8)))
        XCTAssertEqual(truncate(huge, 2 << 30), 0, "a sparse 2 GiB file")
        chmod(huge, 0o644)
        let privateDirectory = files.file("private")
        XCTAssertEqual(mkdir(privateDirectory, 0o700), 0)
        let privateFile = try files.write("maxclients 5\n", to: "private/a.conf")
        chmod(privateFile, 0o600)
        let shadowLink = files.file("shadow-link.conf")
        try FileManager.default.createSymbolicLink(atPath: shadowLink, withDestinationPath: "/etc/shadow")

        // The server starts from a harmless file; the file is changed afterwards, as a host's owner could.
        let server = try RedisServer(user: "nobody")
        servers.append(server)
        let includes = [
            "/dev/zero", fifo, huge, privateDirectory + "/*.conf", "/etc/shadow", shadowLink,
        ].map { "include \($0)" }
        let original = try String(contentsOfFile: server.configFile, encoding: .utf8)
        try (original + includes.joined(separator: "\n") + "\n").write(
            toFile: server.configFile, atomically: true, encoding: .utf8)
        chmod(server.configFile, 0o644)

        let host = try CollectorScriptRun.host("[{port: \(server.port)}]")
        let started = Date()
        let (output, token) = try CollectorScriptRun.run(host: host, home: scratch.path, timeout: 40)
        XCTAssertLessThan(Date().timeIntervalSince(started), 30, "nothing blocked on the FIFO or /dev/zero")
        let snapshot = CollectorScriptRun.snapshot(host: host, output: output, token: token)
        let instance = try XCTUnwrap(snapshot.instances.first { $0.port == server.port })
        func capture(_ path: String) -> ConfigFileCapture? { instance.configFiles.first { $0.path == path } }

        XCTAssertTrue(capture(server.configFile)?.wasRead ?? false, "the main file, world-readable, is copied")
        XCTAssertEqual(capture("/dev/zero")?.skipped, "skipped: on a special file system")
        XCTAssertEqual(capture(fifo)?.skipped, "skipped: not a regular file")
        XCTAssertEqual(capture("/etc/shadow")?.skipped, "skipped: a credential store")
        XCTAssertEqual(capture(shadowLink)?.skipped, "skipped: a credential store", "a symlink is judged by its target")
        let privateCapture = try XCTUnwrap(capture(privateFile), "the glob was expanded")
        XCTAssertTrue(
            privateCapture.skipped?.hasPrefix("skipped: not readable by the server's user") ?? false,
            privateCapture.skipped ?? "copied")
        XCTAssertEqual(privateCapture.text, "", "a skipped file keeps no content")
        let hugeCapture = try XCTUnwrap(capture(huge))
        XCTAssertTrue(hugeCapture.wasRead)
        XCTAssertEqual(hugeCapture.truncated, true)
        XCTAssertLessThanOrEqual(hugeCapture.text.utf8.count, CollectorScript.sectionLimit)
        XCTAssertTrue(hugeCapture.text.hasPrefix("maxclients 9"), String(reflecting: hugeCapture.text.prefix(80)))

        let shadow = try String(contentsOfFile: "/etc/shadow", encoding: .utf8)
        let shadowLine = try XCTUnwrap(shadow.split(separator: "\n").first.map(String.init))
        XCTAssertFalse(output.stdout.contains(shadowLine), "no line of /etc/shadow leaves the host")
        XCTAssertFalse(output.stdout.contains("maxclients 5"), "the private include is not copied")
        XCTAssertLessThan(output.stdout.utf8.count, 4 << 20, "the whole output stays bounded")
    }

    /// A fake server (any user can run one) that names a root redis-server's PID as its own `process_id` does not
    /// borrow root's rights: the collector checks the PID holds the instance's listening socket.
    func testAServerClaimingAnotherProcessesPIDGetsNoMoreThanWorldReadableFiles() throws {
        let root = try RedisServer()
        servers.append(root)
        let rootPID = try XCTUnwrap(root.pid)
        let files = try TemporaryDirectory(prefix: "fleet-audit-liar")
        defer { files.remove() }
        chmod(files.path, 0o755)
        let secret = try files.write("maxclients 3\n", to: "root-only.conf")
        chmod(secret, 0o600)
        let port = try FreePort.next()
        let fake = try files.write(
            """
            import socket, sys
            info = ("# Server\\r\\nredis_version:7.0.15\\r\\nprocess_id:%s\\r\\nconfig_file:%s\\r\\n"
                    % (sys.argv[2], sys.argv[3])).encode()
            server = socket.socket(); server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("127.0.0.1", int(sys.argv[1]))); server.listen(8); server.settimeout(60)
            while True:
                connection, _ = server.accept(); data = b""
                connection.settimeout(5)
                try:
                    while not data.endswith(b"\\r\\n") or data.count(b"\\r\\n") < 3:
                        chunk = connection.recv(4096)
                        if not chunk: break
                        data += chunk
                except Exception: pass
                words = [w for w in data.split(b"\\r\\n")[2::2]]
                command = words[0].upper() if words else b""
                if command == b"PING": connection.sendall(b"+PONG\\r\\n")
                elif command == b"INFO": connection.sendall(b"$%d\\r\\n%s\\r\\n" % (len(info), info))
                else: connection.sendall(b"-ERR unknown command\\r\\n")
                connection.close()
            """, to: "fake.py")
        let liar = try ProcessRunner.start(
            "/usr/bin/setpriv",
            [
                "--reuid=nobody", "--regid=nogroup", "--clear-groups", "/usr/bin/python3", fake, String(port),
                String(rootPID), secret,
            ], logFile: files.file("fake.log"))
        defer {
            kill(liar.processIdentifier, SIGKILL)
            liar.waitUntilExit()
        }
        XCTAssertTrue(RedisServer.waitUntilAnswering(port: port, process: liar))
        let host = try CollectorScriptRun.host("[{port: \(port)}]")
        let (output, token) = try CollectorScriptRun.run(host: host, home: scratch.path)
        let snapshot = CollectorScriptRun.snapshot(host: host, output: output, token: token)
        let instance = try XCTUnwrap(snapshot.instances.first { $0.port == port })
        let capture = try XCTUnwrap(instance.configFiles.first, "the claimed config file was considered")
        XCTAssertEqual(capture.path, secret)
        XCTAssertEqual(
            capture.skipped, "skipped: not readable by the server's user (uid unknown; file owner 0:0, mode 600)")
        XCTAssertFalse(output.stdout.contains("maxclients 3"))
    }

    /// A read that never ends (a hung tool, an NFS mount) is ended by the collector's watchdog, children included.
    func testTheWatchdogEndsTheCollectorAndItsChildrenAtTheDeadline() throws {
        let bin = try TemporaryDirectory(prefix: "fleet-audit-hang")
        defer { bin.remove() }
        let pidFile = bin.file("hung.pid")
        // `hostname` is the collector's first section: this one never returns.
        let hung = try bin.write("#!/bin/sh\necho $$ > \(pidFile)\nexec sleep 300\n", to: "hostname")
        chmod(hung, 0o755)
        let host = try CollectorScriptRun.host("[]")
        let started = Date()
        let (output, token) = try CollectorScriptRun.run(
            host: host, home: scratch.path, path: bin.path + ":/usr/bin:/bin", deadline: 3, timeout: 30)
        XCTAssertLessThan(Date().timeIntervalSince(started), 15, "ended by its watchdog, not by the test's timeout")
        XCTAssertNotEqual(output.exitCode, 0)
        XCTAssertTrue(output.stdout.contains("==FA:\(token):BEGIN hostname=="), "it had started")
        let pid = try XCTUnwrap(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmed))
        usleep(200_000)
        XCTAssertFalse(Self.isRunning(pid), "the hung child was ended too")
    }

    /// Two audits of one host at once: neither takes the other's collector (whose greps name redis-sentinel and
    /// redis-server) for a Sentinel or an instance.
    func testAnotherAuditsCollectorIsNeverSeenInTheProcessList() throws {
        let bin = try TemporaryDirectory(prefix: "fleet-audit-slow")
        defer { bin.remove() }
        // The first collector stays alive in its first section while the second one looks around.
        let began = bin.file("began")
        let ended = bin.file("ended")
        // A child with a name no other process on this (shared) machine has: `sleep` under a unique link.
        let marker = "fa-held-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createSymbolicLink(atPath: bin.file(marker), withDestinationPath: "/bin/sleep")
        let slow = try bin.write(
            "#!/bin/sh\ntouch \(began)\n\(bin.file(marker)) 12\ntouch \(ended)\necho slow-host\n", to: "hostname")
        chmod(slow, 0o755)
        let host = try CollectorScriptRun.host("[]")
        let home = scratch.path
        let first = Thread {
            _ = try? CollectorScriptRun.run(
                host: host, home: home, path: bin.path + ":/usr/bin:/bin", deadline: 20, timeout: 30)
        }
        first.start()
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: began) && Date() < deadline { usleep(50_000) }
        usleep(200_000)
        let (output, token) = try CollectorScriptRun.run(host: host, home: scratch.path)
        let snapshot = CollectorScriptRun.snapshot(host: host, output: output, token: token)
        XCTAssertTrue(FileManager.default.fileExists(atPath: began), "the other collector was running")
        XCTAssertFalse(FileManager.default.fileExists(atPath: ended), "and still was when this one finished")
        let processes = try XCTUnwrap(snapshot[.processes]?.text)
        XCTAssertGreaterThan(processes.split(separator: "\n").count, 1)
        XCTAssertFalse(processes.contains(marker), "the other collector's children are left out")
        XCTAssertFalse(processes.contains("fleet-audit-collector"), "and so is the other collector")
        XCTAssertFalse(processes.contains("redis-sentinel"), "whose script names redis-sentinel")
        while !FileManager.default.fileExists(atPath: ended) { usleep(100_000) }
    }

    private static func isRunning(_ pid: Int32) -> Bool {
        // A zombie (state Z) has ended; nothing may reap it in a container without an init.
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        return !(stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? true)
    }
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
