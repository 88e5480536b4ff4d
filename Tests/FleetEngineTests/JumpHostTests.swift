import FleetCore
import FleetEngine
import Foundation
import TestSupport
import XCTest

/// ProxyJump and ProxyCommand against real OpenSSH sshds on loopback: a bastion sshd (its log at DEBUG1 shows every
/// direct-tcpip request, which is how a test knows the target was reached through it) and a target sshd.
final class JumpHostTests: XCTestCase {
    private func hop(_ server: SSHServer, name: String, key: String? = nil, knownHosts: String? = nil) -> HostConnection
    {
        HostConnection(
            name: name, address: server.address, port: server.port, user: server.user,
            authentication: Authentication(identityFile: key ?? server.ed25519Key),
            knownHostsFile: knownHosts ?? server.knownHostsFile,
            deadlines: PhaseDeadlines(connect: 5, handshake: 5, authentication: 5, command: 20, host: 40))
    }

    private func target(
        _ server: SSHServer, name: String = "target", port: Int? = nil, jumps: [HostConnection] = [],
        proxyCommand: String? = nil
    ) -> HostConnection {
        var host = hop(server, name: name)
        host.port = port ?? server.port
        host.jumps = jumps
        host.proxyCommand = proxyCommand
        return host
    }

    private func run(
        _ hosts: [HostConnection], command: String = "echo through", channels: Int = 8, connections: Int = 10,
        agent: String? = nil
    ) async throws -> [CommandResult] {
        let engine = try FleetEngine(
            configuration: .init(
                concurrency: 64, agentSocketPath: agent, environment: [:], maxChannelsPerBastionConnection: channels,
                maxConnectionsPerBastion: connections))
        return await engine.run(hosts.map { RemoteJob(host: $0, command: command) }) { _ in }
    }

    private func describe(_ result: CommandResult?) -> String { String(describing: result?.failure) }

    // MARK: Routes that work

    func testTheTargetIsReachedThroughTheBastionsDirectTCPIPChannel() async throws {
        let bastion = try SSHServer(logLevel: "DEBUG1")
        let server = try SSHServer()
        defer {
            bastion.stop()
            server.stop()
        }
        let result = try await run([target(server, jumps: [hop(bastion, name: "bastion-1")])]).first
        XCTAssertEqual(result?.status, .ok, describe(result))
        XCTAssertEqual(result.map { String(decoding: $0.stdout, as: UTF8.self) }, "through\n")
        // Fails without the jump: only a direct-tcpip request to the bastion writes this line.
        XCTAssertTrue(bastion.log.contains("target 127.0.0.1 port \(server.port)"), bastion.log)
    }

    func testATwoHopChainGoesThroughEachBastionInTurn() async throws {
        let first = try SSHServer(logLevel: "DEBUG1")
        let second = try SSHServer(logLevel: "DEBUG1")
        let server = try SSHServer()
        defer {
            first.stop()
            second.stop()
            server.stop()
        }
        let hosts = (0..<3).map {
            target(
                server, name: "target-\($0)", jumps: [hop(first, name: "bastion-1"), hop(second, name: "bastion-2")])
        }
        let results = try await run(hosts)
        XCTAssertEqual(results.map(\.status), [.ok, .ok, .ok], results.map(describe).joined(separator: "; "))
        XCTAssertTrue(first.log.contains("target 127.0.0.1 port \(second.port)"), "hop 1 carries hop 2")
        XCTAssertTrue(second.log.contains("target 127.0.0.1 port \(server.port)"), "hop 2 carries the target")
        XCTAssertFalse(first.log.contains("target 127.0.0.1 port \(server.port)"), "hop 1 never sees the target")
    }

    func testFiftyHostsBehindOneBastionShareAtMostTwoConnectionsOfFourChannels() async throws {
        let bastion = try SSHServer(logLevel: "DEBUG1")
        let server = try SSHServer()
        defer {
            bastion.stop()
            server.stop()
        }
        let before = bastion.acceptedConnections
        let hosts = (0..<50).map { target(server, name: "host-\($0)", jumps: [hop(bastion, name: "bastion-1")]) }
        let results = try await run(hosts, command: "echo $((6 * 7))", channels: 4, connections: 2)
        let failures = results.filter { $0.status != .ok }
        XCTAssertTrue(
            failures.isEmpty, failures.prefix(3).map { "\($0.host): \(describe($0))" }.joined(separator: "; "))
        XCTAssertTrue(results.allSatisfy { String(decoding: $0.stdout, as: UTF8.self) == "42\n" })
        let opened = bastion.acceptedConnections - before
        XCTAssertGreaterThanOrEqual(opened, 1)
        XCTAssertLessThanOrEqual(opened, 2, "the pool never opens more than 2 connections to the bastion")
        let tunnels = bastion.log.split(whereSeparator: \.isNewline).filter {
            $0.contains("target 127.0.0.1 port \(server.port)")
        }
        XCTAssertEqual(tunnels.count, 50, "one direct-tcpip channel per host")
    }

