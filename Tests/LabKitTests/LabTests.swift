import Collector
import FleetCore
import Foundation
import Inventory
import LabKit
import RedisFacts
import TestSupport
import XCTest
import YAMLInput

final class ScenarioTests: XCTestCase {
    func testTheShippedDemoScenarioCoversEveryStatus() throws {
        let scenario = try Scenario.load(path: LabTests.repository + "/inventory/lab/demo.yaml")
        XCTAssertGreaterThanOrEqual(scenario.hosts.count, 12)
        XCTAssertEqual(
            Set(scenario.hosts.compactMap(\.expectedStatus)), ["ready", "warnings", "review", "blocked", "unreachable"])
        XCTAssertTrue(scenario.hosts.contains { $0.redis.count >= 2 })
        XCTAssertTrue(scenario.hosts.contains { !$0.metadata })
        XCTAssertTrue(scenario.hosts.contains { $0.vpcID != scenario.vpcID })
    }

    func testTheRealWorldAndBastionScenariosSayWhoLogsInAndHowPrivateHostsAreReached() throws {
        let realWorld = try Scenario.load(path: LabTests.repository + "/inventory/lab/real-world.yaml")
        let sudo = try XCTUnwrap(realWorld.hosts.first { $0.name == "rw-sudo" })
        XCTAssertEqual(sudo.loginUser, "ec2-user")
        XCTAssertEqual(sudo.sudo, .rule)
        XCTAssertEqual(sudo.inventoryBecome, .sudo)
        XCTAssertEqual(realWorld.hosts.first { $0.name == "rw-refused" }?.inventoryBecome, .sudo)
        XCTAssertEqual(realWorld.hosts.first { $0.name == "rw-nosudo" }?.inventoryBecome, Become.none)
        XCTAssertTrue(realWorld.hosts.allSatisfy { $0.redis.allSatisfy { $0.user == "redis" } })
        let bastion = try Scenario.load(path: LabTests.repository + "/inventory/lab/bastion.yaml")
        XCTAssertEqual(bastion.hosts.filter(\.bastion).count, 1)
        XCTAssertEqual(
            Set(bastion.hosts.filter { $0.network == .private }.map(\.route)), [.proxyJump, .proxyCommand])
    }

    func testPrivateHostsWithoutABastionAndSudoForRootAreRefusedWithTheField() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let noBastion = try directory.write("hosts:\n  - name: a\n    network: private\n", to: "a.yaml")
        XCTAssertThrowsError(try Scenario.load(path: noBastion)) { error in
            XCTAssertTrue("\(error)".contains("bastion: true"), "\(error)")
        }
        let rootSudo = try directory.write("hosts:\n  - name: a\n    sudo: rule\n", to: "b.yaml")
        XCTAssertThrowsError(try Scenario.load(path: rootSudo)) { error in
            XCTAssertTrue("\(error)".contains("login_user"), "\(error)")
        }
    }

    func testScenarioErrorsNameFileLineAndField() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("hosts:\n  - name: a\n    fault: meteor\n", to: "s.yaml")
        XCTAssertThrowsError(try Scenario.load(path: path)) { error in
            let error = error as? YAMLFileError
            XCTAssertEqual(error?.line, 3)
            XCTAssertEqual(error?.field, "hosts[0].fault")
        }
    }
}

