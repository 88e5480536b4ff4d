import FleetCore
import Foundation
import Reports
import RunComparison

/// The fixed model behind the golden files of every report format: one host per status (ready, warnings, blocked,
/// review, unreachable), a waiver, three migration paths, "since the last run", a trend, an incomplete run, unverified
/// host keys, and hostile text wherever a host or an inventory can put it (ANSI and OSC escapes, `<script>`,
/// Markdown pipes, links and emphasis, CSV formula prefixes `= + - @`, CR and LF, bidi and zero-width characters),
/// so every format's escaping is pinned byte for byte. Every date is fixed.
enum GoldenFleet {
    static let ansi = "\u{1B}[2J\u{1B}]0;pwned\u{7}"
    static let script = "<script>alert('x')</script>"
    static let hostileHost = "=evil|host\(ansi)\(script)\nrow2"
    static let hostileTarget = "+<b>srv</b>|=cmd"
    static let hostileText =
        "a|b \\| [click](http://evil.example) **bold** _u_ `tick` #h\r\nnext \u{202E}rtl zw\u{200B}"

    static let usableObserved = "9.4 GiB"

    static func capacity(_ status: CheckStatus, used: String) -> CheckResult {
        CheckResult(
            id: "target.capacity", title: "Dataset fits the target node", severity: .blocker, status: status,
            summary: "used_memory is \(used) of the target's usable memory.",
            evidence: [
                Evidence(source: "INFO memory.used_memory", observed: used),
                Evidence(
                    source: "target cache.r6g.large", observed: usableObserved,
                    note: "usable after 25% reserved and 10% headroom"),
            ],
            remediation: status == .pass ? nil : "Choose a node type with more memory.")
    }

    static var hosts: [HostVerdict] {
        let version = CheckResult(
            id: "source.version", title: "Version", severity: .blocker, status: .pass, summary: "Redis 7.0.15.",
            evidence: [Evidence(source: "INFO server.redis_version", observed: "7.0.15")])
        let ready = HostVerdict(
            host: HostIdentity(name: "cache-ready", address: "10.0.1.10", tags: ["env": "prod", "app": "shop"]),
            status: .ready, rank: 1, score: 100,
            instances: [
                InstanceVerdict(
                    port: 6379, status: .ready, score: 100, checks: [version, capacity(.pass, used: "2 KiB")],
                    facts: InstanceFacts(redisVersion: "7.0.15", usedMemoryBytes: 2_048))
            ])
        let persistence = CheckResult(
            id: "source.persistence", title: "Persistence", severity: .warning, status: .warn,
            summary: "appendonly is no \(hostileText)",
            evidence: [Evidence(source: "CONFIG GET appendonly", observed: "no", note: "running config")],
            remediation: "-CONFIG SET appendonly yes")
        let waived = CheckResult(
            id: "source.bind", title: "bind", severity: .blocker, status: .waived,
            summary: "bind 0.0.0.0 is waived.",
            evidence: [Evidence(source: "/etc/redis/redis.conf:3", observed: "0.0.0.0")],
            remediation: "bind to the private address",
            waiver: AppliedWaiver(
                reason: "ticket OPS-1 [link](http://x.example) | =1+1", expires: "2027-01-31",
                originalStatus: .fail))
        let warnings = HostVerdict(
            host: HostIdentity(name: "cache-warn", address: "10.0.1.11", tags: ["env": "+staging", "team": "@ops"]),
            status: .warnings, rank: 2, score: 90,
            instances: [
                InstanceVerdict(
                    port: 6379, status: .warnings, score: 90,
                    checks: [version, persistence, waived, capacity(.warn, used: "8 GiB")],
                    facts: InstanceFacts(redisVersion: "7.0.15", usedMemoryBytes: 8 * 1_073_741_824))
            ],
            collectionNotes: [
                CollectionNote(.outputCut, "more than 2097152 bytes \(ansi)"),
                CollectionNote(.access, "read /etc/redis/redis.conf with sudo"),
            ])
        let protected = CheckResult(
            id: "source.protected-mode", title: "protected-mode is off", severity: .blocker, status: .fail,
            summary: "protected-mode is yes.\nsecond line \(ansi)",
            evidence: [Evidence(source: "/etc/redis/redis.conf:12", observed: script, note: hostileText)],
            remediation: "=CONFIG SET protected-mode no")
        let blocked = HostVerdict(
            host: HostIdentity(
                name: hostileHost, address: "10.0.1.12", tags: ["env": "-1+2", "app": script, "note": hostileText]),
            status: .blocked, rank: 3, score: 60,
            instances: [
                InstanceVerdict(
                    port: 6379, status: .blocked, score: 60,
                    checks: [version, protected, capacity(.fail, used: "12 GiB")],
                    facts: InstanceFacts(redisVersion: "6.2.\(script)", usedMemoryBytes: 12 * 1_073_741_824)),
                InstanceVerdict(
                    port: 6380, status: .warnings, score: 85, checks: [version, persistence],
                    facts: InstanceFacts(redisVersion: "7.0.15", usedMemoryBytes: 512 * 1_048_576)),
            ])
        let unknown = CheckResult(
            id: "source.replication", title: "Replication", severity: .blocker, status: .unknown,
            summary: "Cannot tell: INFO said: NOAUTH Authentication required.")
        let review = HostVerdict(
            host: HostIdentity(name: "@cache-review", address: "10.0.1.13"), status: .review, rank: 4, score: 50,
            instances: [
                InstanceVerdict(
                    port: 7000, status: .review, score: 50, checks: [version, unknown], facts: InstanceFacts())
            ])
        let unreachable = HostVerdict(
            host: HostIdentity(name: "cache-gone", address: "10.0.1.14", tags: ["env": "prod"]), status: .unreachable,
            rank: 5, score: 0,
            reason: Failure(.timeout, phase: .handshake, message: "no SSH banner within 10 s \(ansi)\(script)"),
            instances: [])
        let refused = HostVerdict(
            host: HostIdentity(name: "-cache-refused", address: "10.0.1.15"), status: .unreachable, rank: 6, score: 0,
            reason: Failure(.refused, message: "connection refused: is sshd running on port 22?"), instances: [])
        return [ready, warnings, blocked, review, unreachable, refused]
    }

