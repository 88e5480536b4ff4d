import AuditPipeline
import Collector
import FleetCore
import FleetEngine
import Foundation
import Inventory
import Readiness
import Reports
import Synchronization
import TestSupport
import XCTest

/// The pipeline as a library, on real parts: a real sshd, a real redis-server, the real engine and collector, the
/// shipped example target. Each test checks how the outcome's problems are classified and the status they make.
final class AuditPipelineTests: XCTestCase {
    private var server: SSHServer!
    private var redis: RedisServer!
    private var reports: TemporaryDirectory!

    override func setUpWithError() throws {
        server = try SSHServer()
        redis = try RedisServer()
        reports = try TemporaryDirectory(prefix: "fpl-pipeline")
    }

    override func tearDown() {
        redis?.stop()
        server?.stop()
        reports?.remove()
    }

    /// What the pipeline said, in order, per stream.
    private final class Captured: Sendable {
        let lines = Mutex<(output: [String], error: [String])>(([], []))
        var console: Console {
            Console(
                output: { text in self.lines.withLock { $0.output.append(text) } },
                error: { text in self.lines.withLock { $0.error.append(text) } })
        }
        var output: [String] { lines.withLock { $0.output } }
        var error: [String] { lines.withLock { $0.error } }
    }

    private func pipeline(_ captured: Captured) throws -> AuditPipeline {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let target = try Target.load(path: root + "/inventory/target.example.yaml")
        return AuditPipeline(
            targets: [target], waivers: Waivers(), reporters: [Reporters.named("json")].compactMap { $0 },
            console: captured.console)
    }

    /// `cache-1` answers; `cache-2` is on a port nothing listens on.
    private func inventory(password: String? = nil) throws -> Inventory {
        let closed = try FreePort.next()
        let reference = password == nil ? "" : ", password_env: FPL_PIPELINE_PASSWORD"
        let yaml =
            server.inventoryDefaults() + """
                hosts:
                  - {name: cache-1, address: 127.0.0.1, redis: [{port: \(redis.port)\(reference)}]}
                  - {name: cache-2, address: 127.0.0.1, port: \(closed), redis: [{port: 6379}]}
                """
        return try Inventory.parse(yaml, file: "inventory.yaml", baseDirectory: "/")
    }

    private func collector(root: String) throws -> Collector {
        let engine = try FleetEngine(configuration: .init(concurrency: 4, agentSocketPath: nil, environment: [:]))
        return Collector(executor: engine, store: RunStore(root: root))
    }

    /// The inventory collected into the reports root, read back as `report --run` reads it.
    private func storedRun() async throws -> StoredRun {
        let inventory = try inventory()
        let collected = try await collector(root: reports.path).collect(inventory: inventory, hosts: inventory.hosts)
        return try RunStore.load(runDirectory: collected.run.directory)
    }

    func testAFleetWithAnUnreachableHostIsFindingsOnlyAndFailOnDecides() async throws {
        let captured = Captured()
        let inventory = try inventory()
        let outcome = await try pipeline(captured).audit(
            with: collector(root: reports.path), inventory: inventory, hosts: inventory.hosts, root: reports.path)

        let verdict = try XCTUnwrap(outcome.verdict, "the pipeline evaluated the run")
        XCTAssertEqual(outcome.problems(.input), [])
        XCTAssertEqual(outcome.problems(.environment), [], "errors: \(captured.error)")
        // One finding per host that is not ready, carrying its status; cache-2 never answered.
        let notReady = verdict.hosts.filter { $0.status != .ready }
        XCTAssertEqual(outcome.problems(.findings).map(\.status), notReady.map(\.status))
        XCTAssertTrue(outcome.problems.contains(.finding(.unreachable, "cache-2: unreachable")))
        XCTAssertEqual(ExitStatus.of(outcome, failOn: .blocked), ExitStatus.findings)
        XCTAssertEqual(ExitStatus.of(outcome, failOn: .warnings), ExitStatus.findings)
        XCTAssertEqual(ExitStatus.of(outcome, failOn: .never), ExitStatus.success)
        // Collected, evaluated, reported, recorded: in that order on standard output.
        XCTAssertEqual(outcome.reportFiles.count, 1)
        XCTAssertTrue(FileManager.default.fileExists(atPath: try XCTUnwrap(outcome.reportFiles.first)))
        let said = captured.output.joined()
        let reportsLine = try XCTUnwrap(said.range(of: "Reports: "), said)
        let historyLine = try XCTUnwrap(said.range(of: "History: run \(verdict.runID) recorded in "), said)
        XCTAssertLessThan(reportsLine.lowerBound, historyLine.lowerBound)
        XCTAssertTrue(FileManager.default.fileExists(atPath: reports.path + "/history.sqlite"))
    }

