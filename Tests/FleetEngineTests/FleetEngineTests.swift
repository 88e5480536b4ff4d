import FleetCore
import FleetEngine
import Foundation
import TestSupport
import XCTest

/// The engine against a real OpenSSH sshd on loopback.
final class FleetEngineTests: XCTestCase {
    nonisolated(unsafe) private static var sharedServer: SSHServer?  // set in class setUp, read by tests after it
    private var server: SSHServer { Self.sharedServer! }

    override class func setUp() {
        super.setUp()
        sharedServer = try? SSHServer()
    }

    override class func tearDown() {
        sharedServer?.stop()
        sharedServer = nil
        super.tearDown()
    }

    override func setUpWithError() throws {
        _ = try XCTUnwrap(Self.sharedServer, "sshd did not start")
    }

    private func host(
        _ name: String = "host", key: String? = nil, port: Int? = nil, address: String = "127.0.0.1",
        checking: HostKeyChecking = .strict, knownHosts: String? = nil, passphraseVariable: String? = nil,
        deadlines: PhaseDeadlines = PhaseDeadlines(connect: 5, handshake: 5, authentication: 5, command: 20, host: 40)
    ) -> HostConnection {
        HostConnection(
            name: name, address: address, port: port ?? server.port, user: server.user,
            authentication: Authentication(
                identityFile: key ?? server.ed25519Key, passphraseEnvironmentVariable: passphraseVariable),
            knownHostsFile: knownHosts ?? server.knownHostsFile, hostKeyChecking: checking, deadlines: deadlines)
    }

    private func run(
        _ command: String, on hosts: [HostConnection], input: Data? = nil,
        outputLimit: Int = RemoteJob.defaultOutputLimit, totalOutputLimit: Int? = nil,
        environment: [String: String] = [:], concurrency: Int = 64
    ) async throws -> [CommandResult] {
        let engine = try FleetEngine(
            configuration: .init(concurrency: concurrency, agentSocketPath: nil, environment: environment))
        let jobs = hosts.map {
            RemoteJob(
                host: $0, command: command, standardInput: input, outputLimit: outputLimit,
                totalOutputLimit: totalOutputLimit)
        }
        return await engine.run(jobs) { _ in }
    }

    private func runOne(
        _ command: String, on host: HostConnection, input: Data? = nil, outputLimit: Int = RemoteJob.defaultOutputLimit,
        totalOutputLimit: Int? = nil, environment: [String: String] = [:]
    ) async throws -> CommandResult {
        let results = try await run(
            command, on: [host], input: input, outputLimit: outputLimit, totalOutputLimit: totalOutputLimit,
            environment: environment)
        return try XCTUnwrap(results.first)
    }

    private func text(_ data: Data) -> String { String(decoding: data, as: UTF8.self) }

    // MARK: Success

    func testCommandOutputAndExitStatusComeBack() async throws {
        let result = try await runOne("echo hello from $(hostname); exit 0", on: host())
        XCTAssertEqual(result.status, .ok, "\(String(describing: result.failure))")
        XCTAssertEqual(result.exitStatus, 0)
        XCTAssertEqual(text(result.stdout), "hello from \(ProcessInfo.processInfo.hostName)\n")
        XCTAssertNil(result.failure)
        XCTAssertFalse(result.hostKeyUnverified)
    }

    func testStandardErrorIsCapturedSeparately() async throws {
        let result = try await runOne("echo out; echo err >&2; exit 3", on: host())
        XCTAssertEqual(text(result.stdout), "out\n")
        XCTAssertEqual(text(result.stderr), "err\n")
        XCTAssertEqual(result.exitStatus, 3)
        XCTAssertEqual(result.status, .failed)
        XCTAssertEqual(result.failure?.errorClass, .exit)
    }