/// The lab for real: namespaces, sshd, redis-server and instance metadata, then the whole audit against it.
final class LabTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    private let fleetAudit = BuiltProducts.path(of: "fleet-audit")

    /// The demo fleet gets, host by host, the status its scenario intends; then `down` leaves nothing behind.
    func testDemoFleetAuditMatchesTheScenarioAndDownLeavesNothing() throws {
        let lab = try TestLab(scenario: "demo.yaml", prefix: "ft")
        defer { lab.remove() }
        let (second, third, subnet, directory, out) = (lab.second, lab.third, lab.subnet, lab.directory, lab.out)
        let up = lab.upResult
        XCTAssertEqual(up.exitCode, 0, up.stdout + up.stderr)
        XCTAssertFalse(up.stdout.contains("warning:"), up.stdout)

        // A lab host is its own machine: own hostname and memory view, and no route out of the bridge's subnet.
        let address = "10.\(second).\(third).11"
        let ssh = try ProcessRunner.run(
            "/usr/bin/ssh",
            [
                "-o", "BatchMode=yes", "-o", "UserKnownHostsFile=\(out)/known_hosts", "-i", "\(out)/id_ed25519",
                "root@\(address)", "hostname; grep MemTotal /proc/meminfo; ip route; nproc",
            ], timeout: 30)
        XCTAssertEqual(ssh.exitCode, 0, ssh.stderr)
        XCTAssertTrue(ssh.stdout.hasPrefix("cache-ready-1\n"), ssh.stdout)
        XCTAssertTrue(ssh.stdout.contains("MemTotal:       16777216 kB"), ssh.stdout)
        XCTAssertFalse(ssh.stdout.contains("default"), "no default route: \(ssh.stdout)")

        // The demo's own target, on this test's subnet.
        let demoTarget = try String(
            contentsOfFile: Self.repository + "/inventory/lab/demo-target.yaml", encoding: .utf8)
        let target = try directory.write(
            demoTarget.replacingOccurrences(of: "10.77.", with: "10.\(second).")
                .replacingOccurrences(of: "10.\(second).0.0/24", with: subnet),
            to: "target.yaml")
        var environment = ProcessInfo.processInfo.environment
        for line in try String(contentsOfFile: out + "/secrets.env", encoding: .utf8).split(separator: "\n") {
            let assignment = line.dropFirst("export ".count).split(separator: "=", maxSplits: 1)
            if assignment.count == 2 {
                environment[String(assignment[0])] = String(assignment[1]).trimmingCharacters(in: ["'"])
            }
        }
        let audit = try ProcessRunner.run(
            fleetAudit,
            [
                "audit", "-i", out + "/inventory.yaml", "-t", target, "--out", directory.file("reports"), "--fail-on",
                "never",
            ],
            environment: environment, timeout: 240)
        XCTAssertEqual(audit.exitCode, 0, audit.stderr)
        let data = try XCTUnwrap(FileManager.default.contents(atPath: directory.file("reports/latest/report.json")))
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let hosts = try XCTUnwrap(report["hosts"] as? [[String: Any]])
        let scenario = try Scenario.load(path: Self.repository + "/inventory/lab/demo.yaml")
        // The bastion is the route to the private host, not a host to audit.
        for host in scenario.hosts where !host.bastion {
            let reported = try XCTUnwrap(hosts.first { $0["name"] as? String == host.name }, host.name)
            XCTAssertEqual(reported["status"] as? String, host.expectedStatus, host.name)
            let failing = Set(
                ((reported["instances"] as? [[String: Any]]) ?? []).flatMap { ($0["checks"] as? [[String: Any]]) ?? [] }
                    .filter { ["fail", "warn", "unknown"].contains($0["status"] as? String ?? "") }
                    .compactMap { $0["id"] as? String })
            for check in host.expectedFailing {
                XCTAssertTrue(failing.contains(check), "\(host.name): \(check) in \(failing)")
            }
        }
        // Across the fleet, every check is seen both passing and failing (or warning) somewhere.
        var statusesByCheck: [String: Set<String>] = [:]
        for host in hosts {
            for instance in (host["instances"] as? [[String: Any]]) ?? [] {
                for check in (instance["checks"] as? [[String: Any]]) ?? [] {
                    guard let id = check["id"] as? String, let status = check["status"] as? String else { continue }
                    statusesByCheck[id, default: []].insert(status)
                }
            }
        }
        XCTAssertGreaterThanOrEqual(statusesByCheck.count, 25, "\(statusesByCheck.keys.sorted())")
        for (id, statuses) in statusesByCheck where !id.hasPrefix("info.") {
            XCTAssertTrue(statuses.contains("pass"), "\(id) never passes: \(statuses)")
            XCTAssertFalse(statuses.isDisjoint(with: ["fail", "warn"]), "\(id) never fails: \(statuses)")
        }
        try assertAPlanOfTheDemoHonoursEveryConstraint(
            reportHosts: hosts, out: directory.file("reports"), target: target)

        // The collected facts match the scenario: instances per host, addresses, VPC, memory, configs.
        let run = try RunStore.load(runDirectory: directory.file("reports/latest"))
        XCTAssertNil(run.snapshots.first { $0.host.name == "demo-bastion" }, "the bastion is not audited")
        for (index, host) in scenario.hosts.enumerated() where !host.bastion {
            guard let snapshot = run.snapshots.first(where: { $0.host.name == host.name }) else {
                XCTFail("no snapshot for \(host.name)")
                continue
            }
            if host.network == .private {
                // Reached through the bastion: its address is on the private bridge, not the lab's.
                XCTAssertFalse(snapshot.host.address.hasPrefix("10.\(second).\(third)."), host.name)
            } else {
                XCTAssertEqual(snapshot.host.address, "10.\(second).\(third).\(11 + index)", host.name)
            }
            if host.expectedStatus == "unreachable" {
                XCTAssertNotNil(snapshot.failure, host.name)
                continue
            }
            XCTAssertEqual(snapshot.instances.map(\.port), host.redis.map(\.port), host.name)
            let memory = MemInfo(parsing: snapshot[.meminfo]?.text ?? "")
            XCTAssertEqual(memory.total, Int64(host.memoryMiB) * 1024 * 1024, host.name)
            let metadata = InstanceMetadata(parsing: snapshot[.instanceMetadata]?.text ?? "")
            XCTAssertEqual(metadata.vpcID, host.metadata ? host.vpcID : nil, host.name)
            if host.fault != .redisDown, let first = snapshot.instances.first {
                // A server run as its own user has Debian's layout (LabUsers.swift).
                let expected =
                    host.redis.first?.user == nil
                    ? out + "/hosts/\(host.name)/redis-\(first.port).conf" : "/etc/redis/redis-\(first.port).conf"
                XCTAssertEqual(first.configFile, expected, host.name)
            }
        }
        let stored = try String(contentsOfFile: directory.file("reports/latest/hosts/cache-auth.json"), encoding: .utf8)
        XCTAssertFalse(stored.contains("demo-Secret-1"), "the demo password never reaches a stored file")

        let down = try lab.down()
        let prefix = lab.prefix
        XCTAssertEqual(down.exitCode, 0, down.stderr)
        let namespaces = try ProcessRunner.run("/usr/sbin/ip", ["netns", "list"]).stdout
        XCTAssertFalse(namespaces.contains(prefix + "-"), namespaces)
        let links = try ProcessRunner.run("/usr/sbin/ip", ["-o", "link", "show"]).stdout
        XCTAssertFalse(links.contains(": \(prefix)"), "no link of the lab is left")
        let processes = try ProcessRunner.run("/usr/bin/pgrep", ["-f", out + "/hosts/"])
        XCTAssertEqual(processes.exitCode, 1, "no process of the lab is left: \(processes.stdout)")
    }
}

