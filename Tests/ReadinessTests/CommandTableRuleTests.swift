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