    func testStandardInputReachesTheCommandAndNeverItsCommandLine() async throws {
        let secret = "s3cret-\(UUID().uuidString)"
        let control = "control-\(UUID().uuidString)"
        // `[s]3cret-…` matches the secret but not grep's own arguments. The control is on the command line (this
        // comment-like `:` argument), so its count shows that ps does see the remote shell's command line.
        let result = try await runOne(
            "read -r line; echo \"got ${#line} bytes\"; : \(control); "
                + "ps -eo args | grep -c -- '[\(secret.prefix(1))]\(secret.dropFirst())' || true; "
                + "ps -eo args | grep -c -- '[\(control.prefix(1))]\(control.dropFirst())' || true",
            on: host(), input: Data((secret + "\n").utf8))
        XCTAssertEqual(result.status, .ok, "\(String(describing: result.failure))")
        let lines = text(result.stdout).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, text(result.stdout))
        XCTAssertEqual(lines.first, "got \(secret.count) bytes")
        XCTAssertEqual(lines.dropFirst().first, "0", "processes whose command line holds the secret")
        let controlCount = try XCTUnwrap(Int(lines.last ?? ""), text(result.stdout))
        XCTAssertGreaterThanOrEqual(controlCount, 1, "ps saw the command line: the secret's 0 means something")
    }

    func testACommandThatReadsStandardInputWhenThereIsNoneGetsItsEndAndFinishes() async throws {
        // Our EOF leaves with the exec request when there is no input: `cat` must see it, or it waits for ever.
        let deadlines = PhaseDeadlines(connect: 5, handshake: 5, authentication: 5, command: 10, host: 20)
        for input in [nil, Data()] {
            let result = try await runOne("cat; echo after cat", on: host(deadlines: deadlines), input: input)
            XCTAssertEqual(
                result.status, .ok, "input \(String(describing: input)): \(String(describing: result.failure))")
            XCTAssertEqual(text(result.stdout), "after cat\n")
        }
    }

    func testPacketsThatFollowEachOtherWithoutAWaitShareOneSegment() async throws {
        // The session's twelve packets: banner, KEXINIT, key exchange, NEWKEYS, service request, public-key query,
        // signed request, channel open, exec, EOF, close, disconnect. Three pairs leave without a wait between them
        // (NEWKEYS and the service request, exec and our EOF, close and disconnect) and go in one segment each; the
        // last pair is split when the server's close comes after the output, in a segment of its own.
        let relay = try SegmentCountingRelay(targetPort: server.port)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let serverEntry = try String(contentsOfFile: server.knownHostsFile, encoding: .utf8)
            .split(separator: "\n").first.map { $0.split(separator: " ").dropFirst().joined(separator: " ") }
        let knownHosts = try directory.write(
            "[127.0.0.1]:\(relay.port) \(try XCTUnwrap(serverEntry))\n", to: "known_hosts")
        let result = try await runOne("echo relayed", on: host(port: relay.port, knownHosts: knownHosts))
        XCTAssertEqual(result.status, .ok, "\(String(describing: result.failure))")
        XCTAssertEqual(text(result.stdout), "relayed\n")
        let segments = try XCTUnwrap(relay.clientDataSegments(), "the relay saw no connection end")
        XCTAssertGreaterThanOrEqual(segments, 9, "\(segments) segments: twelve packets, at most three pairs joined")
        XCTAssertLessThanOrEqual(
            segments, 10, "\(segments) segments: NEWKEYS with the service request and exec with EOF, each in one")
    }

    func testKilledCommandReportsTheSignal() async throws {
        let result = try await runOne("kill -KILL $$", on: host())
        XCTAssertEqual(result.status, .failed)
        XCTAssertEqual(result.failure?.errorClass, .exit)
        XCTAssertEqual(result.exitSignal, "KILL")
    }

    func testOutputBeyondTheCapIsTruncatedAndFlaggedAndTheSessionStillCompletes() async throws {
        // 3 MiB on stdout and 1 MiB on stderr, with a 1 MiB cap per stream.
        let result = try await runOne(
            "head -c 3145728 /dev/zero | tr '\\000' a; head -c 1048576 /dev/zero | tr '\\000' b >&2; echo done >&2",
            on: host(), outputLimit: 1 << 20)
        XCTAssertEqual(result.status, .ok, "\(String(describing: result.failure))")
        XCTAssertEqual(result.stdout.count, 1 << 20)
        XCTAssertTrue(result.stdoutTruncated)
        XCTAssertEqual(result.stderr.count, 1 << 20)
        XCTAssertTrue(result.stderrTruncated, "1 MiB + 'done' exceeds the cap")
        XCTAssertTrue(result.stdout.allSatisfy { $0 == UInt8(ascii: "a") })
    }

    func testECDSAKeyAuthenticates() async throws {
        let result = try await runOne("true", on: host(key: server.ecdsaKey))
        XCTAssertEqual(result.status, .ok, "\(String(describing: result.failure))")
    }

    func testEncryptedKeyUsesThePassphraseFromTheNamedVariable() async throws {
        let result = try await runOne(
            "true", on: host(key: server.encryptedKey, passphraseVariable: "FA_TEST_PASSPHRASE"),
            environment: ["FA_TEST_PASSPHRASE": server.encryptedKeyPassphrase])
        XCTAssertEqual(result.status, .ok, "\(String(describing: result.failure))")
        let missing = try await runOne(
            "true", on: host(key: server.encryptedKey, passphraseVariable: "FA_TEST_PASSPHRASE"))
        XCTAssertEqual(missing.failure?.errorClass, .auth)
        XCTAssertTrue(missing.failure?.message.contains("FA_TEST_PASSPHRASE") ?? false, "\(missing.failure!)")
        XCTAssertFalse(missing.failure?.message.contains(server.encryptedKeyPassphrase) ?? true)
    }

    // MARK: Authentication failures

    func testWrongKeyIsAnAuthenticationFailureNamingWhatWasTried() async throws {
        let result = try await runOne("true", on: host(key: server.unauthorizedKey))
        XCTAssertEqual(result.failure?.errorClass, .auth)
        XCTAssertEqual(result.failure?.phase, .authentication)
        let message = result.failure?.message ?? ""
        XCTAssertTrue(message.contains(server.unauthorizedKey), message)
        XCTAssertTrue(message.contains("publickey"), message)
    }

    func testRSAKeyRefusedForSHA1SignaturesSaysSoWithTheRemedy() async throws {
        // libssh2 1.10 signs with ssh-rsa (SHA-1); OpenSSH 9.2 refuses that by default.
        let result = try await runOne("true", on: host(key: server.rsaKey))
        XCTAssertEqual(result.failure?.errorClass, .auth)
        let message = result.failure?.message ?? ""
        XCTAssertTrue(message.contains("SHA-1"), message)
        XCTAssertTrue(message.contains("ed25519"), message)
    }

    // MARK: Host keys

    func testChangedHostKeyIsRefusedInStrictMode() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let otherKey = directory.file("other")
        _ = try ProcessRunner.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-f", otherKey, "-N", ""])
        let otherPublic = try String(contentsOfFile: otherKey + ".pub", encoding: .utf8).split(separator: " ")
            .prefix(2).joined(separator: " ")
        let knownHosts = try directory.write("[127.0.0.1]:\(server.port) \(otherPublic)\n", to: "known_hosts")
        for mode in [HostKeyChecking.strict, .acceptNew] {
            let result = try await runOne("true", on: host(checking: mode, knownHosts: knownHosts))
            XCTAssertEqual(result.failure?.errorClass, .hostKeyChanged, "mode \(mode)")
            XCTAssertTrue(result.failure?.message.contains("HOST KEY CHANGED") ?? false)
        }
    }

    func testUnknownHostIsRefusedInStrictModeAndRecordedInAcceptNew() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let knownHosts = directory.file("known_hosts")
        let strict = try await runOne("true", on: host(checking: .strict, knownHosts: knownHosts))
        XCTAssertEqual(strict.failure?.errorClass, .hostKeyUnknown)
        XCTAssertFalse(FileManager.default.fileExists(atPath: knownHosts), "strict never writes")

        let first = try await runOne("true", on: host(checking: .acceptNew, knownHosts: knownHosts))
        XCTAssertEqual(first.status, .ok, "\(String(describing: first.failure))")
        let recorded = try String(contentsOfFile: knownHosts, encoding: .utf8)
        XCTAssertTrue(recorded.hasPrefix("[127.0.0.1]:\(server.port) ssh-ed25519 "), recorded)
        let again = try await runOne("true", on: host(checking: .strict, knownHosts: knownHosts))
        XCTAssertEqual(again.status, .ok, "the recorded key now verifies in strict mode")
    }

    func testHashedKnownHostsEntriesVerify() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let knownHosts = directory.file("known_hosts")
        try FileManager.default.copyItem(atPath: server.knownHostsFile, toPath: knownHosts)
        let hashed = try ProcessRunner.run("/usr/bin/ssh-keygen", ["-H", "-f", knownHosts])
        XCTAssertEqual(hashed.exitCode, 0, hashed.stderr)
        XCTAssertTrue(try String(contentsOfFile: knownHosts, encoding: .utf8).hasPrefix("|1|"))
        let result = try await runOne("true", on: host(knownHosts: knownHosts))
        XCTAssertEqual(result.status, .ok, "\(String(describing: result.failure))")
    }

    func testHostKeyCheckingOffIsFlaggedInTheResult() async throws {
        let result = try await runOne("true", on: host(checking: .off, knownHosts: "/nonexistent/known_hosts"))
        XCTAssertEqual(result.status, .ok)
        XCTAssertTrue(result.hostKeyUnverified)
    }

    // MARK: Unreachable hosts

    func testClosedPortIsRefused() async throws {
        let closedPort = try FreePort.next()
        let result = try await runOne("true", on: host(port: closedPort))
        XCTAssertEqual(result.failure?.errorClass, .refused)
        XCTAssertEqual(result.failure?.phase, .connect)
    }

    func testAListenerThatNeverSpeaksTimesOutInTheHandshakeWithinItsDeadline() async throws {
        let listener = try SilentListener()
        defer { listener.stop() }
        let started = Date()
        let result = try await runOne(
            "true",
            on: host(
                port: listener.port,
                deadlines: PhaseDeadlines(connect: 2, handshake: 1.5, authentication: 2, command: 5, host: 30)))
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(result.failure?.errorClass, .timeout)
        XCTAssertEqual(result.failure?.phase, .handshake)
        XCTAssertLessThan(elapsed, 10, "the handshake deadline (1.5 s) bounds the wait")
    }

    func testACommandThatOutlivesItsDeadlineTimesOutInTheCommandPhase() async throws {
        let result = try await runOne(
            "printf started; sleep 30",
            on: host(deadlines: PhaseDeadlines(connect: 5, handshake: 5, authentication: 5, command: 1, host: 60)))
        XCTAssertEqual(result.failure?.errorClass, .timeout)
        XCTAssertEqual(result.failure?.phase, .command)
        // The message says how far the exchange got: output arrived, the server's EOF did not.
        let message = result.failure?.message ?? ""
        XCTAssertTrue(message.contains("stdout 7 bytes"), message)
        XCTAssertTrue(message.contains("no EOF from the server"), message)
        XCTAssertEqual(text(result.stdout), "started", "what arrived before the deadline is kept")
    }

    /// A host that never stops printing costs at most the total cap: the engine stops reading, drops the
    /// connection and keeps what arrived, long before the command's deadline.
    func testAFloodStopsAtTheTotalOutputCapAndTheConnectionIsDropped() async throws {
        let started = Date()
        let result = try await runOne(
            "echo begin >&2; cat /dev/zero",
            on: host(deadlines: PhaseDeadlines(connect: 5, handshake: 5, authentication: 5, command: 30, host: 60)),
            totalOutputLimit: 1 << 20)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "cut at the cap, not at the deadline")
        XCTAssertEqual(result.failure?.errorClass, .outputLimit, "\(String(describing: result.failure))")
        XCTAssertEqual(result.failure?.phase, .command)
        XCTAssertEqual(result.stdout.count + result.stderr.count, 1 << 20, "exactly the cap is kept, both streams")
        XCTAssertTrue(result.failure?.message.contains("1048576 bytes") ?? false)
    }

    func testTheWholeHostDeadlineBoundsEveryPhase() async throws {
        let result = try await runOne(
            "sleep 30",
            on: host(deadlines: PhaseDeadlines(connect: 5, handshake: 5, authentication: 5, command: 60, host: 1.5)))
        XCTAssertEqual(result.failure?.errorClass, .timeout)
        XCTAssertEqual(result.failure?.phase, .host)
    }

    func testAnUnresolvableNameIsADNSFailure() async throws {
        // An empty label fails inside the resolver before any query is sent.
        let result = try await runOne("true", on: host(address: "bad..name"))
        XCTAssertEqual(result.failure?.errorClass, .dns)
    }

    // MARK: Many hosts

    func testOneFailingHostNeverStopsTheOthers() async throws {
        let listener = try SilentListener()
        defer { listener.stop() }
        let hosts = [
            host("good-1"), host("refused", port: try FreePort.next()), host("wrong-key", key: server.unauthorizedKey),
            host(
                "silent", port: listener.port,
                deadlines: PhaseDeadlines(connect: 2, handshake: 1, authentication: 2, command: 5, host: 30)),
            host("good-2"),
        ]
        let results = try await run("echo ok", on: hosts)
        XCTAssertEqual(results.map(\.host), ["good-1", "refused", "wrong-key", "silent", "good-2"])
        XCTAssertEqual(results.map(\.status), [.ok, .failed, .failed, .failed, .ok])
        XCTAssertEqual(results.compactMap(\.failure?.errorClass), [.refused, .auth, .timeout])
    }

    func testThreeHundredSessionsInOneRunAllFinish() async throws {
        let hosts = (0..<300).map { host("host-\($0)") }
        let finished = Counter()
        let engine = try FleetEngine(configuration: .init(concurrency: 300, agentSocketPath: nil, environment: [:]))
        let jobs = hosts.map { RemoteJob(host: $0, command: "echo $((6 * 7))") }
        let results = await engine.run(jobs) { _ in finished.increment() }
        XCTAssertEqual(results.count, 300)
        XCTAssertEqual(finished.value, 300, "onResult is called once per host")
        let failures = results.filter { $0.status != .ok }
        XCTAssertTrue(failures.isEmpty, "\(failures.prefix(3).map { "\($0.host): \($0.failure!)" })")
        XCTAssertTrue(results.allSatisfy { String(decoding: $0.stdout, as: UTF8.self) == "42\n" })
    }
}

