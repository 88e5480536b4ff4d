import FleetCore
import Foundation
import Inventory
import TestSupport
import XCTest

/// What fleet-audit resolves from an ssh_config equals what the installed OpenSSH client resolves from the same file.
///
/// `ssh -G -F CONFIG HOST` prints ssh's settings without connecting. It prints IdentityFile and ProxyCommand before
/// `%` expansion, so their expanded forms come from `ssh -v` with a ProxyCommand of `true` (nothing is contacted:
/// ssh starts `true`, which exits, and ssh gives up): "identity file PATH" and "Executing proxy command: exec CMD".
/// A keyword is compared wherever ssh's value differs from its value with an empty config (`-F /dev/null`), i.e.
/// wherever the config decided it; elsewhere fleet-audit must keep its own default.
final class SSHConfigOpenSSHTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private let home = NSHomeDirectory()

    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    /// The keywords `--show-ssh` prints and this test compares.
    private static let keywords = [
        "hostname", "user", "port", "identityfile", "identitiesonly", "identityagent", "proxyjump", "proxycommand",
        "userknownhostsfile", "stricthostkeychecking", "connecttimeout",
    ]

    private func writeConfig() throws -> String {
        let includes = directory.file("conf.d")
        try FileManager.default.createDirectory(atPath: includes, withIntermediateDirectories: true)
        _ = try directory.write(
            """
            Host db-*
              User dbadmin
              IdentityFile ~/.ssh/db_key
            """, to: "conf.d/10-db.conf")
        _ = try directory.write(
            """
            Host db-1
              Port 2345
              User ignored-db1-user
            """, to: "conf.d/20-db1.conf")
        _ = try directory.write("Host never\n  User from-unmatched-glob\n", to: "conf.d/ignored.txt")
        return try directory.write(
            """
            # Bastions
            Host bastion
              HostName bastion.example.com
              User jump
              Port 2200
              IdentityFile ~/.ssh/bastion_%r
            Host inner-bastion
              HOSTNAME 192.0.2.10
              User=hop
            Host outer-bastion
              ProxyJump inner-bastion
              User outer
              StrictHostKeyChecking accept-new

            Host 10.0.* !10.0.9.*
              ProxyJump bastion
              User ec2-user
              IdentityFile ~/.ssh/%h_%r_key
              IdentityFile %d/.ssh/fleet_%u
              IdentityFile ~/.ssh/%h_%r_key
              IdentityFile "~/.ssh/with space"
            Host 10.0.9.*
              ProxyJump alice@bastion:2222,carol@outer-bastion
              StrictHostKeyChecking accept-new
            Host i-*
              ProxyCommand true aws ssm start-session --target %h --document-name AWS-StartSSHSession --parameters portNumber=%p # %r %n %%
              User ec2-user
              UserKnownHostsFile ~/.ssh/known_hosts_ssm ~/.ssh/other
              StrictHostKeyChecking no
              ProxyJump bastion
            Host web?.example.com web-*
              HostName %h.internal
              Port 2022
              IdentitiesOnly yes
              IdentityAgent none
            Host noproxy
              ProxyJump none
              ProxyCommand true %h %p
            Host direct-*
              ProxyCommand none
              ProxyJump bastion
            Host a,b
              User comma-is-not-a-separator
            Host agent-*
              IdentityAgent /run/agent-%u.sock
              StrictHostKeyChecking=off
            Include \(includes)/*.conf
            Host *
              User fallback
              ConnectTimeout 5
              UserKnownHostsFile ~/.ssh/known_hosts_fleet
            """, to: "ssh_config")
    }

    /// `keyword -> values` from `ssh -G`-style lines (indented lines and other keywords skipped).
    private static func settings(_ lines: [String]) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for line in lines where !line.hasPrefix(" ") {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, keywords.contains(parts[0]) else { continue }
            result[parts[0], default: []].append(parts[1])
        }
        return result
    }

    private func openSSH(_ arguments: [String]) throws -> [String: [String]] {
        let output = try ProcessRunner.run("/usr/bin/ssh", ["-G"] + arguments, timeout: 20)
        XCTAssertEqual(output.exitCode, 0, "ssh -G \(arguments): \(output.stderr)")
        var values = Self.settings(output.stdout.split(separator: "\n").map(String.init))
        // `ask` cannot be answered by an audit: fleet-audit treats it as strict, which ssh -G prints as true.
        values["stricthostkeychecking"] = values["stricthostkeychecking"]?.map { $0 == "ask" ? "true" : $0 }
        return values
    }

    /// ssh's own expansion of IdentityFile (and of ProxyCommand when `keepProxyCommand`), read from `ssh -v`.
    private func openSSHExpanded(_ arguments: [String], keepProxyCommand: Bool) throws -> (
        files: [String], command: String?
    ) {
        let override = keepProxyCommand ? [] : ["-o", "ProxyCommand=true"]
        let output = try ProcessRunner.run(
            "/usr/bin/ssh", ["-v", "-o", "BatchMode=yes"] + override + arguments + ["true"], timeout: 20)
        var files: [String] = []
        var command: String?
        for line in output.stderr.split(whereSeparator: \.isNewline).map(String.init) {
            if line.hasPrefix("debug1: identity file "), !line.contains("-cert type ") {
                let path = line.dropFirst("debug1: identity file ".count)
                files.append(String(path[..<(path.range(of: " type ")?.lowerBound ?? path.endIndex)]))
            }
            if line.hasPrefix("debug1: Executing proxy command: exec ") {
                command = String(line.dropFirst("debug1: Executing proxy command: exec ".count))
            }
        }
        return (files, command)
    }

    /// Compares one connection (host or hop) with `ssh -G`; returns how many keywords the config decided.
    @discardableResult
    private func compare(
        _ connection: HostConnection, ours lines: [String], with arguments: [String], host: String,
        config: String, compareRoute: Bool, file: StaticString = #filePath, line: UInt = #line
    ) throws -> Int {
        let ours = Self.settings(lines)
        let ssh = try openSSH(["-F", config] + arguments + [host])
        let baseline = try openSSH(["-F", "/dev/null"] + arguments + [host])
        var decided = 0
        for keyword in Self.keywords {
            if !compareRoute, keyword == "proxyjump" || keyword == "proxycommand" { continue }
            guard ssh[keyword] != baseline[keyword] else { continue }
            decided += 1
            var expected = ssh[keyword]
            if keyword == "userknownhostsfile" {
                // fleet-audit uses the first file (the one ssh also writes new keys to).
                expected = expected?.first.map { [String($0.split(separator: " ")[0])] }
            }
            if keyword == "identityfile" {
                expected = try openSSHExpanded(["-F", config] + arguments + [host], keepProxyCommand: false).files
            }
            if keyword == "proxycommand", let command = expected?.first {
                XCTAssertTrue(command.hasPrefix("true "), "test configs run only harmless proxy commands")
                expected = try openSSHExpanded(["-F", config] + arguments + [host], keepProxyCommand: true)
                    .command.map { [$0] }
            }
            XCTAssertEqual(ours[keyword], expected, "\(host): \(keyword)", file: file, line: line)
        }
        return decided
    }

    func testResolvedSettingsEqualWhatTheOpenSSHClientResolves() throws {
        let config = try writeConfig()
        let addresses = [
            "10.0.1.5", "10.0.9.7", "i-0123456789abcdef0", "web1.example.com", "Web-Shop", "noproxy", "direct-1",
            "a", "db-1", "db-2", "bastion", "agent-1", "elsewhere.example.org",
        ]
        let hostsYAML = addresses.enumerated().map { "  - {name: h\($0.offset), address: \($0.element)}" }
        let inventory = try Inventory.load(
            path: try directory.write("hosts:\n" + hostsYAML.joined(separator: "\n") + "\n", to: "inventory.yaml"),
            sshConfig: .file(config))
        var decidedTotal = 0
        for (index, address) in addresses.enumerated() {
            let host = inventory.hosts[index]
            let lines = OpenSSHSettingsDump.lines(for: host.connection)
            decidedTotal += try compare(
                host.connection, ours: lines, with: [], host: address, config: config, compareRoute: true)
            // Each hop as `ssh -l USER -p PORT HOP` sees it: the hop's user@ and :port are ssh's command line.
            for hop in host.connection.jumps {
                let specification = hop.name
                var arguments: [String] = []
                var hopHost = specification
                if let at = hopHost.lastIndex(of: "@") {
                    arguments += ["-l", String(hopHost[..<at])]
                    hopHost = String(hopHost[hopHost.index(after: at)...])
                }
                if let colon = hopHost.firstIndex(of: ":") {
                    arguments += ["-p", String(hopHost[hopHost.index(after: colon)...])]
                    hopHost = String(hopHost[..<colon])
                }
                try compare(
                    hop, ours: OpenSSHSettingsDump.lines(for: hop), with: arguments, host: hopHost, config: config,
                    compareRoute: false)
            }
        }
        XCTAssertGreaterThan(decidedTotal, 40, "the config must decide many keywords, or this test proves little")

        // Where the config says nothing, fleet-audit keeps its own defaults (not ssh's: root, ask, no timeout).
        let elsewhere = Self.settings(OpenSSHSettingsDump.lines(for: inventory.hosts[12].connection))
        XCTAssertEqual(elsewhere["port"], ["22"])
        XCTAssertEqual(elsewhere["stricthostkeychecking"], ["true"])
        XCTAssertEqual(elsewhere["identityagent"], ["SSH_AUTH_SOCK"])
    }

    func testProxyJumpChainsCarryEachHopsOwnSettings() throws {
        let config = try writeConfig()
        let inventory = try Inventory.load(
            path: try directory.write(
                "hosts:\n  - {name: deep, address: 10.0.9.7}\n  - {name: via, address: 10.0.1.5}\n",
                to: "inventory.yaml"),
            sshConfig: .file(config))
        // `ProxyJump alice@bastion:2222,carol@outer-bastion`: each hop has its own user, port and settings; only the
        // first hop's own ProxyJump would apply (ssh reaches the later ones with -J), and bastion has none, so
        // outer-bastion's `ProxyJump inner-bastion` is not followed here.
        let deep = inventory.hosts[0].connection
        XCTAssertEqual(deep.jumps.map(\.name), ["alice@bastion:2222", "carol@outer-bastion"])
        XCTAssertEqual(deep.jumps.map(\.address), ["bastion.example.com", "outer-bastion"])
        XCTAssertEqual(deep.jumps.map(\.user), ["alice", "carol"])
        XCTAssertEqual(deep.jumps.map(\.port), [2222, 22])
        XCTAssertEqual(deep.jumps[0].authentication.identityFile, home + "/.ssh/bastion_alice")
        XCTAssertEqual(deep.jumps[1].hostKeyChecking, .acceptNew)
        XCTAssertEqual(deep.hostKeyChecking, .acceptNew)
        XCTAssertNil(deep.proxyCommand)
        let via = inventory.hosts[1].connection
        XCTAssertEqual(via.jumps.map(\.name), ["bastion"])
        XCTAssertEqual(via.jumps[0].user, "jump")
        XCTAssertEqual(via.jumps[0].port, 2200)
    }

    func testFirstHopsOwnProxyJumpComesFirst() throws {
        let config = try writeConfig()
        let inventory = try Inventory.load(
            path: try directory.write(
                "hosts:\n  - {name: behind, address: 10.1.0.1, proxy_jump: outer-bastion}\n", to: "inventory.yaml"),
            sshConfig: .file(config))
        // `ssh -J outer-bastion` runs `ssh outer-bastion -W ...`, whose own ProxyJump (inner-bastion) applies.
        let behind = inventory.hosts[0].connection
        XCTAssertEqual(behind.jumps.map(\.name), ["inner-bastion", "outer-bastion"])
        XCTAssertEqual(behind.jumps.map(\.address), ["192.0.2.10", "outer-bastion"])
        XCTAssertEqual(behind.jumps.map(\.user), ["hop", "outer"])
        let ssh = try openSSH(["-F", config, "outer-bastion"])
        XCTAssertEqual(ssh["proxyjump"], ["inner-bastion"])
    }
}
