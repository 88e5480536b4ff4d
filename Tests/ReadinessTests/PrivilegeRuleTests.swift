import FleetCore
import Foundation
import Readiness
import XCTest

/// A config file the login user could not read is evidence of the failure, never configuration. The section texts
/// are what collector.sh recorded on a lab host logged in as ec2-user (redis.conf 640 root:redis, /etc/redis 2770
/// redis:redis): `cat` refused, or the folder could not be entered.
final class PrivilegeRuleTests: XCTestCase {
    private func fixture(configText: String, exitCode: Int, skipped: String?, access: String) -> HostSnapshot {
        var snapshot = SnapshotFixture().snapshot
        var capture = ConfigFileCapture(
            path: "/etc/redis/redis.conf", text: configText, exitCode: exitCode, skipped: skipped)
        capture.refusedToLoginUser = true
        snapshot.instances[0].configFiles = [capture]
        snapshot.sections["access"] = CapturedSection(exitCode: 0, text: access)
        return snapshot
    }

    private func renamedCommands(_ snapshot: HostSnapshot) -> CheckResult? {
        Evaluator(target: .demo()).evaluate(
            snapshots: [snapshot], runID: "test", inventoryDigest: "sha256:x", startedAt: Date(), endedAt: nil
        ).check("source.renamed-commands")
    }

    func testAFailedReadIsNeverParsedAndTheCheckSaysToAddSudo() throws {
        // Even a failure message that happens to hold a directive is not read as one.
        let snapshot = fixture(
            configText: "cat: /etc/redis/redis.conf: Permission denied\nrename-command FLUSHALL \"\"\n", exitCode: 1,
            skipped: nil, access: "become none\ndenied config_file port=6379\nlogin user\n")
        let check = try XCTUnwrap(renamedCommands(snapshot))
        XCTAssertEqual(check.status, .unknown, check.summary)
        XCTAssertTrue(
            check.summary.contains("readable only by root/redis: add become: sudo, or grant read access"), check.summary
        )
        XCTAssertTrue(check.remediation?.contains("become: sudo") == true, check.remediation ?? "")
    }

    func testAFolderTheLoginUserMayNotEnterIsTheSameUnknown() throws {
        let snapshot = fixture(
            configText: "", exitCode: 0, skipped: "skipped: cannot look at it as the login user (Permission denied)",
            access: "become none\ndenied config_file port=6379\nlogin user\n")
        let check = try XCTUnwrap(renamedCommands(snapshot))
        XCTAssertEqual(check.status, .unknown)
        XCTAssertTrue(check.summary.contains("add become: sudo"), check.summary)
    }

    func testWhenSudoWasRefusedTheFixIsTheSudoersRule() throws {
        let snapshot = fixture(
            configText: "cat: /etc/redis/redis.conf: Permission denied\n", exitCode: 1, skipped: nil,
            access:
                "become sudo\ndenied config_file port=6379\nlogin user\nsudo-refused:password-required config_file port=6379\n"
        )
        let check = try XCTUnwrap(renamedCommands(snapshot))
        XCTAssertEqual(check.status, .unknown)
        XCTAssertTrue(check.summary.contains("sudo -n was refused: install the sudoers rule"), check.summary)
    }

    func testSecurityGroupsAllowingThePortDoNotPassWhileTheHostFirewallWasUnreadable() throws {
        var fixture = SnapshotFixture()
        fixture.firewall = "firewall rules not readable\n"
        var snapshot = fixture.snapshot
        snapshot.sections["firewall"] = CapturedSection(exitCode: 2, text: "firewall rules not readable\n")
        let verdict = { (snapshot: HostSnapshot) in
            Evaluator(target: .demo()).evaluate(
                snapshots: [snapshot], runID: "t", inventoryDigest: "sha256:x", startedAt: Date(), endedAt: nil
            ).check("network.security-group")
        }
        XCTAssertEqual(verdict(snapshot)?.status, .pass, "root on a host without iptables: nothing to read")
        snapshot.sections["access"] = CapturedSection(exitCode: 0, text: "become none\ndenied firewall\nlogin user\n")
        let check = try XCTUnwrap(verdict(snapshot))
        XCTAssertEqual(check.status, .unknown, check.summary)
        XCTAssertTrue(check.summary.contains("add become: sudo"), check.summary)
    }

    func testTheAccessNoteSaysWhatSudoWasNeededForAndWhatCouldNotBeRead() throws {
        let log = AccessLog(
            parsing: """
                become sudo
                login user
                sudo config_file port=6379
                sudo listening
                sudo-refused:password-required firewall
                sudo-refused:not-allowed server_status port=99999
                nonsense line <script>
                """)
        XCTAssertEqual(
            log.note,
            "read through sudo -n: config files of :6379, listening sockets' processes (ss -ltnp); not readable as the "
                + "login user: firewall rules (iptables -S / nft list ruleset) (sudo -n was refused (password-required): "
                + "install the sudoers rule of docs/collector.md, or grant read access)")
        XCTAssertNil(AccessLog(parsing: "login root\nbecome sudo\n").note, "root needs no sudo: nothing to say")
    }
}
