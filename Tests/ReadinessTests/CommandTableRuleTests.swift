import FleetCore
import Foundation
import RedisFacts
import XCTest

@testable import Readiness

/// source.renamed-commands from the server's own command table (Fixtures/redis-7.0.15/command-table.txt: the
/// collector's reduction of a real Redis 7.0.15 `COMMAND` reply), changed the way `rename-command` changes a real
/// server (measured by HiddenConfigCollectorTests): a disabled command leaves the table, a renamed one stays listed
/// under its original name, and both no longer resolve by name (`COMMAND INFO`).
final class CommandTableRuleTests: XCTestCase {
    private let table = RealOutput.read("redis-7.0.15/command-table.txt")

    private func fixture(renaming renamed: [String] = [], disabling disabled: [String] = []) -> SnapshotFixture {
        var fixture = SnapshotFixture()
        fixture.configGet = "ERR unknown command 'CONFIG', with args beginning with: 'GET' '*' \n"
        fixture.configFile = nil
        fixture.commandTable =
            table.split(separator: "\n").filter { !disabled.contains(String($0.split(separator: " ")[0])) }
            .joined(separator: "\n") + "\n"
        fixture.commandLookup =
            RedisCommandCatalogue.lookedUpNames.map { name in
                let known = table.split(separator: "\n").contains { $0.split(separator: " ")[0] == name }
                return "\(name) \(known && !renamed.contains(name) && !disabled.contains(name) ? "yes" : "no")"
            }.joined(separator: "\n") + "\n"
        return fixture
    }

    private func check(_ fixture: SnapshotFixture) -> CheckResult? {
        evaluate(fixture).check("source.renamed-commands")
    }

    /// One evaluation parses each distinct table once and gives every host the result its own text gives: hosts with
    /// the same table, one without `flushall`, one whose table is an error reply, in one run.
    func testHostsOfOneRunEachGetTheirOwnTable() {
        var snapshots: [HostSnapshot] = []
        for (index, fixture) in [fixture(), fixture(disabling: ["flushall"]), fixture(), fixture()].enumerated() {
            var snapshot = fixture.snapshot
            snapshot.host.name = "cache-\(index)"
            snapshots.append(snapshot)
        }
        var broken = fixture().snapshot
        broken.host.name = "cache-broken"
        broken.instances[0].sections[SectionName.commandTable.rawValue] = CapturedSection(
            exitCode: 0, text: "ERR unknown command 'COMMAND'\n")
        snapshots.append(broken)
        let verdict = Evaluator(target: .demo(), now: Date(timeIntervalSince1970: 1_790_000_000)).evaluate(
            snapshots: snapshots, runID: "test", inventoryDigest: "sha256:x", startedAt: Date(timeIntervalSince1970: 0),
            endedAt: nil)
        func check(_ name: String) -> CheckResult? {
            let host = verdict.hosts.first { $0.host.name == name }
            return host?.instances.first?.checks.first { $0.id == "source.renamed-commands" }
        }
        for name in ["cache-0", "cache-2", "cache-3"] {
            XCTAssertEqual(check(name)?.status, .pass, name)
            XCTAssertEqual(check(name)?.evidence.first?.observed, "240 commands", name)
        }
        XCTAssertEqual(check("cache-1")?.status, .fail)
        XCTAssertEqual(check("cache-1")?.evidence.first?.observed, "239 commands")
        // No table: the config file decides, and this fixture has none.
        XCTAssertEqual(check("cache-broken")?.status, .unknown)

        var cache = CommandTableCache()
        XCTAssertEqual(cache.table(parsing: table), CommandTable(parsing: table))
        XCTAssertEqual(cache.table(parsing: table), CommandTable(parsing: table))
        XCTAssertNil(cache.table(parsing: "ERR unknown command\n"))
        XCTAssertNil(cache.table(parsing: "ERR unknown command\n"))
        XCTAssertEqual(cache.count, 2)
        for index in 0..<(CommandTableCache.capacity + 5) { _ = cache.table(parsing: table + "x\(index) write\n") }
        XCTAssertEqual(cache.count, CommandTableCache.capacity)
        XCTAssertEqual(cache.table(parsing: table + "y write\n")?.renamed.count, 1)
    }

    func testAnUntouchedTablePassesWithoutTheConfigFile() {
        XCTAssertEqual(CommandTable(parsing: table)?.flags.count, 240)
        let result = check(fixture())
        XCTAssertEqual(result?.status, .pass, result?.summary ?? "")
        XCTAssertEqual(result?.evidence.first?.observed, "240 commands")
    }