final class Counter: @unchecked Sendable {
    // Guarded by the lock.
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

/// ssh-agent authentication against a real agent and sshd.
final class AgentAuthenticationTests: XCTestCase {
    func testAKeyHeldByTheAgentAuthenticates() async throws {
        let server = try SSHServer()
        let directory = try TemporaryDirectory(prefix: "fa-agent")
        defer {
            server.stop()
            directory.remove()
        }
        let socket = directory.file("agent.sock")
        let agent = try ProcessRunner.start("/usr/bin/ssh-agent", ["-D", "-a", socket])
        defer { kill(agent.processIdentifier, SIGKILL) }
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: socket) { usleep(20_000) }
        let added = try ProcessRunner.run(
            "/usr/bin/ssh-add", [server.ecdsaKey], environment: ["SSH_AUTH_SOCK": socket, "PATH": "/usr/bin:/bin"])
        XCTAssertEqual(added.exitCode, 0, added.stderr)
        let host = HostConnection(
            name: "agent-host", address: "127.0.0.1", port: server.port, user: server.user,
            authentication: Authentication(identityFile: nil, useAgent: true), knownHostsFile: server.knownHostsFile)
        let engine = try FleetEngine(configuration: .init(concurrency: 4, agentSocketPath: socket, environment: [:]))
        let results = await engine.run([RemoteJob(host: host, command: "echo via-agent")]) { _ in }
        let result = try XCTUnwrap(results.first)
        XCTAssertEqual(result.status, .ok, "\(String(describing: result.failure))")
        XCTAssertEqual(String(decoding: result.stdout, as: UTF8.self), "via-agent\n")

        let noAgent = try FleetEngine(configuration: .init(concurrency: 4, agentSocketPath: nil, environment: [:]))
        let refused = await noAgent.run([RemoteJob(host: host, command: "true")]) { _ in }
        XCTAssertEqual(refused.first?.failure?.errorClass, .auth)
        XCTAssertTrue(refused.first?.failure?.message.contains("SSH_AUTH_SOCK") ?? false)
    }
}
