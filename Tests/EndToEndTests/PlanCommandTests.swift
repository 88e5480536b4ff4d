import Foundation
import TestSupport
import XCTest

/// `fleet-audit audit`, then `fleet-audit plan` on the stored run, as a user runs them: real sshd, real redis-server.
final class PlanCommandTests: XCTestCase {
    private let fleetAudit = BuiltProducts.path(of: "fleet-audit")

    private func decode(_ path: String) throws -> [String: Any] {
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path), path)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testPlanOfAStoredRunHonoursTheConstraintsGiven() throws {
        let server = try SSHServer()
        let shop = try RedisServer(configuration: ["protected-mode no"])
        let blog = try RedisServer(configuration: ["protected-mode no"])
        let directory = try TemporaryDirectory()
        defer {
            blog.stop()
            shop.stop()
            server.stop()
            directory.remove()
        }
        // One sshd on loopback plays several hosts; other redis-servers running on this machine may be discovered
        // too, so the assertions below hold for any extra instance as well.
        let inventory = try directory.write(
            server.inventoryDefaults() + """
                hosts:
                  - {name: cache-dev-shop, address: 127.0.0.1, tags: {env: dev, app: shop}, security_group_ids: [sg-1],
                     redis: [{port: \(shop.port)}]}
                  - {name: cache-dev-blog, address: 127.0.0.1, tags: {env: dev, app: blog}, security_group_ids: [sg-1],
                     redis: [{port: \(blog.port)}]}
                  - {name: cache-prod-shop, address: 127.0.0.1, tags: {env: prod, app: shop}, security_group_ids: [sg-1],
                     redis: [{port: \(shop.port)}]}
                  - {name: cache-gone, address: 127.0.0.1, port: \(try FreePort.next())}
                """, to: "inventory.yaml")
        let target = try directory.write(
            """
            name: t
            engine_version: "7.1"
            node_type: cache.r6g.large
            multi_az: true
            vpc_id: vpc-1
            subnet_cidrs: [10.0.0.0/24]
            source_security_groups:
              sg-1:
                - {from_port: 1, to_port: 65535, cidrs: [10.0.0.0/16]}

            """, to: "target.yaml")
        // Loopback is not a private address and redis listens on 127.0.0.1 only: accepted here, for the test.
        let waivers = try directory.write(
            """
            waivers:
              - {check: network.private-ip, hosts: ["cache-*"], reason: loopback test hosts, expires: 2099-12-31}
              - {check: source.bind, hosts: ["cache-*"], reason: loopback test hosts, expires: 2099-12-31}

            """, to: "waivers.yaml")
        let out = directory.file("reports")
        let audit = try ProcessRunner.run(
            fleetAudit,
            ["audit", "-i", inventory, "-t", target, "--waivers", waivers, "--out", out, "--fail-on", "never"],
            timeout: 180)
        XCTAssertEqual(audit.exitCode, 0, audit.stderr + audit.stdout)

        let plan = try ProcessRunner.run(
            fleetAudit,
            [
                "plan", "-t", target, "--waivers", waivers, "--out", out, "--max-instances-per-wave", "1",
                "--order-by-tag", "env=dev,prod", "--keep-together", "app",
            ], timeout: 60)
        XCTAssertEqual(plan.exitCode, 0, plan.stderr + plan.stdout)
        XCTAssertTrue(plan.stdout.contains("WAVE"), plan.stdout)
        for file in ["plan.json", "plan.html", "plan.md", "plan.csv"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/latest/" + file), file)
        }
        let document = try decode(out + "/latest/plan.json")
        XCTAssertEqual(document["schema"] as? String, "fleet-audit.plan/1")
        let constraints = try XCTUnwrap(document["constraints"] as? [String: Any])
        XCTAssertEqual(constraints["max_instances_per_wave"] as? Int, 1)
        XCTAssertEqual(constraints["keep_together"] as? String, "app")
        let waves = try XCTUnwrap(document["waves"] as? [[String: Any]])
        let planned = waves.flatMap { $0["instances"] as? [[String: Any]] ?? [] }
        let plannedHosts = planned.compactMap { $0["host"] as? String }
        // The three inventory instances are ready or warnings once loopback's two blockers are waived.
        for host in ["cache-dev-shop", "cache-dev-blog", "cache-prod-shop"] {
            XCTAssertTrue(plannedHosts.contains(host), "\(host) not planned: \(plan.stdout)")
        }
        var previousOrder = 0
        for wave in waves {
            let instances = try XCTUnwrap(wave["instances"] as? [[String: Any]])
            XCTAssertEqual(instances.count, 1, "--max-instances-per-wave 1")
            let env = (instances.first?["tags"] as? [String: String])?["env"]
            let order = ["dev": 0, "prod": 1][env ?? ""] ?? 2
            XCTAssertGreaterThanOrEqual(order, previousOrder, "dev moves before prod")
            previousOrder = order
            XCTAssertEqual(wave["order_tag_value"] as? String, env == "dev" || env == "prod" ? env : nil)
        }
        let dev = try XCTUnwrap(plannedHosts.firstIndex(of: "cache-dev-shop"))
        let prod = try XCTUnwrap(plannedHosts.firstIndex(of: "cache-prod-shop"))
        XCTAssertLessThan(dev, prod)
        let notes = try XCTUnwrap(document["notes"] as? [[String: Any]])
        XCTAssertTrue(
            notes.contains { $0["kind"] as? String == "group-spans-order" && $0["group"] as? String == "shop" })
        let notReady = try XCTUnwrap(document["not_ready"] as? [[String: Any]])
        let gone = try XCTUnwrap(notReady.first { $0["host"] as? String == "cache-gone" })
        XCTAssertEqual(gone["status"] as? String, "unreachable")
        XCTAssertTrue((gone["reason"] as? String)?.hasPrefix("refused") == true, "\(gone)")

        // A dataset limit below any Redis's used_memory: every instance moves alone, flagged, never dropped.
        let tight = try ProcessRunner.run(
            fleetAudit,
            [
                "plan", "-t", target, "--waivers", waivers, "--run", out + "/latest", "--max-gib-per-wave", "0.0001",
                "--format", "json",
            ], timeout: 60)
        XCTAssertEqual(tight.exitCode, 0, tight.stderr)
        let tightWaves = try XCTUnwrap(try decode(out + "/latest/plan.json")["waves"] as? [[String: Any]])
        XCTAssertEqual(tightWaves.count, planned.count)
        for wave in tightWaves {
            let totals = try XCTUnwrap(wave["totals"] as? [String: Any])
            let bytes = try XCTUnwrap(totals["dataset_bytes"] as? Int)
            XCTAssertTrue(
                bytes <= 107_374 || (wave["exceeded_limits"] as? [String]) == ["max_dataset_bytes_per_wave"], "\(wave)")
        }
    }

    func testAnImpossibleConstraintIsAUsageError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let target = try directory.write("name: t\nengine_version: \"7.1\"\nnode_type: cache.r6g.large\n", to: "t.yaml")
        for (arguments, message) in [
            (["--max-gib-per-wave", "0"], "--max-gib-per-wave"),
            (["--order-by-tag", "env"], "--order-by-tag"),
            (["--max-instances-per-wave", "0"], "--max-instances-per-wave"),
        ] {
            let result = try ProcessRunner.run(
                fleetAudit, ["plan", "-t", target, "--out", directory.file("none")] + arguments)
            XCTAssertEqual(result.exitCode, 64, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), result.stderr)
        }
        let missingRun = try ProcessRunner.run(fleetAudit, ["plan", "-t", target, "--out", directory.file("none")])
        XCTAssertEqual(missingRun.exitCode, 2, "no stored run is an input error: \(missingRun.stderr)")
    }
}