    func testADisabledWriteCommandFailsWhateverTheConfigFileSays() {
        var disabled = fixture(disabling: ["flushall"])
        disabled.configFile = "port 6379\n"
        let result = check(disabled)
        XCTAssertEqual(result?.status, .fail)
        XCTAssertTrue(result?.summary.contains("FLUSHALL") == true, result?.summary ?? "")
        // Without the lookup, the table alone still shows the disabled command.
        disabled.commandLookup = nil
        XCTAssertEqual(check(disabled)?.status, .fail)
    }

    func testARenamedMigrateIsAWriteCommandAndFails() {
        let result = check(fixture(renaming: ["migrate"]))
        XCTAssertEqual(result?.status, .fail, "MIGRATE is flagged write")
        XCTAssertTrue(result?.summary.contains("MIGRATE") == true, result?.summary ?? "")
    }

    func testRenamedAdministrativeCommandsWarn() {
        let result = check(fixture(renaming: ["config"], disabling: ["keys", "debug"]))
        XCTAssertEqual(result?.status, .warn, result?.summary ?? "")
        XCTAssertTrue(result?.summary.contains("CONFIG") == true, result?.summary ?? "")
        XCTAssertTrue(result?.summary.contains("KEYS") == true)
    }

    func testAFailedCommandReplyIsNotAnEmptyTable() {
        XCTAssertNil(CommandTable(parsing: "ERR unknown command 'COMMAND', with args beginning with: \n"))
        XCTAssertNil(CommandTable(parsing: ""))
        // Without a table and without redis.conf the renames cannot be seen.
        var failed = fixture()
        failed.commandTable = "ERR unknown command 'COMMAND'\n"
        failed.commandLookup = "ERR unknown command 'COMMAND'\n"
        XCTAssertEqual(check(failed)?.status, .unknown)
    }

    static let releases = [
        "redis-2.8.17", "redis-3.2.6", "redis-4.0.14", "redis-5.0.14", "redis-6.0.20", "redis-6.2.14", "redis-7.0.15",
        "redis-7.2.6", "redis-7.4.1", "valkey-7.2.7", "valkey-8.0.1", "valkey-8.1.1", "valkey-9.1.2",
    ]

    /// Every real release, untouched, passes: the catalogue's `since` of each command matches what the release
    /// has, and no command of it looks renamed.
    func testEveryRealReleaseUntouchedPasses() throws {
        for release in Self.releases {
            let text = RealOutput.read("\(release)/command-table.txt")
            let table = try XCTUnwrap(CommandTable(parsing: text), release)
            XCTAssertEqual(table.renamed.count, 0, "\(release): every name is a release's")
            XCTAssertEqual(
                table.flags.count,
                Int(RealOutput.read("\(release)/command-count.txt").trimmingCharacters(in: .whitespacesAndNewlines)),
                release)
            var fixture = SnapshotFixture()
            fixture.info = RealOutput.read("\(release)/info-all.txt")
            fixture.commandTable = text
            let result = evaluate(fixture).check("source.renamed-commands")
            XCTAssertEqual(result?.status, .pass, "\(release): \(result?.summary ?? "")")
        }
    }

    func testOlderReleasesAreJudgedByWhatTheyHave() {
        // Redis 2.8.17 has no UNLINK, GETDEL or XADD: their absence is not a rename.
        var fixture = SnapshotFixture()
        fixture.info = RealOutput.read("redis-2.8.17/info-all.txt")
        fixture.commandTable = RealOutput.read("redis-2.8.17/command-table.txt")
        XCTAssertEqual(evaluate(fixture).check("source.renamed-commands")?.status, .pass)
        fixture.info = RealOutput.read("valkey-9.1.2/info-all.txt")
        fixture.commandTable = RealOutput.read("valkey-9.1.2/command-table.txt")
        XCTAssertEqual(evaluate(fixture).check("source.renamed-commands")?.status, .pass, "Valkey 9.1.2 untouched")
        fixture.commandTable = RealOutput.read("redis-7.0.15/command-table.txt")
        XCTAssertEqual(
            evaluate(fixture).check("source.renamed-commands")?.status, .fail,
            "a Valkey 9.1.2 without DELIFEQ and MSETEX had them renamed")
    }

    func testRenamedNamesAreRedactedFromTheSection() {
        let raw = "set write denyoom\nmy-secret-config admin noscript\n"
        let redacted = SecretRedaction.redact(raw, section: SectionName.commandTable.rawValue, knownSecrets: [])
        XCTAssertFalse(redacted.contains("my-secret-config"))
        XCTAssertTrue(redacted.contains("<redacted> admin noscript"))
        XCTAssertTrue(redacted.contains("set write denyoom"))
    }
}