    // MARK: Failures, classified with the hop

    func testABastionThatRefusesConnectionsIsNamedAsTheHop() async throws {
        let server = try SSHServer()
        defer { server.stop() }
        var bastion = hop(server, name: "bastion-1")
        bastion.port = try FreePort.next()
        let result = try await run([target(server, jumps: [bastion])]).first
        XCTAssertEqual(result?.failure?.errorClass, .refused, describe(result))
        XCTAssertEqual(result?.failure?.hop, "bastion-1")
        XCTAssertTrue(
            result?.failure?.message.hasPrefix("jump: bastion-1 unreachable (refused)") ?? false, describe(result))
    }

    func testAuthenticationRefusedByTheBastionSaysSo() async throws {
        let bastion = try SSHServer()
        let server = try SSHServer()
        defer {
            bastion.stop()
            server.stop()
        }
        let jump = hop(bastion, name: "bastion-1", key: bastion.unauthorizedKey)
        let result = try await run([target(server, jumps: [jump])]).first
        XCTAssertEqual(result?.failure?.errorClass, .auth, describe(result))
        XCTAssertEqual(result?.failure?.hop, "bastion-1")
        XCTAssertTrue(result?.failure?.message.hasPrefix("jump: auth failed at bastion-1") ?? false, describe(result))
    }

    func testABastionThatForbidsForwardingIsAdministrativelyProhibited() async throws {
        let bastion = try SSHServer(extraConfiguration: ["AllowTcpForwarding no"])
        let server = try SSHServer()
        defer {
            bastion.stop()
            server.stop()
        }
        let result = try await run([target(server, jumps: [hop(bastion, name: "bastion-1")])]).first
        XCTAssertEqual(result?.failure?.errorClass, .channel, describe(result))
        XCTAssertEqual(result?.failure?.phase, .connect)
        XCTAssertTrue(
            result?.failure?.message.hasPrefix(
                "target unreachable through bastion-1: connect failed (administratively prohibited)") ?? false,
            describe(result))
    }

    func testATargetTheBastionCannotConnectToIsConnectFailed() async throws {
        let bastion = try SSHServer()
        defer { bastion.stop() }
        let closed = try FreePort.next()
        let result = try await run([target(bastion, port: closed, jumps: [hop(bastion, name: "bastion-1")])]).first
        XCTAssertEqual(result?.failure?.errorClass, .refused, describe(result))
        XCTAssertTrue(
            result?.failure?.message.hasPrefix("target unreachable through bastion-1: connect failed (") ?? false,
            describe(result))
    }

    func testUnknownAndChangedBastionHostKeysRefuseTheRoute() async throws {
        let bastion = try SSHServer()
        let server = try SSHServer()
        let directory = try TemporaryDirectory()
        defer {
            bastion.stop()
            server.stop()
            directory.remove()
        }
        let unknown = try await run([
            target(server, jumps: [hop(bastion, name: "bastion-1", knownHosts: directory.file("empty"))])
        ]).first
        XCTAssertEqual(unknown?.failure?.errorClass, .hostKeyUnknown, describe(unknown))
        XCTAssertTrue(unknown?.failure?.message.hasPrefix("jump: host key of bastion-1 unknown") ?? false)
        // The target's key recorded under the bastion's name: a different key.
        let otherKey = try String(contentsOfFile: server.hostKeyFile + ".pub", encoding: .utf8)
            .split(separator: " ").prefix(2).joined(separator: " ")
        let changedFile = try directory.write("[127.0.0.1]:\(bastion.port) \(otherKey)\n", to: "changed")
        let changed = try await run([target(server, jumps: [hop(bastion, name: "bastion-1", knownHosts: changedFile)])])
            .first
        XCTAssertEqual(changed?.failure?.errorClass, .hostKeyChanged, describe(changed))
        XCTAssertEqual(changed?.failure?.hop, "bastion-1")
        XCTAssertTrue(changed?.failure?.message.hasPrefix("jump: host key of bastion-1 changed") ?? false)
    }

