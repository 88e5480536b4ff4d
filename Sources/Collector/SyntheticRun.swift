import FleetCore
import Foundation
import Inventory

/// A stored run of any size made from a few real collector outputs, for benchmarks of everything after the network
/// (`bench/report-bench.sh`): evaluation, the reports, the history.
///
/// Each host replays one captured collector output (the real script's stdout, as the engine would have received it)
/// through the same `SnapshotBuilder` and `RunStore` an audit uses, so snapshots, evidence files and manifest are
/// what `collect` writes. What varies per host is seeded: the name and address, `env` and `app` tags, `used_memory`
/// (1 MiB to 4 GiB, so capacity and sync-time results differ), the key count, and a share of hosts that were
/// unreachable (a classified failure, as the engine reports one). Used by a hidden benchmark command only.
public struct SyntheticRun {
    /// One captured collector output and the framing token it was written with.
    public struct Capture: Sendable {
        public var name: String
        public var stdout: Data
        public var token: String

        public init(name: String, stdout: Data, token: String) {
            self.name = name
            self.stdout = stdout
            self.token = token
        }
    }

    /// CPU time spent building snapshots and storing them, for the benchmark's "non-engine part of an audit".
    public struct Cost: Sendable {
        public var hosts = 0
        public var buildSeconds = 0.0
        public var storeSeconds = 0.0
    }

    public let captures: [Capture]
    public let hostCount: Int
    public let seed: UInt64
    /// Hosts out of 100 that end unreachable instead of replaying a capture.
    public let unreachablePercent: Int

    public init(captures: [Capture], hostCount: Int, seed: UInt64, unreachablePercent: Int = 3) {
        self.captures = captures
        self.hostCount = hostCount
        self.seed = seed
        self.unreachablePercent = unreachablePercent
    }

    /// What `collect` sends the collector besides the ports, as the benchmark replays it with `sh -c`: the
    /// positional arguments after MARKER (METADATA `off`, the default options) and the second line of its standard
    /// input (the command names looked up in every server). The benchmark's captures must stay what the real
    /// `collect` would capture when the script's contract changes.
    public static func collectorInvocation() throws -> (arguments: [String], lookupLine: String) {
        let yaml = "defaults: {user: audit, metadata: off}\nhosts:\n  - {name: bench, address: 127.0.0.1}\n"
        let host = try Inventory.parse(yaml, file: "synthetic-inventory.yaml", baseDirectory: "/").hosts[0]
        let arguments = CollectorScript.arguments(marker: "-", host: host).dropFirst()
        let input = String(decoding: CollectorScript.standardInput(token: "-", credentials: []), as: UTF8.self)
        return (Array(arguments), input.split(separator: "\n").dropFirst().first.map(String.init) ?? "")
    }

