import FleetCore
import Foundation
import TestSupport
import XCTest

@testable import Collector

/// The run store on a real file system: atomic per-host files, an honest manifest, the `latest` link.
final class RunStoreTests: XCTestCase {
    private var root: TemporaryDirectory!

    override func setUpWithError() throws { root = try TemporaryDirectory(prefix: "fleet-audit-store") }
    override func tearDown() { root?.remove() }

    /// One host with a host section, an instance section and a config file: every kind of evidence file.
    private static func sampleSnapshot() -> HostSnapshot {
        // Whole seconds: the stored form is ISO 8601, which keeps no fractions.
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        var snapshot = HostSnapshot(host: HostIdentity(name: "cache-1", address: "10.0.0.1"), collectedAt: now)
        snapshot.sections[SectionName.meminfo.rawValue] = CapturedSection(exitCode: 0, text: "MemTotal: 1 kB")
        snapshot.instances = [
            InstanceSnapshot(
                port: 6379, origin: .both, sections: ["info": CapturedSection(exitCode: 0, text: "redis_version:7")],
                configFiles: [ConfigFileCapture(path: "/etc/redis/redis.conf", text: "port 6379\n")])
        ]
        return snapshot
    }

    private func manifest(for run: RunStore.Run, complete: Bool) -> RunManifest {
        RunManifest(
            schema: RunStore.manifestSchema, runID: run.id, toolVersion: "test", inventoryPath: "inv.yaml",
            inventoryDigest: "sha256:00", startedAt: Date(), endedAt: complete ? Date() : nil, complete: complete,
            hostKeysVerified: true, hosts: [])
    }

