import Foundation
import LabKit
import TestSupport
import XCTest

/// The bastion topology (inventory/lab/bastion.yaml): private hosts the root namespace cannot route to, reached
/// through the bastion with ProxyJump or a ProxyCommand.
final class LabBastionTests: XCTestCase {
    func testPrivateHostsAnswerOnlyThroughTheBastionAndTheAuditReachesThem() throws {
        let lab = try TestLab(scenario: "bastion.yaml", prefix: "fb")
        defer { lab.remove() }
        XCTAssertEqual(lab.upResult.exitCode, 0, lab.upResult.stdout + lab.upResult.stderr)
        let out = lab.out
        let bastion = "10.\(lab.second).\(lab.third).11"
        // The private subnet is the /24 after the lab's (Addressing.privateNetwork).
        let privateSubnet = lab.third < 255 ? "10.\(lab.second).\(lab.third + 1)" : "10.\(lab.second + 1).0"
        let (first, second) = ("\(privateSubnet).12", "\(privateSubnet).13")

        // From the root namespace (the auditor's) the private hosts are unreachable; from the bastion, they answer.
        for address in [first, second] {
            let direct = try ProcessRunner.run("/usr/bin/nc", ["-z", "-w", "2", address, "22"], timeout: 10)
            XCTAssertNotEqual(direct.exitCode, 0, "\(address) must not be reachable from the root namespace")
            let route =
                try ProcessRunner.run("/usr/sbin/ip", ["route", "get", address]).stdout
                + (try ProcessRunner.run("/usr/sbin/ip", ["route", "get", address]).stderr)
            XCTAssertFalse(route.contains(lab.prefix), "no route through the lab's links: \(route)")
            let viaBastion = try ProcessRunner.run(
                "/usr/sbin/ip", ["netns", "exec", "\(lab.prefix)-0", "nc", "-z", "-w", "2", address, "22"], timeout: 10)
            XCTAssertEqual(viaBastion.exitCode, 0, "\(address) answers from the bastion")
        }
        // OpenSSH itself gets through both routes the inventory names.
        let options = ["-o", "BatchMode=yes", "-o", "UserKnownHostsFile=\(out)/known_hosts", "-i", "\(out)/id_ed25519"]
        let jump = try ProcessRunner.run(
            "/usr/bin/ssh",
            options + [
                "-o", "ProxyCommand=ssh \(options.joined(separator: " ")) -W %h:%p root@\(bastion)", "root@\(first)",
                "hostname",
            ],
            timeout: 30)
        XCTAssertEqual(jump.stdout, "rw-private\n", jump.stderr)
        let command = try ProcessRunner.run(
            "/usr/bin/ssh",
            options + ["-o", "ProxyCommand=ip netns exec \(lab.prefix)-0 nc %h %p", "root@\(second)", "hostname"],
            timeout: 30)
        XCTAssertEqual(command.stdout, "rw-private-command\n", command.stderr)
        let inventory = try String(contentsOfFile: out + "/inventory.yaml", encoding: .utf8)
        XCTAssertTrue(inventory.contains("proxy_jump: root@\(bastion):22"), inventory)
        XCTAssertTrue(inventory.contains("proxy_command: \"ip netns exec \(lab.prefix)-0 nc %h %p\""), inventory)

        // The audit reaches both private hosts through the routes the inventory names (needs the inventory's
        // proxy_jump/proxy_command parsing and the engine's ProxyJump, issue 11's other parts).
        let reports = lab.directory.file("reports")
        let collect = try ProcessRunner.run(
            BuiltProducts.path(of: "fleet-audit"), ["collect", "-i", out + "/inventory.yaml", "--out", reports],
            timeout: 120)
        XCTAssertEqual(collect.exitCode, 0, collect.stdout + collect.stderr)
        for name in ["rw-private", "rw-private-command"] {
            let stored = try? String(contentsOfFile: reports + "/latest/hosts/\(name).json", encoding: .utf8)
            XCTAssertTrue(stored?.contains("\"hostname\"") == true, "\(name) collected: \(stored ?? "no snapshot")")
            XCTAssertFalse(stored?.contains("\"failure\"") ?? true, "\(name) reached")
        }
    }
}