    static let targetNames = ["demo", "valkey-serverless", hostileTarget]

    /// Each instance on every path: blocked on `demo`, its own status on the serverless path, ready on the hostile
    /// one except where it is blocked anyway; the best path is the first with the best status.
    static func withPaths(_ hosts: [HostVerdict]) -> [HostVerdict] {
        hosts.map { host in
            var host = host
            host.instances = host.instances.map { instance in
                var instance = instance
                instance.paths = [
                    PathVerdict(
                        target: "demo", status: .blocked, score: 40,
                        blockers: ["source.auth", "source.tls-only", "target.capacity", "source.bind"]),
                    PathVerdict(
                        target: "valkey-serverless", status: instance.status, score: instance.score,
                        blockers: instance.status == .blocked ? ["source.protected-mode"] : []),
                    PathVerdict(target: hostileTarget, status: .ready, score: 100, blockers: []),
                ]
                instance.bestPath = instance.status == .review ? nil : hostileTarget
                return instance
            }
            return host
        }
    }

    static var target: TargetSummary {
        TargetSummary(
            name: "demo", engineVersion: "7.1", nodeType: "cache.r6g.large", clusterMode: "disabled",
            source: "targets/demo.yaml", usableMemoryBytes: 10_093_173_146)
    }

    static var verdict: FleetVerdict {
        var verdict = FleetVerdict(
            toolVersion: "0.1.0", profile: "aws-current", target: target, runID: "20261125T000000Z",
            inventoryDigest: "sha256:0123456789abcdef0123456789abcdef",
            collectionStartedAt: Date(timeIntervalSince1970: 1_790_000_000),
            collectionEndedAt: Date(timeIntervalSince1970: 1_790_000_060),
            targetChecks: [
                CheckResult(
                    id: "target.multi-az", title: "Multi-AZ", severity: .blocker, status: .pass, summary: "on"),
                CheckResult(
                    id: "target.encryption", title: "Encryption in transit", severity: .warning, status: .warn,
                    summary: "transit_encryption is off | \(script)",
                    evidence: [Evidence(source: "targets/demo.yaml:7", observed: "false")],
                    remediation: "@set transit_encryption: true"),
            ],
            hosts: withPaths(hosts), hostKeysUnverified: true,
            completeness: RunCompleteness(
                complete: false, plannedHostCount: 8, missingHosts: ["cache-lost", hostileHost]))
        verdict.paths = targetNames.enumerated().map { index, name in
            TargetPath(
                target: TargetSummary(
                    name: name, engineVersion: index == 0 ? "7.1" : "8.1",
                    nodeType: index == 0 ? "cache.r6g.large" : "serverless",
                    clusterMode: index == 0 ? "disabled" : "n/a",
                    source: "targets/\(index).yaml", engine: index == 0 ? "redis" : "valkey",
                    deployment: index == 0 ? "node-based" : "serverless"),
                profile: "aws-current", targetChecks: [])
        }
        return verdict
    }

