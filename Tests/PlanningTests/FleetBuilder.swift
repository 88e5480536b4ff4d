import FleetCore
import Foundation

/// Small hand-made fleet verdicts for planner tests: hosts with tags, instances with a status, a size and checks.
struct FleetBuilder {
    private(set) var hosts: [HostVerdict] = []
    var targetChecks: [CheckResult] = []

    static let gib: Int64 = 1024 * 1024 * 1024

    /// Adds a host with one instance per `(port, status, bytes)`; sync is bytes at 1 Gbit/s, as the evaluator does.
    mutating func host(
        _ name: String, tags: [String: String] = [:], score: Double = 100,
        _ instances: [(port: Int, status: ReadinessStatus, bytes: Int64?)], checks: [CheckResult] = []
    ) {
        let verdicts = instances.map { instance in
            InstanceVerdict(
                port: instance.port, status: instance.status, score: score, checks: checks,
                facts: InstanceFacts(
                    usedMemoryBytes: instance.bytes, estimatedSyncSeconds: instance.bytes.map { Double($0) * 8 / 1e9 })
            )
        }
        hosts.append(
            HostVerdict(
                host: HostIdentity(name: name, address: "10.0.0.\(hosts.count + 1)", tags: tags),
                status: verdicts.map(\.status).max() ?? .review, rank: hosts.count + 1, score: score,
                instances: verdicts))
    }

    /// A host with one ready instance of `gib` GiB on port 6379.
    mutating func ready(_ name: String, gib: Double?, tags: [String: String] = [:]) {
        host(name, tags: tags, [(6379, .ready, gib.map { Int64($0 * Double(Self.gib)) })])
    }

    mutating func unreachable(_ name: String) {
        hosts.append(
            HostVerdict(
                host: HostIdentity(name: name, address: "10.0.9.\(hosts.count + 1)"), status: .unreachable,
                rank: hosts.count + 1, score: 0, reason: Failure(.refused, phase: .connect, message: "refused"),
                instances: []))
    }

    var verdict: FleetVerdict {
        FleetVerdict(
            toolVersion: "test", profile: "seed",
            target: TargetSummary(
                name: "t", engineVersion: "7.1", nodeType: "cache.r6g.large", clusterMode: "disabled",
                source: "target.yaml"),
            runID: "20261130T000000Z", inventoryDigest: "sha256:test",
            collectionStartedAt: Date(timeIntervalSince1970: 1_800_000_000), collectionEndedAt: nil,
            targetChecks: targetChecks, hosts: hosts, hostKeysUnverified: false)
    }

    static func check(
        _ id: String, _ status: CheckStatus, severity: Severity = .blocker, remediation: String? = nil
    ) -> CheckResult {
        CheckResult(
            id: CheckID(id), title: "title of \(id)", severity: severity, status: status,
            summary: "\(id) \(status.rawValue)",
            remediation: remediation)
    }
}