extension LabTests {
    /// Issue 6's acceptance on the demo fleet: every ready or warnings instance in exactly one wave, and every wave
    /// within every limit (or alone, and flagged, when one instance exceeds a limit by itself).
    func assertAPlanOfTheDemoHonoursEveryConstraint(reportHosts: [[String: Any]], out: String, target: String) throws {
        let maxBytes = 0.02 * 1_073_741_824
        let plan = try ProcessRunner.run(
            fleetAudit,
            [
                "plan", "--target", target, "--out", out, "--max-instances-per-wave", "2", "--max-gib-per-wave", "0.02",
                "--max-sync-minutes-per-wave", "1", "--order-by-tag", "env=dev,staging,prod", "--keep-together", "app",
            ], timeout: 60)
        XCTAssertEqual(plan.exitCode, 0, plan.stderr)
        let data = try XCTUnwrap(FileManager.default.contents(atPath: out + "/latest/plan.json"))
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let waves = try XCTUnwrap(document["waves"] as? [[String: Any]])
        let notes = (document["notes"] as? [[String: Any]]) ?? []

        var expected: Set<String> = []
        for host in reportHosts where host["status"] as? String != "unreachable" {
            for instance in (host["instances"] as? [[String: Any]]) ?? []
            where ["ready", "warnings"].contains(instance["status"] as? String ?? "") {
                expected.insert("\(host["name"] as? String ?? ""):\(instance["port"] as? Int ?? 0)")
            }
        }
        var planned: [String] = []
        var placement: [String: Int] = [:]
        var lastOrder = -1
        let order = ["dev": 0, "staging": 1, "prod": 2]
        for wave in waves {
            let instances = (wave["instances"] as? [[String: Any]]) ?? []
            let totals = (wave["totals"] as? [String: Any]) ?? [:]
            let number = wave["number"] as? Int ?? 0
            if ((wave["exceeded_limits"] as? [String]) ?? []).isEmpty {
                XCTAssertLessThanOrEqual(instances.count, 2, "wave \(number)")
                XCTAssertLessThanOrEqual((totals["dataset_bytes"] as? Double) ?? 0, maxBytes, "wave \(number)")
                XCTAssertLessThanOrEqual((totals["estimated_sync_seconds"] as? Double) ?? 0, 60, "wave \(number)")
            } else {
                XCTAssertEqual(instances.count, 1, "an instance over a limit moves alone (wave \(number))")
            }
            let value = order[wave["order_tag_value"] as? String ?? ""] ?? 3
            XCTAssertGreaterThanOrEqual(value, lastOrder, "dev, then staging, then prod (wave \(number))")
            lastOrder = value
            for instance in instances {
                let key = "\(instance["host"] as? String ?? ""):\(instance["port"] as? Int ?? 0)"
                planned.append(key)
                let tags = (instance["tags"] as? [String: String]) ?? [:]
                let group = "\(tags["env"] ?? "")/\(tags["app"] ?? "")"
                if let earlier = placement[group], earlier != number {
                    XCTAssertTrue(
                        notes.contains { $0["kind"] as? String == "group-split" },
                        "app group \(group) split over waves \(earlier) and \(number) without a note")
                }
                placement[group] = number
            }
        }
        XCTAssertEqual(planned.count, Set(planned).count, "each instance once: \(planned)")
        XCTAssertEqual(Set(planned), expected)
        XCTAssertFalse(expected.isEmpty)
        XCTAssertTrue(
            waves.contains { !((($0["exceeded_limits"] as? [String]) ?? []).isEmpty) },
            "cache-sentinel's 27 MiB exceeds 0.02 GiB alone")
        let notReady = (document["not_ready"] as? [[String: Any]]) ?? []
        XCTAssertTrue(notReady.contains { ($0["host"] as? String) == "cache-auth" }, "\(notReady)")
    }
}