    static var changes: RunChanges {
        RunChanges(
            previousRunID: "20261118T000000Z", previousStartedAt: Date(timeIntervalSince1970: 1_789_395_200),
            runID: "20261125T000000Z",
            hosts: [
                RunChanges.Host(
                    name: "cache-ready", address: "10.0.1.10", kind: .becameReady, before: .blocked, after: .ready),
                RunChanges.Host(
                    name: hostileHost, address: "10.0.1.12", kind: .regressed, before: .ready, after: .blocked),
                RunChanges.Host(
                    name: "cache-old", address: "10.0.1.99", kind: .disappeared, before: .ready, after: nil),
                RunChanges.Host(
                    name: "-cache-refused", address: "10.0.1.15", kind: .appeared, before: nil, after: .unreachable),
            ],
            instances: [
                RunChanges.Instance(
                    host: "cache-ready", port: 6379, kind: .becameReady, before: .blocked, after: .ready)
            ],
            checks: [
                RunChanges.Check(
                    host: hostileHost, port: 6379, id: "source.protected-mode", title: "protected-mode is off",
                    severity: .blocker, before: .pass, after: .fail,
                    evidenceBefore: [Evidence(source: "CONFIG GET protected-mode", observed: "no")],
                    evidenceAfter: [
                        Evidence(source: "CONFIG GET protected-mode", observed: "yes \(ansi)\(script)", note: "=1+1")
                    ]),
                RunChanges.Check(
                    host: nil, port: nil, id: "target.encryption", title: "Encryption in transit", severity: .warning,
                    before: nil, after: .warn, evidenceBefore: [],
                    evidenceAfter: [Evidence(source: "targets/demo.yaml:7", observed: "false")]),
            ])
    }

    static var trend: [TrendPoint] {
        [
            TrendPoint(
                runID: "20261118T000000Z", startedAt: Date(timeIntervalSince1970: 1_789_395_200),
                instances: [.ready: 1, .blocked: 3], hosts: [.ready: 1, .blocked: 3]),
            TrendPoint(
                runID: "20261125T\(script)", startedAt: Date(timeIntervalSince1970: 1_789_999_000),
                instances: [.ready: 2, .warnings: 1, .blocked: 2, .unreachable: 1],
                hosts: [.ready: 2, .warnings: 1, .blocked: 1, .unreachable: 1]),
            TrendPoint(verdict: verdict),
        ]
    }

    static var model: ReportModel {
        ReportModel(
            verdict: verdict, generatedAt: Date(timeIntervalSince1970: 1_790_000_100),
            expiredWaivers: ["source.bind on cache-1 (expired 2026-01-01)", "=HYPERLINK(\"http://evil\") \(ansi)"],
            sinceLastRun: changes, trend: trend)
    }
}
