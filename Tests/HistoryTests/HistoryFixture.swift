import Collector
import FleetCore
import Foundation

/// Two hand-made verdicts a week apart: cache-a regresses (protected-mode turned on), cache-b becomes ready (bind
/// fixed), cache-c disappears, cache-d appears, cache-u stays unreachable, and the target's multi-az check fails.
enum HistoryFixture {
    static let firstID = "20261101T030000Z"
    static let secondID = "20261108T030000Z"
    static let firstStart = Date(timeIntervalSince1970: 1_793_502_000)
    static let secondStart = firstStart.addingTimeInterval(7 * 86_400)

    static func check(_ id: String, _ status: CheckStatus, _ source: String, _ observed: String) -> CheckResult {
        CheckResult(
            id: CheckID(id), title: id, severity: .blocker, status: status, summary: "\(id) is \(status.rawValue).",
            evidence: [Evidence(source: source, observed: observed, note: status == .fail ? "running value" : nil)],
            remediation: status == .fail ? "fix \(id)" : nil)
    }

    static func host(
        _ name: String, _ status: ReadinessStatus, rank: Int, checks: [CheckResult], reason: Failure? = nil
    ) -> HostVerdict {
        HostVerdict(
            host: HostIdentity(
                name: name, address: "10.0.0.\(rank)", tags: ["env": "prod"], groups: ["cache"], vpcID: "vpc-1",
                securityGroupIDs: ["sg-1"]),
            status: status, rank: rank, score: status == .ready ? 100 : 40, reason: reason,
            instances: reason != nil
                ? []
                : [
                    InstanceVerdict(
                        port: 6379, status: status, score: status == .ready ? 100 : 40, checks: checks,
                        facts: InstanceFacts(
                            redisVersion: "7.0.15", role: "master", usedMemoryBytes: 1_048_576, keys: 10,
                            databasesWithKeys: [0], clientAddresses: ["10.0.9.9"]))
                ])
    }

    static func verdict(
        id: String, startedAt: Date, hosts: [HostVerdict], multiAZ: CheckStatus = .pass
    ) -> FleetVerdict {
        FleetVerdict(
            toolVersion: "0.1.0", profile: "seed",
            target: TargetSummary(
                name: "demo", engineVersion: "7.1", nodeType: "cache.r6g.large", clusterMode: "disabled",
                source: "t.yaml"),
            runID: id, inventoryDigest: "sha256:abc", collectionStartedAt: startedAt,
            collectionEndedAt: startedAt.addingTimeInterval(60),
            targetChecks: [
                check("target.multi-az", multiAZ, "target.yaml multi_az", multiAZ == .pass ? "true" : "false")
            ],
            hosts: hosts, hostKeysUnverified: false)
    }

    static let unreachable = Failure(.refused, phase: nil, message: "connection refused")

    static var first: FleetVerdict {
        verdict(
            id: firstID, startedAt: firstStart,
            hosts: [
                host(
                    "cache-a", .ready, rank: 1,
                    checks: [
                        check("source.protected-mode", .pass, "CONFIG GET protected-mode", "no"),
                        check("source.version", .pass, "INFO server.redis_version", "7.0.15"),
                    ]),
                host("cache-c", .ready, rank: 2, checks: []),
                host(
                    "cache-b", .blocked, rank: 3, checks: [check("source.bind", .fail, "CONFIG GET bind", "127.0.0.1")]),
                host("cache-u", .unreachable, rank: 4, checks: [], reason: unreachable),
            ])
    }

    static var second: FleetVerdict {
        verdict(
            id: secondID, startedAt: secondStart,
            hosts: [
                host("cache-b", .ready, rank: 1, checks: [check("source.bind", .pass, "CONFIG GET bind", "* -::*")]),
                host("cache-d", .warnings, rank: 2, checks: []),
                host(
                    "cache-a", .blocked, rank: 3,
                    checks: [
                        check("source.protected-mode", .fail, "CONFIG GET protected-mode", "yes"),
                        check("source.version", .pass, "INFO server.redis_version", "7.0.15"),
                    ]),
                host("cache-u", .unreachable, rank: 4, checks: [], reason: unreachable),
            ],
            multiAZ: .fail)
    }

    /// Text no JSON writer may get wrong: quotes, backslash, slash, controls, DEL, C1, bidi and zero-width controls, a
    /// tag character (a surrogate pair in a `\u` escape), accents, emoji.
    static let hostileText =
        "a/b \"q\" \\ \u{1}\u{1F} \t\n\r del\u{7F} c1\u{85} bidi\u{202E}x zw\u{200B} tag\u{E0041} é 😀"

    /// The verdict with hostile text in every text field of every check (check ids aside), and a waiver on the first
    /// check of every instance.
    static func hostile(_ verdict: FleetVerdict) -> FleetVerdict {
        func hostile(_ checks: [CheckResult]) -> [CheckResult] {
            checks.enumerated().map { position, check in
                var check = check
                check.title += hostileText
                check.summary = hostileText + check.summary
                check.evidence =
                    check.evidence.map {
                        Evidence(source: $0.source + hostileText, observed: hostileText + $0.observed, note: $0.note)
                    } + [Evidence(source: hostileText, observed: "", note: hostileText)]
                check.remediation = check.remediation.map { $0 + hostileText }
                if position == 0 {
                    check.waiver = AppliedWaiver(
                        reason: "accepted " + hostileText, expires: "2027-01-31", originalStatus: check.status)
                }
                return check
            }
        }
        var verdict = verdict
        verdict.targetChecks = hostile(verdict.targetChecks)
        for host in verdict.hosts.indices {
            for instance in verdict.hosts[host].instances.indices {
                verdict.hosts[host].instances[instance].checks = hostile(verdict.hosts[host].instances[instance].checks)
            }
        }
        return verdict
    }

    /// A run manifest as the collector writes it (RunManifest has no public initialiser: decoded like a stored one).
    static func manifest(runID: String, startedAt: Date, complete: Bool = true) throws -> RunManifest {
        let formatter = ISO8601DateFormatter()
        let json = """
            {"schema": "fleet-audit.run/1", "runID": "\(runID)", "toolVersion": "0.1.0", "inventoryPath": "inv.yaml",
             "inventoryDigest": "sha256:abc", "startedAt": "\(formatter.string(from: startedAt))",
             "complete": \(complete), "hostKeysVerified": true, "hosts": []}
            """
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(RunManifest.self, from: Data(json.utf8))
    }

    /// Writes `DIR/runs/<id>/manifest.json` (or no manifest at all, for a run killed before writing one).
    static func writeRunDirectory(root: String, id: String, startedAt: Date, complete: Bool?) throws {
        let directory = root + "/runs/" + id
        try FileManager.default.createDirectory(atPath: directory + "/hosts", withIntermediateDirectories: true)
        guard let complete else { return }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        try encoder.encode(try manifest(runID: id, startedAt: startedAt, complete: complete))
            .write(to: URL(fileURLWithPath: directory + "/manifest.json"))
    }
}