/// Every fault of the lab at once: each host is classified with the right class and phase, and none stops the others.
final class LabFaultTests: XCTestCase {
    func testEveryFaultIsClassifiedAndTheHealthyHostStillAnswers() throws {
        let lab = try TestLab(scenario: "faults.yaml", prefix: "fq")
        defer { lab.remove() }
        let out = lab.out
        XCTAssertEqual(lab.upResult.exitCode, 0, lab.upResult.stdout + lab.upResult.stderr)
        let exec = try ProcessRunner.run(
            BuiltProducts.path(of: "fleet-audit"),
            ["exec", "-i", out + "/inventory.yaml", "--json", "--", "hostname; redis-cli ping"], timeout: 120)
        let document = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(exec.stdout.utf8)) as? [String: Any], exec.stderr)
        let results = try XCTUnwrap(document["results"] as? [[String: Any]])
        let byHost = Dictionary(uniqueKeysWithValues: results.map { ($0["host"] as? String ?? "", $0) })
        func outcome(_ host: String) -> String {
            let result = byHost[host] ?? [:]
            let errorClass = result["error_class"] as? String ?? "ok"
            return [errorClass, result["phase"] as? String].compactMap { $0 }.joined(separator: "/")
        }
        XCTAssertEqual(outcome("healthy"), "ok")
        XCTAssertEqual(byHost["healthy"]?["stdout"] as? String, "healthy\nPONG\n")
        XCTAssertEqual(outcome("refused"), "refused")
        XCTAssertEqual(outcome("blackhole"), "timeout/connect")
        XCTAssertEqual(outcome("silent"), "timeout/handshake")
        XCTAssertEqual(outcome("changed-host-key"), "host-key-changed")
        XCTAssertEqual(outcome("redis-down"), "exit", "redis-cli cannot connect")
        XCTAssertEqual(outcome("no-redis-cli"), "exit")
        XCTAssertEqual(byHost["no-redis-cli"]?["exit_status"] as? Int, 127)
        XCTAssertEqual(outcome("firewall-redis"), "ok", "the firewall drops the Redis port from outside only")

        // 250 ms more per round trip: an SSH login and command take at least three (banner, key exchange,
        // authentication, ...). Only a lower bound: an upper one would measure this machine's load.
        XCTAssertEqual(outcome("latency"), "ok")
        XCTAssertEqual(byHost["latency"]?["stdout"] as? String, "latency\nPONG\n")
        let slow = try XCTUnwrap(byHost["latency"]?["elapsed_seconds"] as? Double)
        let fast = try XCTUnwrap(byHost["healthy"]?["elapsed_seconds"] as? Double)
        XCTAssertGreaterThanOrEqual(slow - fast, 3 * 0.25, "latency host \(slow) s, healthy host \(fast) s")

        // A handshake deadline shorter than the delay: the server's banner comes too late. (The relay accepts the
        // TCP connection itself, so the connect phase is not delayed; netem would delay it too.)
        let inventory = try String(contentsOfFile: out + "/inventory.yaml", encoding: .utf8)
        let short = inventory.replacingOccurrences(of: "handshake: 4,", with: "handshake: 0.1,")
        XCTAssertNotEqual(short, inventory, "the lab inventory's handshake deadline")
        try short.write(toFile: out + "/short-deadline.yaml", atomically: true, encoding: .utf8)
        let late = try ProcessRunner.run(
            BuiltProducts.path(of: "fleet-audit"),
            ["exec", "-i", out + "/short-deadline.yaml", "--limit", "latency", "--json", "--", "true"],
            timeout: 60)
        let lateResults = try XCTUnwrap(
            (JSONSerialization.jsonObject(with: Data(late.stdout.utf8)) as? [String: Any])?["results"]
                as? [[String: Any]], late.stderr)
        let lateByHost = Dictionary(uniqueKeysWithValues: lateResults.map { ($0["host"] as? String ?? "", $0) })
        XCTAssertEqual(lateByHost["latency"]?["error_class"] as? String, "timeout", "\(lateResults)")
    }
}