    func testAPasswordThatCannotBeReadIsAnInputProblemAndNothingRuns() async throws {
        let captured = Captured()
        let inventory = try inventory(password: "unused")
        let outcome = await try pipeline(captured).audit(
            with: collector(root: reports.path), inventory: inventory, hosts: inventory.hosts, root: reports.path)

        XCTAssertNil(outcome.verdict)
        XCTAssertEqual(outcome.problems.map(\.kind), [.input])
        XCTAssertEqual(captured.error, ["fleet-audit: " + (outcome.problems.first?.message ?? "none")])
        XCTAssertTrue(captured.error.first?.contains("FPL_PIPELINE_PASSWORD") == true, "\(captured.error)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: reports.path + "/runs"), "no run was started")
        for failOn in FailOn.allCases { XCTAssertEqual(ExitStatus.of(outcome, failOn: failOn), 2) }
    }

    /// The run directory cannot be created (a file holds the reports root's name): an environment problem, exit 3.
    func testARunDirectoryThatCannotBeCreatedIsAnEnvironmentProblem() async throws {
        let captured = Captured()
        let root = try reports.write("not a directory\n", to: "root")
        let inventory = try inventory()
        let outcome = await try pipeline(captured).audit(
            with: collector(root: root), inventory: inventory, hosts: inventory.hosts, root: root)

        XCTAssertNil(outcome.verdict)
        XCTAssertEqual(outcome.problems.map(\.kind), [.environment])
        XCTAssertTrue(captured.error.first?.contains(root + "/runs") == true, "\(captured.error)")
        for failOn in FailOn.allCases { XCTAssertEqual(ExitStatus.of(outcome, failOn: failOn), 3) }
    }

    /// A history that cannot be opened never loses the reports: they are written, and the outcome holds an
    /// environment problem beside the findings, which makes the status 3 whatever `--fail-on` says.
    func testAHistoryThatCannotBeOpenedKeepsTheReportsAndIsAnEnvironmentProblem() async throws {
        let captured = Captured()
        let run = try await storedRun()
        // A directory where the history database would be.
        try FileManager.default.createDirectory(
            atPath: reports.path + "/history.sqlite", withIntermediateDirectories: false)

        let outcome = try pipeline(captured).report(run, historyRoot: reports.path)

        XCTAssertNotNil(outcome.verdict)
        XCTAssertEqual(outcome.reportFiles.count, 1)
        XCTAssertEqual(outcome.problems(.environment).count, 1, "\(outcome.problems)")
        XCTAssertTrue(outcome.problems(.environment).first?.message.hasPrefix("history: ") == true)
        XCTAssertFalse(outcome.problems(.findings).isEmpty)
        for failOn in FailOn.allCases { XCTAssertEqual(ExitStatus.of(outcome, failOn: failOn), 3) }
    }

    /// Reports that cannot be written: an environment problem, and nothing is recorded.
    func testReportsThatCannotBeWrittenAreAnEnvironmentProblemAndNothingIsRecorded() async throws {
        let captured = Captured()
        var run = try await storedRun()
        run.directory = try reports.write("a file\n", to: "not-a-run-directory")

        let outcome = try pipeline(captured).report(run, historyRoot: reports.path)

        XCTAssertEqual(outcome.problems.map(\.kind), [.environment])
        XCTAssertEqual(outcome.reportFiles, [])
        XCTAssertFalse(captured.output.joined().contains("History: run"), captured.output.joined())
        XCTAssertEqual(ExitStatus.of(outcome, failOn: .never), 3)
    }
}
