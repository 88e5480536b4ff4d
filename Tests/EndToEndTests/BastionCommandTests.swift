import Foundation
import TestSupport
import XCTest

/// `fleet-audit exec` through a bastion, as a user configures it: `proxy_jump` in the inventory or `ProxyJump` in an
/// ssh_config, and a ProxyCommand; real sshds on loopback, the bastion's log showing the tunnel.
final class BastionCommandTests: XCTestCase {
    private var target: SSHServer!
    private var bastion: SSHServer!
    private var directory: TemporaryDirectory!
    private let fleetAudit = BuiltProducts.path(of: "fleet-audit")

    override func setUpWithError() throws {
        target = try SSHServer()
        bastion = try SSHServer(logLevel: "DEBUG1")
        directory = try TemporaryDirectory()
        // One key for both, as an operator's usual key would be; one known_hosts holding both host keys.
        let key = try String(contentsOfFile: target.ed25519Key + ".pub", encoding: .utf8)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: bastion.directory.file("authorized_keys")))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(key.utf8))
        try handle.close()
    }

    override func tearDown() {
        target?.stop()
        bastion?.stop()
        directory?.remove()
    }

    private func knownHosts() throws -> String {
        let both = try [target.knownHostsFile, bastion.knownHostsFile].map {
            try String(contentsOfFile: $0, encoding: .utf8)
        }.joined()
        return try directory.write(both, to: "known_hosts")
    }

    /// Only a direct-tcpip request to the bastion writes this line (sshd's DEBUG1 log).
    private func tunnelsOpened() -> Int {
        bastion.log.split(whereSeparator: \.isNewline).filter { $0.contains("target 127.0.0.1 port \(target.port)") }
            .count
    }

    func testProxyJumpFromTheInventoryRunsTheCommandThroughTheBastion() throws {
        let inventory = try directory.write(
            target.inventoryDefaults(knownHosts: try knownHosts()) + """
                  proxy_jump: \(bastion.user)@127.0.0.1:\(bastion.port)
                hosts:
                  - {name: behind-1, address: 127.0.0.1}
                  - {name: behind-2, address: 127.0.0.1}
                """, to: "inventory.yaml")
        let result = try ProcessRunner.run(
            fleetAudit, ["exec", "-i", inventory, "--ssh-config", "none", "--", "echo", "through"], timeout: 60)
        XCTAssertEqual(result.exitCode, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("behind-1 | through"), result.stdout)
        XCTAssertTrue(result.stdout.contains("behind-2 | through"), result.stdout)
        XCTAssertEqual(tunnelsOpened(), 2, "each host's session went through a direct-tcpip channel of the bastion")
    }

    private func sshConfig(bastionPort: Int, name: String) throws -> String {
        try directory.write(
            """
            Host bastion
              HostName 127.0.0.1
              Port \(bastionPort)
              User \(bastion.user)
            Host 127.0.0.1
              ProxyJump bastion

            """, to: name)
    }

    func testProxyJumpFromSSHConfigAndABastionThatIsDownIsNamedInTheFailure() throws {
        let config = try sshConfig(bastionPort: bastion.port, name: "ssh_config")
        let inventory = try directory.write(
            target.inventoryDefaults(knownHosts: try knownHosts()) + """
                hosts:
                  - {name: behind, address: 127.0.0.1}
                """, to: "inventory.yaml")
        let result = try ProcessRunner.run(
            fleetAudit, ["exec", "-i", inventory, "--ssh-config", config, "--", "echo", "via-config"], timeout: 60)
        XCTAssertEqual(result.exitCode, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("behind | via-config"), result.stdout)
        XCTAssertEqual(tunnelsOpened(), 1)

        // A bastion that is down: nothing listens on its port. (Stopping the test's sshd mid-test would leave
        // Foundation's Process reaping blocked on the other sshd.)
        let downConfig = try sshConfig(bastionPort: try FreePort.next(), name: "ssh_config_down")
        let down = try ProcessRunner.run(
            fleetAudit, ["exec", "-i", inventory, "--ssh-config", downConfig, "--json", "--", "true"], timeout: 60)
        XCTAssertEqual(down.exitCode, 1, down.stderr)
        XCTAssertTrue(down.stdout.contains("jump: bastion unreachable"), down.stdout)
    }

    func testProxyCommandCarriesTheSession() throws {
        let inventory = try directory.write(
            target.inventoryDefaults() + """
                  proxy_command: nc %h %p
                hosts:
                  - {name: proxied, address: 127.0.0.1}
                """, to: "inventory.yaml")
        let result = try ProcessRunner.run(
            fleetAudit, ["exec", "-i", inventory, "--ssh-config", "none", "--", "echo", "proxied-ok"], timeout: 60)
        XCTAssertEqual(result.exitCode, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("proxied | proxied-ok"), result.stdout)
    }
}
