import FleetCore
import Foundation
import Inventory
import TestSupport
import XCTest

/// ssh_config reading: errors with file and line, warnings, Include, precedence against the inventory.
final class SSHConfigTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    private func loadError(_ config: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try SSHConfig.load(path: try directory.write(config, to: "config"), homeDirectory: directory.path)
            XCTFail("expected the config to be rejected", file: file, line: line)
        } catch {
            return "\(error)"
        }
        return ""
    }

    func testBadPortNamesFileAndLineEvenInABlockForAnotherHost() {
        let message = loadError("Host a\n  User x\nHost b\n  Port 99999\n")
        XCTAssertEqual(message, directory.file("config") + ":4: Port: '99999' is not a port number (1-65535)")
    }

    func testUnterminatedQuoteNamesTheLine() {
        XCTAssertTrue(
            loadError("Host a\n  IdentityFile \"~/.ssh/key\n").hasPrefix(directory.file("config") + ":2: "),
            "names file:line")
    }

    func testIncludeLoopStopsAtTheDepthBoundWithTheLine() throws {
        let message = loadError("Host *\n  User x\nInclude \(directory.file("config"))\n")
        XCTAssertTrue(message.contains("config:3: Include: Include nested more than 16 deep"), message)
    }

    func testUnknownTokenIsAnErrorAtItsLine() throws {
        let config = try SSHConfig.load(
            path: try directory.write("Host a\n  HostName %z.example\n", to: "config"), homeDirectory: directory.path)
        XCTAssertThrowsError(
            try SSHConfigResolver(config: config).resolve(
                host: "a", user: nil, port: nil, fallbackUser: "u", fallbackPort: 22)
        ) { error in
            XCTAssertTrue("\(error)".contains("config:2: HostName: unknown token %z"), "\(error)")
        }
    }

    func testUnsupportedKeywordsAreWarnedOnceEachWithTheirFirstLine() throws {
        let config = try SSHConfig.load(
            path: try directory.write(
                """
                Host a
                  ControlMaster auto
                  ServerAliveInterval 30
                Host b
                  controlmaster no
                  ControlPath ~/.ssh/cm-%C
                Match host c
                  User nobody
                """, to: "config"), homeDirectory: directory.path)
        XCTAssertEqual(config.warnings.count, 3, "\(config.warnings)")
        XCTAssertTrue(config.warnings[0].hasPrefix(directory.file("config") + ":2: ssh_config keyword 'ControlMaster'"))
        XCTAssertTrue(config.warnings[0].contains("(and 1 more line)"))
        XCTAssertTrue(config.warnings[1].contains(":6: ssh_config keyword 'ControlPath'"))
        XCTAssertTrue(config.warnings[2].contains(":7: ssh_config keyword 'Match'"))
        // A Match block is never applied: its User does not leak into the host after it.
        let resolved = try SSHConfigResolver(config: config).resolve(
            host: "c", user: nil, port: nil, fallbackUser: "u", fallbackPort: 22)
        XCTAssertNil(resolved.user)
    }

    func testRelativeIncludeIsUnderTheHomeSSHFolder() throws {
        try FileManager.default.createDirectory(
            atPath: directory.file(".ssh/fleet.d"), withIntermediateDirectories: true)
        _ = try directory.write("Host db\n  User dba\n", to: ".ssh/fleet.d/db.conf")
        let config = try SSHConfig.load(
            path: try directory.write("Include fleet.d/*.conf\n", to: "config"), homeDirectory: directory.path)
        let resolved = try SSHConfigResolver(config: config, homeDirectory: directory.path).resolve(
            host: "db", user: nil, port: nil, fallbackUser: "u", fallbackPort: 22)
        XCTAssertEqual(resolved.user, "dba")
    }

    func testHostEntryKeysWinOverSSHConfigWhichWinsOverDefaults() throws {
        let config = try directory.write(
            """
            Host 10.0.*
              User from-config
              Port 2200
              IdentityFile ~/.ssh/config_key
              ProxyJump bastion
              StrictHostKeyChecking accept-new
              ConnectTimeout 3
            """, to: "ssh_config")
        let inventory = try Inventory.load(
            path: try directory.write(
                """
                defaults: {user: from-defaults, port: 22, identity_file: /keys/default, host_key_checking: off,
                           proxy_command: "nc %h %p", timeouts: {connect: 9}, max_sessions_per_bastion: 4}
                hosts:
                  - {name: plain, address: 10.0.0.1}
                  - {name: own, address: 10.0.0.2, user: own-user, port: 2022, identity_file: /keys/own,
                     host_key_checking: strict, proxy_jump: "ops@jump2:2201", timeouts: {connect: 4}}
                  - {name: other, address: 192.168.1.1}
                """, to: "inventory.yaml"),
            sshConfig: .file(config), homeDirectory: directory.path)
        XCTAssertEqual(inventory.bastionLimits, BastionLimits(maxSessionsPerBastion: 4, maxConnectionsPerBastion: 10))
        let plain = inventory.hosts[0]
        XCTAssertEqual(plain.user, "from-config")
        XCTAssertEqual(plain.port, 2200)
        XCTAssertEqual(plain.identityFile, directory.path + "/.ssh/config_key")
        XCTAssertEqual(plain.hostKeyChecking, .acceptNew)
        XCTAssertEqual(plain.deadlines.connect, 3)
        XCTAssertEqual(plain.jumps.map(\.name), ["bastion"])
        XCTAssertNil(plain.proxyCommand)
        XCTAssertEqual(plain.jumps[0].user, "from-defaults", "a hop without a user of its own takes the defaults'")
        let own = inventory.hosts[1]
        XCTAssertEqual(own.user, "own-user")
        XCTAssertEqual(own.port, 2022)
        XCTAssertEqual(own.identityFile, "/keys/own")
        XCTAssertEqual(own.hostKeyChecking, .strict)
        XCTAssertEqual(own.deadlines.connect, 4)
        XCTAssertEqual(own.jumps.map(\.name), ["ops@jump2:2201"])
        XCTAssertEqual(own.jumps[0].port, 2201)
        let other = inventory.hosts[2]
        XCTAssertEqual(other.user, "from-defaults")
        XCTAssertEqual(other.hostKeyChecking, .off)
        XCTAssertEqual(other.proxyCommand, "nc 192.168.1.1 22", "defaults' proxy_command, %h %p expanded")
        XCTAssertEqual(other.deadlines.connect, 9)
    }

    func testSSHConfigNoneAndTheInventorysOwnSSHConfig() throws {
        let config = try directory.write("Host *\n  User from-config\n", to: "ssh_config")
        let path = try directory.write(
            "defaults: {ssh_config: ssh_config}\nhosts:\n  - {name: a, address: a.example}\n", to: "inventory.yaml")
        XCTAssertEqual(try Inventory.load(path: path).hosts[0].user, "from-config")
        XCTAssertEqual(try Inventory.load(path: path).sshConfigPath, config)
        XCTAssertEqual(try Inventory.load(path: path, sshConfig: .none).hosts[0].user, "ec2-user")
    }

    func testInventoryProxyKeysAreCheckedAtTheirLine() throws {
        let path = try directory.write(
            "hosts:\n  - name: a\n    address: a.example\n    proxy_jump: \"ops@jump:99999\"\n", to: "inventory.yaml")
        XCTAssertThrowsError(try Inventory.load(path: path)) { error in
            XCTAssertEqual(
                "\(error)", path + ":4: hosts[0].proxy_jump: 'ops@jump:99999': '99999' is not a port number (1-65535)")
        }
        let command = try directory.write(
            "hosts:\n  - name: a\n    address: a.example\n    proxy_command: \"ssm %x\"\n", to: "inventory2.yaml")
        XCTAssertThrowsError(try Inventory.load(path: command)) { error in
            XCTAssertTrue("\(error)".hasPrefix(command + ":4: hosts[0].proxy_command: unknown token %x"), "\(error)")
        }
    }

    func testEC2InstanceIDsReachedThroughAnSSMProxyCommand() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/ec2-describe-instances.json").path
        let config = try directory.write(
            "Host i-*\n  ProxyCommand aws ssm start-session --target %h --document-name AWS-StartSSHSession "
                + "--parameters portNumber=%p\n", to: "ssh_config")
        let inventory = try Inventory.load(
            path: try directory.write(
                "ec2_instances:\n  - {file: \(fixture), tags: {role: redis}, address: instance-id}\n",
                to: "inventory.yaml"),
            sshConfig: .file(config), homeDirectory: directory.path)
        XCTAssertFalse(inventory.hosts.isEmpty)
        for host in inventory.hosts {
            XCTAssertTrue(host.address.hasPrefix("i-"), host.address)
            XCTAssertEqual(
                host.proxyCommand,
                "aws ssm start-session --target \(host.address) --document-name AWS-StartSSHSession "
                    + "--parameters portNumber=22")
        }
    }
}
