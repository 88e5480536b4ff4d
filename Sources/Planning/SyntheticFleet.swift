import FleetCore
import Foundation

/// A generated, seeded fleet verdict for the planner's benchmark and property tests: the same count and seed always
/// give the same fleet. Sizes span 1 MiB to 64 GiB (log-uniform) with some unknown; hosts carry `env` (dev,
/// staging, prod, an unlisted qa, or none) and `app` tags (keep-together groups of varied sizes); statuses are
/// mixed, with blocking checks on the blocked and review instances and some unreachable hosts.
public struct SyntheticFleet: Sendable {
    public var instanceCount: Int
    public var seed: UInt64

    public init(instanceCount: Int, seed: UInt64) {
        self.instanceCount = instanceCount
        self.seed = seed
    }

    /// The blocker check ids blocked and review instances carry, with the remediation each suggests.
    static let blockers = [
        "source.protected-mode", "source.bind", "source.auth", "network.private-ip", "source.modules",
        "target.capacity", "source.bgsave",
    ]

    public func verdict() -> FleetVerdict {
        var random = SplitMix64(seed: seed)
        var hosts: [HostVerdict] = []
        var made = 0
        let apps = max(1, instanceCount / 12)
        while made < instanceCount {
            let name = "cache-\(hosts.count + 1)"
            var tags: [String: String] = [:]
            let env = random.next() % 20
            if env < 19 { tags["env"] = ["dev", "staging", "prod", "prod", "qa"][Int(env % 5)] }
            if random.next() % 10 != 0 { tags["app"] = "app-\(random.next() % UInt64(apps))" }
            let identity = HostIdentity(
                name: name, address: "10.\(hosts.count / 65536 % 256).\(hosts.count / 256 % 256).\(hosts.count % 256)",
                tags: tags)
            if random.next() % 20 == 0 {
                hosts.append(
                    HostVerdict(
                        host: identity, status: .unreachable, rank: 0, score: 0,
                        reason: Failure(.timeout, phase: .connect, message: "no answer within 10 s"),
                        instances: []))
                continue
            }
            let count = min(instanceCount - made, Int(random.next() % 3) + 1)
            let instances = (0..<count).map { index in instance(port: 6379 + index, random: &random) }
            made += count
            hosts.append(
                HostVerdict(
                    host: identity, status: instances.map(\.status).max() ?? .review, rank: 0,
                    score: instances.map(\.score).min() ?? 0, instances: instances))
        }
        hosts.sort { ($0.status.rankOrder, -$0.score, $0.host.name) < ($1.status.rankOrder, -$1.score, $1.host.name) }
        for index in hosts.indices { hosts[index].rank = index + 1 }
        return FleetVerdict(
            toolVersion: FleetAuditVersion.current, profile: "seed",
            target: TargetSummary(
                name: "synthetic", engineVersion: "7.1", nodeType: "cache.r7g.xlarge", clusterMode: "disabled",
                source: "synthetic fleet of \(instanceCount) instances, seed \(seed)"),
            runID: "synthetic-\(instanceCount)-\(seed)", inventoryDigest: "sha256:synthetic",
            collectionStartedAt: Date(timeIntervalSince1970: 1_800_000_000), collectionEndedAt: nil, targetChecks: [],
            hosts: hosts, hostKeysUnverified: false)
    }

    private func instance(port: Int, random: inout SplitMix64) -> InstanceVerdict {
        let roll = random.next() % 100
        let status: ReadinessStatus = roll < 55 ? .ready : roll < 75 ? .warnings : roll < 85 ? .review : .blocked
        var checks: [CheckResult] = []
        if status == .warnings {
            checks.append(check("source.thp", .warning, .warn))
        }
        if status == .review || status == .blocked {
            let picked = Int(random.next() % 3) + 1
            for offset in 0..<picked {
                let id = Self.blockers[
                    Int(random.next() % UInt64(Self.blockers.count) + UInt64(offset)) % Self.blockers.count]
                guard !checks.contains(where: { $0.id.rawValue == id }) else { continue }
                checks.append(check(id, .blocker, offset == 0 && status == .review ? .unknown : .fail))
            }
            if status == .review {
                checks = checks.map {
                    var check = $0; check.status = .unknown; return check
                }
            }
        }
        let bytes: Int64? =
            random.next() % 20 == 0 ? nil : Int64(pow(2.0, 20 + Double(random.next() % 16_000) / 1_000))
        return InstanceVerdict(
            port: port, status: status, score: 100 - Double(random.next() % 30), checks: checks,
            facts: InstanceFacts(usedMemoryBytes: bytes, estimatedSyncSeconds: bytes.map { Double($0) * 8 / 1e9 }))
    }

    private func check(_ id: String, _ severity: Severity, _ status: CheckStatus) -> CheckResult {
        CheckResult(
            id: CheckID(id), title: id, severity: severity, status: status, summary: "\(id) is \(status.rawValue)",
            remediation: status == .unknown ? nil : "fix \(id)")
    }
}