    /// The inventory the run claims to have audited: `bench-1` … `bench-N` on 10.77.y.z, tagged, port 6379 listed.
    public func inventoryYAML() -> String {
        var lines = ["defaults: {user: audit, metadata: off}", "hosts:"]
        lines.reserveCapacity(hostCount + 2)
        let envs = ["dev", "staging", "prod"]
        let apps = ["checkout", "search", "sessions", "catalog", "ads", "feed", "auth"]
        for index in 0..<hostCount {
            // In the demo target's source range (10.77.0.0/16) up to 65,536 hosts.
            let address = "10.\(77 + index / 65_536).\(index / 256 % 256).\(index % 256)"
            // Four hosts in five are in the demo target's VPC and security group (inventory/lab/demo-target.yaml);
            // the fifth is not, so network checks both pass and fail across the fleet.
            let network = index % 5 == 4 ? "" : ", vpc_id: vpc-0demo, security_group_ids: [sg-0demo]"
            lines.append(
                "  - {name: bench-\(index + 1), address: \(address), tags: {env: \(envs[index % 3]), "
                    + "app: \(apps[index % apps.count])}\(network), redis: [{port: 6379}]}")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes one complete run under `root` started at `startedAt` and returns its directory and what it cost.
    /// `generation` varies the values between runs of one fleet (a later week's run), so diffs have content.
    public func write(root: String, startedAt: Date, generation: Int) throws -> (directory: String, cost: Cost) {
        precondition(!captures.isEmpty, "SyntheticRun needs at least one capture")
        let inventory = try Inventory.parse(inventoryYAML(), file: "synthetic-inventory.yaml", baseDirectory: "/")
        let run = try RunStore(root: root).startRun(at: startedAt)
        var generator = SplitMix64(seed: seed &+ UInt64(generation) &* 0x9E37_79B9)
        var cost = Cost()
        var outcomes: [RunManifest.HostOutcome] = []
        for (index, host) in inventory.hosts.enumerated() {
            let capture = captures[index % captures.count]
            let unreachable = Int.random(in: 0..<100, using: &generator) < unreachablePercent
            let stdout = unreachable ? Data() : Self.varied(capture.stdout, using: &generator)
            let result = CommandResult(
                host: host.name, address: host.connection.address, port: 22,
                status: unreachable ? .failed : .ok, exitStatus: unreachable ? nil : 0,
                failure: unreachable ? Failure(.timeout, phase: .handshake, message: "no SSH banner within 15 s") : nil,
                stdout: stdout, stderr: Data())
            let buildStart = ProcessClock.cpuSeconds()
            let snapshot = SnapshotBuilder(host: host, knownSecrets: []).snapshot(
                from: result, token: capture.token, collectedAt: startedAt.addingTimeInterval(Double(index) / 100))
            let storeStart = ProcessClock.cpuSeconds()
            try run.record(snapshot)
            let storeEnd = ProcessClock.cpuSeconds()
            cost.buildSeconds += storeStart - buildStart
            cost.storeSeconds += storeEnd - storeStart
            cost.hosts += 1
            outcomes.append(
                RunManifest.HostOutcome(
                    name: snapshot.host.name, address: snapshot.host.address,
                    outcome: snapshot.failure == nil ? "collected" : "unreachable",
                    errorClass: snapshot.failure?.errorClass.rawValue, phase: snapshot.failure?.phase?.rawValue,
                    message: snapshot.failure?.message, instances: snapshot.instances.count))
        }
        try run.writeManifest(
            RunManifest(
                schema: RunStore.manifestSchema, runID: run.id, toolVersion: FleetAuditVersion.current,
                inventoryPath: "synthetic-inventory.yaml", inventoryDigest: inventory.digest, startedAt: startedAt,
                endedAt: startedAt.addingTimeInterval(Double(hostCount) / 100 + 1), complete: true,
                hostKeysVerified: true, hosts: outcomes, plannedHosts: inventory.hosts.map(\.name)))
        return (run.directory, cost)
    }

    /// The capture with this host's values: every `used_memory:` line of INFO and every `keys=` count rewritten to
    /// seeded numbers of the same shape, so parsers see ordinary INFO text.
    static func varied(_ stdout: Data, using generator: inout SplitMix64) -> Data {
        let text = String(decoding: stdout, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for index in lines.indices {
            let line = lines[index]
            if line.hasPrefix("used_memory:") {
                // Log-uniform from 1 MiB to 4 GiB: most datasets small, a few that no small node holds.
                let exponent = Double.random(in: 20...32, using: &generator)
                lines[index] = "used_memory:\(Int64(pow(2, exponent)))" + (line.hasSuffix("\r") ? "\r" : "")
            } else if line.hasPrefix("db"), let keys = line.range(of: "keys="), let comma = line.range(of: ",") {
                let count = Int.random(in: 1...5_000_000, using: &generator)
                lines[index] = String(line[..<keys.upperBound]) + String(count) + String(line[comma.lowerBound...])
            }
        }
        return Data(lines.joined(separator: "\n").utf8)
    }
}

/// The process's CPU time (user + system), which is what the benchmarks count: wall time on a shared machine
/// measures the neighbours.
public enum ProcessClock {
    public static func cpuSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1_000_000_000
    }
}