    func testABastionThatNeverSpeaksTimesOutNamingTheHopAndPhase() async throws {
        let listener = try SilentListener()
        let server = try SSHServer()
        defer {
            listener.stop()
            server.stop()
        }
        var bastion = hop(server, name: "bastion-1")
        bastion.port = listener.port
        bastion.deadlines.handshake = 1
        let started = Date()
        let result = try await run([target(server, jumps: [bastion])]).first
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        XCTAssertEqual(result?.failure?.errorClass, .timeout, describe(result))
        XCTAssertEqual(result?.failure?.phase, .handshake)
        XCTAssertEqual(result?.failure?.hop, "bastion-1")
        XCTAssertTrue(result?.failure?.message.hasPrefix("jump: bastion-1 timed out (handshake)") ?? false)
    }

    // MARK: ProxyCommand

    func testAProxyCommandCarriesTheSessionAndLeavesNoProcessBehind() async throws {
        let server = try SSHServer()
        defer { server.stop() }
        let hosts = (0..<5).map {
            target(server, name: "proxied-\($0)", proxyCommand: "/usr/bin/nc 127.0.0.1 \(server.port)")
        }
        let results = try await run(hosts)
        XCTAssertEqual(results.map(\.status), Array(repeating: .ok, count: 5), results.map(describe).joined())
        XCTAssertEqual(ChildProcesses.named(["nc", "sh"]), [], "every proxy command was reaped")
        XCTAssertEqual(ChildProcesses.zombies(), [])
    }

    func testAFailingProxyCommandIsQuotedWithItsExitStatusAndStderr() async throws {
        let server = try SSHServer()
        defer { server.stop() }
        let closed = try FreePort.next()
        let result = try await run([
            // OpenSSH runs `exec COMMAND`: a compound command needs its own shell, as in an ssh_config.
            target(server, proxyCommand: "sh -c \"echo 'bastion says no' >&2; exit 255\""),
            target(server, name: "nc", proxyCommand: "/usr/bin/nc 127.0.0.1 \(closed)"),
        ])
        XCTAssertEqual(result.first?.failure?.errorClass, .connection, describe(result.first))
        XCTAssertTrue(
            result.first?.failure?.message.hasPrefix("proxy command exited 255: bastion says no") ?? false,
            describe(result.first))
        XCTAssertTrue(result.last?.failure?.message.contains("proxy command exited 1") ?? false, describe(result.last))
        XCTAssertEqual(ChildProcesses.named(["nc", "sh"]), [])
        XCTAssertEqual(ChildProcesses.zombies(), [])
    }

    func testAProxyCommandPastItsDeadlineIsKilled() async throws {
        let server = try SSHServer()
        defer { server.stop() }
        var host = target(server, proxyCommand: "sleep 30")
        host.deadlines.handshake = 1
        let result = try await run([host]).first
        XCTAssertEqual(result?.failure?.errorClass, .timeout, describe(result))
        XCTAssertEqual(ChildProcesses.named(["sleep", "sh"]), [], "killed by PID and reaped")
        XCTAssertEqual(ChildProcesses.zombies(), [])
    }
}

/// The test process's children, from /proc (what a leaked or unreaped proxy command would be).
enum ChildProcesses {
    private static func children() -> [(pid: Int32, name: String, state: String)] {
        let me = getpid()
        // An unreadable /proc would make every "no child left" assertion vacuous: it stops the run instead.
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else {
            preconditionFailure("cannot list /proc: the child-process checks need it")
        }
        return entries.compactMap { entry in
            guard let pid = Int32(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
            else { return nil }
            let name = String(stat[stat.index(after: open)..<close])
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            guard fields.count > 1, Int32(fields[1]) == me else { return nil }
            return (pid, name, String(fields[0]))
        }
    }

    static func named(_ names: Set<String>) -> [String] {
        children().filter { names.contains($0.name) }.map { "\($0.pid) \($0.name) \($0.state)" }
    }

    static func zombies() -> [String] { children().filter { $0.state == "Z" }.map { "\($0.pid) \($0.name)" } }
}

/// Identities beyond the first key file: extra files, IdentitiesOnly, a per-host agent socket, and the agent's
/// socket being closed after every failed authentication.
final class IdentityOptionTests: XCTestCase {
    private final class Agent {
        let directory: TemporaryDirectory
        let socket: String
        let process: Process

        init(keys: [String]) throws {
            directory = try TemporaryDirectory(prefix: "fa-agent")
            socket = directory.file("agent.sock")
            process = try ProcessRunner.start("/usr/bin/ssh-agent", ["-D", "-a", socket])
            for _ in 0..<100 where !FileManager.default.fileExists(atPath: socket) { usleep(20_000) }
            for key in keys {
                let added = try ProcessRunner.run(
                    "/usr/bin/ssh-add", [key], environment: ["SSH_AUTH_SOCK": socket, "PATH": "/usr/bin:/bin"])
                XCTAssertEqual(added.exitCode, 0, added.stderr)
            }
        }