/// The lab without namespaces: one sshd, redis-server and metadata responder per host on its own 127.x address.
final class LoopbackLabTests: XCTestCase {
    func testLoopbackHostsAnswerAsThemselvesAndDownLeavesNoProcess() throws {
        let lab = try TestLab(scenario: "faults.yaml", prefix: "lq", loopback: true)
        defer { lab.remove() }
        let (out, up) = (lab.out, lab.upResult)
        XCTAssertEqual(up.exitCode, 0, up.stdout + up.stderr)
        XCTAssertTrue(up.stdout.contains("loopback mode"), up.stdout)
        XCTAssertTrue(up.stdout.contains("blackhole: fault blackhole cannot be emulated on loopback"), up.stdout)
        let inventory = try String(contentsOfFile: out + "/inventory.yaml", encoding: .utf8)
        XCTAssertFalse(inventory.contains("169.254.169.254"), "never the real metadata address on loopback")
        XCTAssertTrue(inventory.contains("address: 127.\(lab.second).\(lab.third).11"), inventory)

        let fleetAudit = BuiltProducts.path(of: "fleet-audit")
        let exec = try ProcessRunner.run(
            fleetAudit, ["exec", "-i", out + "/inventory.yaml", "--json", "--", "true"], timeout: 120)
        let results = try XCTUnwrap(
            (JSONSerialization.jsonObject(with: Data(exec.stdout.utf8)) as? [String: Any])?["results"]
                as? [[String: Any]], exec.stderr)
        let byHost = Dictionary(uniqueKeysWithValues: results.map { ($0["host"] as? String ?? "", $0) })
        func outcome(_ host: String) -> String {
            let result = byHost[host] ?? [:]
            return [result["error_class"] as? String ?? "ok", result["phase"] as? String].compactMap { $0 }.joined(
                separator: "/")
        }
        XCTAssertEqual(outcome("healthy"), "ok")
        XCTAssertEqual(outcome("refused"), "refused")
        XCTAssertEqual(outcome("silent"), "timeout/handshake")
        XCTAssertEqual(outcome("changed-host-key"), "host-key-changed")
        XCTAssertEqual(outcome("latency"), "ok")
        let slow = try XCTUnwrap(byHost["latency"]?["elapsed_seconds"] as? Double)
        let fast = try XCTUnwrap(byHost["healthy"]?["elapsed_seconds"] as? Double)
        XCTAssertGreaterThanOrEqual(slow - fast, 3 * 0.25, "the delay relay works on loopback too")

        // Each host's audit finds its own instance only, and its own metadata from its local responder.
        let reports = lab.directory.file("reports")
        let collect = try ProcessRunner.run(
            fleetAudit, ["collect", "-i", out + "/inventory.yaml", "-l", "healthy,redis-down", "--out", reports],
            timeout: 120)
        XCTAssertEqual(collect.exitCode, 0, collect.stdout + collect.stderr)
        let run = try RunStore.load(runDirectory: reports + "/latest")
        let healthy = try XCTUnwrap(run.snapshots.first { $0.host.name == "healthy" })
        XCTAssertEqual(healthy.instances.map(\.port), [21_000])
        XCTAssertEqual(InstanceMetadata(parsing: healthy[.instanceMetadata]?.text ?? "").vpcID, "vpc-0faults")
        XCTAssertEqual(run.snapshots.first { $0.host.name == "redis-down" }?.instances.map(\.port), [21_050])

        let down = try lab.down()
        XCTAssertEqual(down.exitCode, 0, down.stderr)
        let processes = try ProcessRunner.run("/usr/bin/pgrep", ["-f", out + "/hosts/"])
        XCTAssertEqual(processes.exitCode, 1, "no process of the lab is left: \(processes.stdout)")
        let listeners = try ProcessRunner.run("/usr/bin/ss", ["-ltnH"]).stdout
        XCTAssertFalse(listeners.contains("127.\(lab.second).\(lab.third)."), listeners)
    }
}

