import FleetCore
import Foundation

/// Evaluates a run against every target given (each a migration path: a node-based Redis OSS or Valkey group, a
/// serverless cache), and ranks each instance by its best path. Every instance carries its verdict on each path
/// (`InstanceVerdict.paths`) and the name of the best one; its status, score and checks are the best path's, and
/// host status and ranking follow. With one target it is that target's verdict, with the paths filled in.
public struct PathEvaluator: Sendable {
    public let targets: [Target]
    public let waivers: Waivers
    public let now: Date

    /// `targets` is not empty; their names are unique (the paths are named by them).
    public init(targets: [Target], waivers: Waivers = Waivers(), now: Date = Date()) {
        precondition(!targets.isEmpty, "PathEvaluator needs a target")
        self.targets = targets
        self.waivers = waivers
        self.now = now
    }

    public func evaluate(run: StoredRun) -> FleetVerdict {
        Self.merge(
            targets.map { Evaluator(target: $0, waivers: waivers, now: now).evaluate(run: run) }, targets: targets)
    }

    public func evaluate(
        snapshots: [HostSnapshot], runID: String, inventoryDigest: String, startedAt: Date, endedAt: Date?,
        completeness: RunCompleteness = .complete
    ) -> FleetVerdict {
        Self.merge(
            targets.map {
                Evaluator(target: $0, waivers: waivers, now: now).evaluate(
                    snapshots: snapshots, runID: runID, inventoryDigest: inventoryDigest, startedAt: startedAt,
                    endedAt: endedAt, completeness: completeness)
            }, targets: targets)
    }

    /// One verdict per target (same run, same order as `targets`) into one: each instance takes its best path.
    static func merge(_ verdicts: [FleetVerdict], targets: [Target]) -> FleetVerdict {
        var merged = verdicts[0]
        merged.paths = verdicts.map {
            TargetPath(target: $0.target, profile: $0.profile, targetChecks: $0.targetChecks)
        }
        let hostsByName = verdicts.map { verdict in
            Dictionary(verdict.hosts.map { ($0.host.name, $0) }, uniquingKeysWith: { first, _ in first })
        }
        merged.hosts = merged.hosts.map { host in
            var host = host
            guard host.status != .unreachable else { return host }
            host.instances = host.instances.map { instance in
                var candidates: [(verdict: InstanceVerdict, path: Int)] = []
                var paths: [PathVerdict] = []
                for index in verdicts.indices {
                    guard
                        let onPath = hostsByName[index][host.host.name]?.instances.first(where: {
                            $0.port == instance.port
                        })
                    else { continue }
                    candidates.append((onPath, index))
                    let blockers = (onPath.checks + verdicts[index].targetChecks).filter {
                        $0.severity == .blocker && ($0.status == .fail || $0.status == .unknown)
                    }.map(\.id)
                    paths.append(
                        PathVerdict(
                            target: targets[index].name, status: onPath.status, score: onPath.score, blockers: blockers)
                    )
                }
                // Best status first; then the higher score; then the target given first.
                guard
                    let best = candidates.min(by: { left, right in
                        if left.verdict.status != right.verdict.status {
                            return left.verdict.status < right.verdict.status
                        }
                        if left.verdict.score != right.verdict.score { return left.verdict.score > right.verdict.score }
                        return left.path < right.path
                    })
                else { return instance }
                var chosen = best.verdict
                chosen.paths = paths
                chosen.bestPath = targets[best.path].name
                return chosen
            }
            if !host.instances.isEmpty {
                host.status = host.instances.map(\.status).max() ?? host.status
                host.score = host.instances.map(\.score).min() ?? host.score
            }
            return host
        }
        merged.hosts.sort(by: Evaluator.ranksBefore)
        for index in merged.hosts.indices { merged.hosts[index].rank = index + 1 }
        return merged
    }
}