        func stop() {
            kill(process.processIdentifier, SIGKILL)
            directory.remove()
        }
    }

    private func host(_ server: SSHServer, _ authentication: Authentication) -> HostConnection {
        HostConnection(
            name: "host", address: server.address, port: server.port, user: server.user,
            authentication: authentication, knownHostsFile: server.knownHostsFile)
    }

    private func run(_ hosts: [HostConnection], agent: String? = nil) async throws -> [CommandResult] {
        let engine = try FleetEngine(configuration: .init(concurrency: 16, agentSocketPath: agent, environment: [:]))
        return await engine.run(hosts.map { RemoteJob(host: $0, command: "echo ok") }) { _ in }
    }

    private func runOne(_ host: HostConnection, agent: String? = nil) async throws -> CommandResult {
        let results = try await run([host], agent: agent)
        return try XCTUnwrap(results.first)
    }

    /// Throws when /proc/self/fd cannot be listed: a count of -1 before and after would pass any leak check.
    private static func openDescriptors() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
    }

    func testTwoHundredFailedAgentAuthenticationsLeaveNoAgentSocketOpen() async throws {
        let server = try SSHServer()
        let agent = try Agent(keys: [server.unauthorizedKey])
        defer {
            server.stop()
            agent.stop()
        }
        let hosts = Array(repeating: host(server, Authentication(useAgent: true)), count: 200)
        _ = try await run([hosts[0]], agent: agent.socket)  // warm-up: lazily opened descriptors of the process
        let before = try Self.openDescriptors()
        let results = try await run(hosts, agent: agent.socket)
        XCTAssertTrue(results.allSatisfy { $0.failure?.errorClass == .auth }, "\(results.first?.failure as Any)")
        XCTAssertTrue(results.first?.failure?.message.contains("ssh-agent key") ?? false)
        let after = try Self.openDescriptors()
        XCTAssertLessThanOrEqual(after - before, 2, "one agent socket per failed session would be 200")
    }

    func testExtraIdentityFilesAreTriedInOrderAfterTheFirst() async throws {
        let server = try SSHServer()
        defer { server.stop() }
        let authentication = Authentication(
            identityFile: server.unauthorizedKey, extraIdentityFiles: ["/nonexistent/key", server.ecdsaKey])
        let result = try await runOne(host(server, authentication))
        XCTAssertEqual(result.status, .ok, "\(result.failure as Any)")
        let refused = try await runOne(
            host(server, Authentication(identityFile: server.unauthorizedKey, extraIdentityFiles: [])))
        XCTAssertEqual(refused.failure?.errorClass, .auth)
    }

    func testIdentitiesOnlyNeverOffersTheAgentsOtherKeys() async throws {
        let server = try SSHServer()
        let agent = try Agent(keys: [server.ecdsaKey])
        defer {
            server.stop()
            agent.stop()
        }
        // The agent holds an authorised key, but not the configured one: with identities_only it is never offered.
        let only = Authentication(identityFile: server.unauthorizedKey, useAgent: true, identitiesOnly: true)
        let refused = try await runOne(host(server, only), agent: agent.socket)
        XCTAssertEqual(refused.failure?.errorClass, .auth)
        XCTAssertTrue(
            refused.failure?.message.contains("not offered (identities_only") ?? false, "\(refused.failure as Any)")
        // The agent's key matching the configured file is used (its private half is only in the agent).
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let publicOnly = directory.file("id_ecdsa_in_agent")
        try FileManager.default.copyItem(atPath: server.ecdsaKey + ".pub", toPath: publicOnly + ".pub")
        let viaAgent = host(server, Authentication(identityFile: publicOnly, useAgent: true, identitiesOnly: true))
        let accepted = try await runOne(viaAgent, agent: agent.socket)
        XCTAssertEqual(accepted.status, .ok, "\(accepted.failure as Any)")
        let without = Authentication(identityFile: server.unauthorizedKey, useAgent: true, identitiesOnly: false)
        let result = try await runOne(host(server, without), agent: agent.socket)
        XCTAssertEqual(result.status, .ok, "without identities_only the agent's key is offered")
    }

    func testAHostsOwnAgentSocketOverridesTheEnginesDefault() async throws {
        let server = try SSHServer()
        let agent = try Agent(keys: [server.ecdsaKey])
        defer {
            server.stop()
            agent.stop()
        }
        let authentication = Authentication(useAgent: true, agentSocketPath: agent.socket)
        let result = try await runOne(host(server, authentication), agent: "/nonexistent/agent.sock")
        XCTAssertEqual(result.status, .ok, "\(result.failure as Any)")
    }
}