/// A lab fleet brought up for one test: its own name prefix and a random 10.x.y.0/24, so tests never collide with
/// another lab on this machine. `remove()` (in a `defer`) takes it down even when the test fails.
final class TestLab {
    let prefix: String
    let second = Int.random(in: 150...249)
    let third = Int.random(in: 0...255)
    let directory: TemporaryDirectory
    let upResult: ProcessOutput
    private let fleetLab = BuiltProducts.path(of: "fleet-lab")

    var subnet: String { "10.\(second).\(third).0/24" }
    var out: String { directory.file("lab") }

    /// The demo's own target file (inventory/lab/demo-target.yaml) on this lab's subnet, written to the lab's folder.
    func demoTarget() throws -> String {
        try directory.write(
            try String(contentsOfFile: LabTests.repository + "/inventory/lab/demo-target.yaml", encoding: .utf8)
                .replacingOccurrences(of: "10.77.0.0/24", with: subnet)
                .replacingOccurrences(of: "10.77.", with: "10.\(second)."),
            to: "target.yaml")
    }

    /// `scenario` names a file of inventory/lab/. `writeScenario`, when given, writes the scenario (and any file
    /// it needs) into the test's folder before the lab comes up, knowing where the lab will live, and returns its
    /// path, which is then used instead.
    init(
        scenario: String, prefix letters: String, loopback: Bool = false,
        writeScenario: ((_ lab: TestLab.Paths) throws -> String)? = nil
    ) throws {
        prefix = letters + String(Int.random(in: 100...999))
        directory = try TemporaryDirectory(prefix: "fleet-lab-test")
        let path =
            try writeScenario?(Paths(directory: directory, out: directory.file("lab"), second: second, third: third))
            ?? LabTests.repository + "/inventory/lab/" + scenario
        upResult = try ProcessRunner.run(
            BuiltProducts.path(of: "fleet-lab"),
            [
                "up", path, "--out", directory.file("lab"), "--prefix", prefix, "--subnet",
                "10.\(second).\(third).0/24",
            ] + (loopback ? ["--loopback"] : []),
            timeout: 180)
    }

    /// Where a lab about to come up will live.
    struct Paths {
        let directory: TemporaryDirectory
        let out: String
        let second: Int
        let third: Int
    }

    @discardableResult
    func down() throws -> ProcessOutput { try ProcessRunner.run(fleetLab, ["down", "--prefix", prefix], timeout: 60) }

    func remove() {
        _ = try? down()
        directory.remove()
    }
}
