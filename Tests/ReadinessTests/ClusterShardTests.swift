import FleetCore
import Foundation
import RedisFacts
import XCTest

@testable import Readiness

/// A cluster-mode source onto a cluster-mode enabled target (aws-current): each source primary must map onto the
/// target shard owning the same slots, on a real CLUSTER NODES reply of a three-primary Redis 7.0.15 cluster.
final class ClusterShardTests: XCTestCase {
    private let nodes = RealOutput.read("redis-7.0.15/cluster-nodes.txt")

    private func check(_ target: Target, nodes text: String?) -> CheckResult? {
        var fixture = SnapshotFixture()
        fixture.info = RealOutput.info(["cluster_enabled": "1", "rdb_last_bgsave_time_sec": "2"])
        var snapshot = fixture.snapshot
        if let text { snapshot.instances[0].sections["cluster_nodes"] = CapturedSection(exitCode: 0, text: text) }
        let verdict = Evaluator(target: target, now: Date(timeIntervalSince1970: 1_790_000_000)).evaluate(
            snapshots: [snapshot], runID: "t", inventoryDigest: "x", startedAt: Date(), endedAt: nil)
        return verdict.hosts[0].instances[0].checks.first { $0.id == .sourceClusterMode }
    }

    private func clusterTarget(_ change: (inout Target) -> Void = { _ in }) -> Target {
        Target.demo {
            $0.profile = .awsCurrent
            $0.clusterMode = .enabled
            change(&$0)
        }
    }

    func testTheRealReplyParsesIntoThreePrimariesCoveringEverySlot() throws {
        let parsed = try XCTUnwrap(ClusterNodes(parsing: nodes))
        XCTAssertEqual(parsed.primaries.count, 3)
        XCTAssertEqual(parsed.coveredSlots, 16_384)
        XCTAssertEqual(parsed.primaries.first { $0.isMyself }?.slots, [0...5460])
        XCTAssertNil(ClusterNodes(parsing: "ERR This instance has cluster support disabled\n"))
        // Overlapping claims (the same reply twice) count each slot once.
        XCTAssertEqual(ClusterNodes(parsing: nodes + nodes)?.coveredSlots, 16_384)
        let twoRanges = nodes.replacingOccurrences(of: "connected 0-5460", with: "connected 0-100 50-5460")
        XCTAssertEqual(ClusterNodes(parsing: twoRanges)?.coveredSlots, 16_384)
        XCTAssertEqual(RedisVersion(major: 7, minor: 2, patch: 4).majorMinor, RedisVersion(major: 7, minor: 2))
    }

    func testEachSourceShardMapsOntoTheTargetShardOwningTheSameSlots() {
        let matching = clusterTarget {
            $0.shards = 3
            $0.shardSlots = [
                TargetShard(id: "0001", slots: [0...5460]), TargetShard(id: "0002", slots: [5461...10922]),
                TargetShard(id: "0003", slots: [10923...16383]),
            ]
        }
        let mapped = check(matching, nodes: nodes)
        XCTAssertEqual(mapped?.status, .pass, mapped?.summary ?? "")
        XCTAssertTrue(
            mapped?.evidence.contains { $0.source == "shard 0001" && $0.observed == "0-5460 from 127.0.0.1:7801" }
                == true, "\(mapped?.evidence ?? [])")

        var shifted = matching
        shifted.shardSlots[0].slots = [0...5000]
        XCTAssertEqual(check(shifted, nodes: nodes)?.status, .fail, "slot ranges differ")
        XCTAssertEqual(check(clusterTarget { $0.shards = 2 }, nodes: nodes)?.status, .fail, "3 shards onto 2")
        XCTAssertEqual(check(clusterTarget { $0.shards = 3 }, nodes: nodes)?.status, .pass, "counts only")
        XCTAssertEqual(check(clusterTarget(), nodes: nodes)?.status, .warn, "the target's count is not stated")
        XCTAssertEqual(check(clusterTarget { $0.shards = 3 }, nodes: nil)?.status, .warn, "CLUSTER NODES not read")
        let twoOfThree = nodes.split(separator: "\n").dropLast().joined(separator: "\n") + "\n"
        XCTAssertEqual(
            check(clusterTarget { $0.shards = 2 }, nodes: twoOfThree)?.status, .fail, "slots 0-5460 have no primary")
    }
}
