import FleetCore
import Foundation
import XCTest

@testable import Readiness

/// A read that failed is evidence of the failure, never content: for every section kind a rule reads, the same
/// fixture passes the check when the read succeeded and is not a pass when that one read failed, either with a
/// non-zero exit status (what a shell tool prints then) or with an error reply that redis-cli printed with exit 0.
final class FailedReadTests: XCTestCase {
    private struct Case {
        let section: String
        let check: CheckID
        /// The failed read: its exit status and what it printed.
        let exitCode: Int
        let text: String
        /// Changes to the fixture that make this section the only evidence for the check.
        var prepare: (inout SnapshotFixture) -> Void = { _ in }
    }

    private let noConfig: (inout SnapshotFixture) -> Void = {
        $0.configGet = "ERR unknown command 'CONFIG', with args beginning with: 'GET' '*' \n"
    }

    private var cases: [Case] {
        [
            Case(
                section: "info", check: "source.version", exitCode: 0,
                text: "NOPERM this user has no permissions to run the 'info' command\n"),
            Case(
                section: "info", check: "source.bgsave", exitCode: 0,
                text: "LOADING Redis is loading the dataset in memory\n"),
            Case(
                section: "config_get", check: "source.protected-mode", exitCode: 0,
                text: "NOPERM this user has no permissions to run the 'config|get' command\n",
                prepare: {
                    $0.configFile = nil; $0.commandLine = "from title\nredis-server *:6379\n"
                }),
            Case(
                section: "client_list", check: "info.clients", exitCode: 0,
                text: "NOPERM this user has no permissions to run the 'client|list' command\n"),
            Case(
                section: "module_list", check: "source.modules", exitCode: 0,
                text: "NOPERM this user has no permissions to run the 'module|list' command\n"),
            Case(
                section: "acl_list", check: "source.auth", exitCode: 0,
                text: "NOPERM this user has no permissions to run the 'acl|list' command\n"),
            Case(
                section: "command_line", check: "source.protected-mode", exitCode: 1,
                text: "from parent\n/usr/bin/redis-server\n/etc/redis/redis.conf\n--protected-mode\nno\n",
                prepare: {
                    self.noConfig(&$0); $0.configFile = "protected-mode no\n"
                }),
            Case(
                section: "command_table", check: "source.renamed-commands", exitCode: 0,
                text: "ERR unknown command 'COMMAND', with args beginning with: \n",
                prepare: {
                    self.noConfig(&$0)
                    $0.configFile = nil
                    $0.commandTable = RealOutput.read("redis-7.0.15/command-table.txt")
                }),
            Case(
                section: "disk_free", check: "source.disk-space", exitCode: 1,
                text:
                    "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda 100000000 1000 90000000 1% /\n",
                prepare: {
                    $0.configGet = RealOutput.configGet([
                        "protected-mode": "no", "bind": "* -::*", "repl-diskless-sync": "no",
                    ])
                }),
            Case(
                section: "meminfo", check: "source.memory-headroom", exitCode: 1,
                text: "MemTotal:       16000000 kB\nMemAvailable:   12000000 kB\n"),
            Case(section: "loadavg", check: "source.cpu-headroom", exitCode: 1, text: "0.20 0.30 0.40 1/300 4242\n"),
            Case(section: "cpu_count", check: "source.cpu-headroom", exitCode: 1, text: "4\n"),
            Case(section: "thp", check: "source.thp", exitCode: 1, text: "always madvise [never]\n"),
            Case(section: "overcommit_memory", check: "source.overcommit", exitCode: 1, text: "1\n"),
            Case(section: "processes", check: "source.sentinel", exitCode: 1, text: "  1 /sbin/init\n"),
        ]
    }

    func testEverySectionKindThatFailedIsNeverContent() throws {
        for testCase in cases {
            var fixture = SnapshotFixture()
            testCase.prepare(&fixture)
            let baseline = fixture.snapshot
            XCTAssertEqual(
                check(testCase.check, in: baseline)?.status, .pass,
                "\(testCase.section): the fixture passes \(testCase.check) when the read succeeded")

            var failed = baseline
            let section = CapturedSection(exitCode: testCase.exitCode, text: testCase.text)
            if SectionName(rawValue: testCase.section)?.scope == .host {
                failed.sections[testCase.section] = section
            } else {
                failed.instances[0].sections[testCase.section] = section
            }
            let result = check(testCase.check, in: failed)
            XCTAssertNotEqual(result?.status, .pass, "\(testCase.section) failed, yet \(testCase.check) passed")
            XCTAssertNotNil(result, testCase.check.rawValue)
        }
    }

    func testAnErrorReplyIsAFailureAndAnEmptyReplyIsNot() {
        XCTAssertEqual(
            CapturedSection(exitCode: 0, text: "NOPERM this user has no permissions\n").failure,
            "NOPERM this user has no permissions")
        XCTAssertEqual(CapturedSection(exitCode: 2, text: "").failure, "exit status 2")
        XCTAssertNil(CapturedSection(exitCode: 0, text: "").failure, "MODULE LIST with no module prints nothing")
        XCTAssertNil(CapturedSection(exitCode: 0, text: "# Server\r\nredis_version:7.0.15\r\n").failure)
        XCTAssertNotNil(CapturedSection(exitCode: nil, text: "half a section").failure, "no END frame")
    }

    private func check(_ id: CheckID, in snapshot: HostSnapshot) -> CheckResult? {
        let verdict = Evaluator(target: .demo(), waivers: Waivers(), now: Date(timeIntervalSince1970: 1_790_000_000))
            .evaluate(snapshots: [snapshot], runID: "t", inventoryDigest: "x", startedAt: Date(), endedAt: nil)
        return verdict.hosts.first?.instances.first?.checks.first { $0.id == id }
    }
}
