import FleetCore
import FleetEngine
import Foundation
import TestSupport
import XCTest

/// The order of authentication requests, each test against its own sshd (its log, its methods). A class of its own:
/// stopping a second sshd while FleetEngineTests' shared one runs hangs in Foundation's Process.waitUntilExit (its
/// monitor thread blocks in wait4 on the other child).
final class AuthenticationOrderTests: XCTestCase {
    private func runOne(on server: SSHServer) async throws -> CommandResult {
        let engine = try FleetEngine(configuration: .init(concurrency: 1, agentSocketPath: nil, environment: [:]))
        let host = HostConnection(
            name: "host", address: server.address, port: server.port, user: server.user,
            authentication: Authentication(identityFile: server.ed25519Key), knownHostsFile: server.knownHostsFile,
            hostKeyChecking: .strict,
            deadlines: PhaseDeadlines(connect: 5, handshake: 5, authentication: 5, command: 20, host: 40))
        let results = await engine.run([RemoteJob(host: host, command: "true")]) { _ in }
        return try XCTUnwrap(results.first)
    }

    func testAConfiguredKeyIsOfferedWithoutAskingTheServerFirst() async throws {
        // A "none" request first would cost every host a round trip (docs/benchmarks.md, latency).
        let logged = try SSHServer(logLevel: "DEBUG1")
        defer { logged.stop() }
        let result = try await runOne(on: logged)
        XCTAssertEqual(result.status, .ok, "\(String(describing: result.failure))")
        XCTAssertTrue(logged.log.contains("method publickey"), logged.log)
        XCTAssertFalse(logged.log.contains("method none"), logged.log)
    }

    func testAServerWithoutPublicKeyAuthenticationSaysWhatItAccepts() async throws {
        // The methods are asked for after the keys were refused; the message still names them.
        let passwordOnly = try SSHServer(extraConfiguration: [
            "Match all", "PubkeyAuthentication no", "PasswordAuthentication yes",
        ])
        defer { passwordOnly.stop() }
        let result = try await runOne(on: passwordOnly)
        XCTAssertEqual(result.failure?.errorClass, .auth)
        let message = result.failure?.message ?? ""
        XCTAssertTrue(message.contains("accepts only password"), message)
    }
}