    func testAnInterruptedRunKeepsEveryRecordedHostAndSaysItIsIncomplete() throws {
        let store = RunStore(root: root.path)
        let run = try store.startRun()
        try run.writeManifest(manifest(for: run, complete: false))
        let snapshot = Self.sampleSnapshot()
        try run.record(snapshot)
        // The process "dies" here: no final manifest is written.

        let stored = try RunStore.load(runDirectory: root.path + "/latest")
        XCTAssertFalse(stored.manifest.complete)
        XCTAssertNil(stored.manifest.endedAt)
        XCTAssertEqual(stored.snapshots, [snapshot], "what was recorded survives, byte for byte")
        let evidence = try TarArchive.read(run.directory + "/evidence/cache-1.tar")
        XCTAssertEqual(evidence.contents["meminfo.txt"], "MemTotal: 1 kB")
        XCTAssertEqual(evidence.contents["6379-info.txt"], "redis_version:7")
        XCTAssertEqual(evidence.contents["6379-config-0.conf"], "port 6379\n")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: run.directory + "/hosts")
        XCTAssertEqual(leftovers, ["cache-1.json"], "atomic writes leave no temporary files")
    }

    func testAnInterruptedRunNamesThePlannedHostsWithoutASnapshot() throws {
        let store = RunStore(root: root.path)
        let run = try store.startRun()
        var started = manifest(for: run, complete: false)
        started.plannedHosts = ["cache-1", "cache-2", "cache-3"]
        try run.writeManifest(started)
        try run.record(HostSnapshot(host: HostIdentity(name: "cache-2", address: "10.0.0.2"), collectedAt: Date()))

        let completeness = try RunStore.load(runDirectory: run.directory).completeness
        XCTAssertFalse(completeness.complete)
        XCTAssertEqual(completeness.plannedHostCount, 3)
        XCTAssertEqual(completeness.missingHosts, ["cache-1", "cache-3"], "inventory order")
        XCTAssertEqual(
            completeness.warning,
            "INCOMPLETE RUN: 2 of 3 planned host(s) were not collected (interrupted or failed mid-collection): "
                + "cache-1, cache-3.")

        var finished = started
        finished.complete = true
        try run.writeManifest(finished)
        XCTAssertEqual(try RunStore.load(runDirectory: run.directory).completeness, .complete)
    }

    func testAManifestWrittenBeforePlannedHostsExistedStillLoads() throws {
        let run = try RunStore(root: root.path).startRun()
        let old = """
            {"complete": false, "hostKeysVerified": true, "hosts": [], "inventoryDigest": "sha256:00",
             "inventoryPath": "inv.yaml", "runID": "\(run.id)", "schema": "fleet-audit.run/1",
             "startedAt": "2026-11-25T04:19:00Z", "toolVersion": "0.1.0"}
            """
        try Data(old.utf8).write(to: URL(fileURLWithPath: run.directory + "/manifest.json"))
        let stored = try RunStore.load(runDirectory: run.directory)
        XCTAssertEqual(stored.manifest.plannedHosts, [])
        XCTAssertNil(stored.completeness.plannedHostCount)
        XCTAssertEqual(stored.completeness.missingHosts, [])
        XCTAssertTrue(stored.completeness.warning?.contains("which hosts are missing is unknown") == true)
    }

    func testLatestPointsAtTheNewestRunAndRunsInTheSameSecondDoNotCollide() throws {
        let store = RunStore(root: root.path)
        let when = Date(timeIntervalSince1970: 1_795_000_000)
        let first = try store.startRun(at: when)
        let second = try store.startRun(at: when)
        XCTAssertEqual(first.id, "20261118T110640Z")
        XCTAssertEqual(second.id, "20261118T110640Z-2")
        XCTAssertEqual(
            try FileManager.default.destinationOfSymbolicLink(atPath: root.path + "/latest"), "runs/" + second.id)
        try second.writeManifest(manifest(for: second, complete: true))
        XCTAssertEqual(try RunStore.load(runDirectory: root.path + "/latest").manifest.runID, second.id)
    }

    func testLoadingSomethingThatIsNotARunSaysWhichFileIsMissing() {
        XCTAssertThrowsError(try RunStore.load(runDirectory: root.path)) { error in
            XCTAssertTrue("\(error)".contains("manifest.json"), "\(error)")
        }
    }

    func testHostNamesThatAreNotSafeFileNamesStayInsideTheRunAndDoNotCollide() throws {
        let run = try RunStore(root: root.path).startRun()
        let names = ["../../escape", "prod/cache 1", "prod_cache_1", ".hidden", "cache-1.eu"]
        for name in names {
            try run.record(HostSnapshot(host: HostIdentity(name: name, address: "10.0.0.1"), collectedAt: Date()))
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: run.directory + "/hosts").sorted()
        XCTAssertEqual(files.count, names.count, "\(files)")
        XCTAssertTrue(files.contains("cache-1.eu.json"), "safe names are kept as they are")
        XCTAssertTrue(files.contains("prod_cache_1.json"))
        XCTAssertTrue(files.allSatisfy { !$0.hasPrefix(".") && !$0.contains("/") }, "\(files)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.path + "/runs/escape.json"))
        try run.writeManifest(manifest(for: run, complete: true))
        let loaded = try RunStore.load(runDirectory: run.directory)
        XCTAssertEqual(Set(loaded.snapshots.map(\.host.name)), Set(names), "names come from the JSON, not the file")
    }

    /// Evidence holds what hosts hold: private from the moment it exists, whatever the umask.
    func testEveryRunFileIs0600AndEveryDirectory0700EvenUnderAPermissiveUmask() throws {
        try assertEveryRunFileIsPrivate(underUmask: 0)
    }

    /// A umask that takes the owner's bits (0277: files would be 0400, directories 0500) is overridden too.
    func testEveryRunFileIs0600AndEveryDirectory0700EvenUnderARestrictiveUmask() throws {
        try assertEveryRunFileIsPrivate(underUmask: 0o277)
    }

    private func assertEveryRunFileIsPrivate(underUmask mask: mode_t) throws {
        let previous = umask(mask)
        defer { umask(previous) }
        let run = try RunStore(root: root.path + "/reports").startRun()
        try run.record(Self.sampleSnapshot())
        try run.writeManifest(manifest(for: run, complete: true))
        let runs = root.path + "/reports/runs"
        let walker = try XCTUnwrap(FileManager.default.enumerator(atPath: runs))
        var checked = 0
        for case let relative as String in walker {
            let attributes = try FileManager.default.attributesOfItem(atPath: runs + "/" + relative)
            let mode = (attributes[.posixPermissions] as? Int ?? -1) & 0o777
            let isDirectory = attributes[.type] as? FileAttributeType == .typeDirectory
            XCTAssertEqual(mode, isDirectory ? 0o700 : 0o600, relative)
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 6, "hosts/, evidence/, the files and the manifest were all checked")
    }

    /// A host's evidence is one archive any `tar` reads: every section whole under its own name, in name order,
    /// private (0600, owner 0) and dated at the host's collection; nothing temporary is left beside it.
    func testAHostsEvidenceIsOneArchiveThatTarReads() throws {
        let run = try RunStore(root: root.path).startRun()
        var snapshot = Self.sampleSnapshot()
        snapshot.sections[SectionName.hostname.rawValue] = CapturedSection(exitCode: 0, text: "cache-1\n")
        snapshot.unexpectedSections = [UnexpectedSection(name: "x", reason: "test", text: "forged", truncated: false)]
        // A section of exactly one block and one of none: the padding rules' edge cases.
        snapshot.instances[0].sections["client_list"] = CapturedSection(
            exitCode: 0, text: String(repeating: "c", count: 512))
        snapshot.instances[0].sections["module_list"] = CapturedSection(exitCode: 0, text: "")
        try run.record(snapshot)
        let evidence = run.directory + "/evidence"
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: evidence), ["cache-1.tar"])
        let archive = try TarArchive.read(evidence + "/cache-1.tar")
        XCTAssertEqual(
            archive.names,
            [
                "hostname.txt", "meminfo.txt", "6379-client_list.txt", "6379-info.txt", "6379-module_list.txt",
                "6379-config-0.conf", "unexpected-0.txt",
            ])
        XCTAssertEqual(archive.contents["6379-config-0.conf"], "port 6379\n")
        XCTAssertEqual(archive.contents["6379-info.txt"], "redis_version:7")
        XCTAssertEqual(archive.contents["6379-client_list.txt"], String(repeating: "c", count: 512))
        XCTAssertEqual(archive.contents["6379-module_list.txt"], "")
        XCTAssertEqual(archive.contents["hostname.txt"], "cache-1\n")
        XCTAssertEqual(archive.contents["unexpected-0.txt"], "forged")
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        let collected = formatter.string(from: snapshot.collectedAt)
        for line in archive.listing.split(separator: "\n") {
            XCTAssertTrue(line.hasPrefix("-rw------- 0/0 "), String(line))
            XCTAssertTrue(line.contains(collected), "\(line) is dated \(collected)")
        }
        // The same snapshot makes the same bytes (sections are dictionaries: their order is fixed by name).
        let first = FileManager.default.contents(atPath: evidence + "/cache-1.tar")
        try run.record(snapshot)
        XCTAssertEqual(FileManager.default.contents(atPath: evidence + "/cache-1.tar"), first)
    }

    /// A snapshot listing one port twice (hand-edited, or a host that lied) names a member twice: the archive keeps
    /// it once, with the last text, as extracting both copies would leave.
    func testAMemberNamedTwiceIsStoredOnceWithItsLastText() throws {
        let run = try RunStore(root: root.path).startRun()
        var snapshot = Self.sampleSnapshot()
        snapshot.instances.append(
            InstanceSnapshot(
                port: 6379, origin: .both, sections: ["info": CapturedSection(exitCode: 0, text: "redis_version:8")]))
        try run.record(snapshot)
        let archive = try TarArchive.read(run.directory + "/evidence/cache-1.tar")
        XCTAssertEqual(archive.names, ["meminfo.txt", "6379-config-0.conf", "6379-info.txt"])
        XCTAssertEqual(archive.contents["6379-info.txt"], "redis_version:8")
    }

    /// The same host recorded again replaces its archive, atomically: no member of the earlier one is left.
    func testRecordingAHostAgainReplacesItsEvidenceArchive() throws {
        let run = try RunStore(root: root.path).startRun()
        var first = Self.sampleSnapshot()
        first.sections[SectionName.hostname.rawValue] = CapturedSection(exitCode: 0, text: "cache-1")
        try run.record(first)
        var again = Self.sampleSnapshot()
        again.sections[SectionName.meminfo.rawValue] = CapturedSection(exitCode: 0, text: "MemTotal: 2 kB")
        try run.record(again)
        let evidence = run.directory + "/evidence"
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: evidence), ["cache-1.tar"])
        let archive = try TarArchive.read(evidence + "/cache-1.tar")
        XCTAssertEqual(archive.contents["meminfo.txt"], "MemTotal: 2 kB")
        XCTAssertEqual(archive.names, ["meminfo.txt", "6379-info.txt", "6379-config-0.conf"])
    }

    /// A snapshot whose keys did not come from the collector (a hand-edited or old file) still names no path.
    func testOnlyValidatedPartsNameEvidenceFiles() throws {
        let run = try RunStore(root: root.path).startRun()
        var snapshot = HostSnapshot(
            host: HostIdentity(name: "../../escape", address: "10.0.0.1"), collectedAt: Date())
        snapshot.sections["../../../../\(root.path)/outside"] = CapturedSection(exitCode: 0, text: "x")
        snapshot.sections[".."] = CapturedSection(exitCode: 0, text: "x")
        snapshot.instances = [
            InstanceSnapshot(
                port: 6379, origin: .both, sections: ["../../x": CapturedSection(exitCode: 0, text: "x")])
        ]
        snapshot.unexpectedSections = [UnexpectedSection(name: "../../y", reason: "test", text: "y", truncated: false)]
        try run.record(snapshot)
        let everything = try XCTUnwrap(FileManager.default.subpathsOfDirectory(atPath: root.path))
        XCTAssertFalse(everything.contains { $0.hasSuffix("outside") || $0.hasSuffix("/x.txt") })
        let evidence = try FileManager.default.contentsOfDirectory(atPath: run.directory + "/evidence")
        XCTAssertEqual(evidence.count, 1)
        XCTAssertFalse(evidence[0].contains("/"))
        XCTAssertTrue(evidence[0].hasPrefix("_"), "an unsafe host name becomes a safe component: \(evidence[0])")
        XCTAssertTrue(evidence[0].hasSuffix(".tar"))
        XCTAssertEqual(try TarArchive.read(run.directory + "/evidence/" + evidence[0]).names, ["unexpected-0.txt"])
    }
}
