import Foundation
import TestSupport
import XCTest

/// `fleet-audit audit` with several `--target`s, as a user compares migration paths: real sshd, real redis-server.
final class MigrationPathCommandTests: XCTestCase {
    private let fleetAudit = BuiltProducts.path(of: "fleet-audit")

    private func target(
        _ directory: TemporaryDirectory, _ name: String, _ extra: String, file: String? = nil
    ) throws -> String {
        try directory.write(
            """
            name: \(name)
            engine_version: "8.1"
            vpc_id: vpc-1
            subnet_cidrs: [10.0.0.0/24]
            source_security_groups:
              sg-1:
                - {from_port: 1, to_port: 65535, cidrs: [10.0.0.0/16]}
            \(extra)
            """, to: file ?? name + ".yaml")
    }

    func testEachInstanceIsRankedByItsBestPathAndEveryPathSaysWhatBlocksIt() throws {
        let server = try SSHServer()
        let password = "Path-Test-\(UUID().uuidString.prefix(6))"
        let redis = try RedisServer(configuration: ["protected-mode no", "requirepass \(password)"])
        let directory = try TemporaryDirectory()
        defer {
            redis.stop()
            server.stop()
            directory.remove()
        }
        let inventory = try directory.write(
            server.inventoryDefaults() + """
                hosts:
                  - {name: cache-auth, address: 127.0.0.1, security_group_ids: [sg-1],
                     redis: [{port: \(redis.port), password_env: PATH_TEST_PASSWORD}]}
                """, to: "inventory.yaml")
        let node = try target(
            directory, "valkey-group",
            "profile: aws-current\nengine: valkey\nnode_type: cache.r6g.large\nmulti_az: true\n")
        let serverless = try target(
            directory, "valkey-serverless",
            "profile: aws-current\nengine: valkey\ndeployment: serverless\nstatus: available\nnetwork_type: ipv4\npublic_endpoint: false\nempty: true\n"
        )
        var environment = ProcessInfo.processInfo.environment
        environment["PATH_TEST_PASSWORD"] = password
        let out = directory.file("reports")
        let audit = try ProcessRunner.run(
            fleetAudit, ["audit", "-i", inventory, "-t", node, "-t", serverless, "--out", out, "--fail-on", "never"],
            environment: environment, timeout: 180)
        XCTAssertEqual(audit.exitCode, 0, audit.stderr + audit.stdout)
        XCTAssertTrue(audit.stdout.contains("Migration paths:"), audit.stdout)

        let data = try XCTUnwrap(FileManager.default.contents(atPath: out + "/latest/report.json"))
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let host = try XCTUnwrap(
            (document["hosts"] as? [[String: Any]])?.first { $0["name"] as? String == "cache-auth" })
        let instance = try XCTUnwrap(
            (host["instances"] as? [[String: Any]])?.first { $0["port"] as? Int == redis.port })
        let paths = try XCTUnwrap(instance["paths"] as? [[String: Any]])
        XCTAssertEqual(paths.map { $0["target"] as? String }, ["valkey-group", "valkey-serverless"])
        let nodeBlockers = paths[0]["blockers"] as? [String] ?? []
        let serverlessBlockers = paths[1]["blockers"] as? [String] ?? []
        XCTAssertTrue(nodeBlockers.contains("source.auth"), "\(nodeBlockers)")
        XCTAssertFalse(serverlessBlockers.contains("source.auth"), "serverless accepts AUTH: \(serverlessBlockers)")
        XCTAssertEqual(instance["best_path"] as? String, "valkey-serverless")
        XCTAssertEqual((document["targets"] as? [[String: Any]])?.count, 2)
        let markdown = try String(contentsOfFile: out + "/latest/report.md", encoding: .utf8)
        XCTAssertTrue(markdown.contains("## Migration paths"), markdown)
        XCTAssertFalse(
            try String(contentsOf: URL(fileURLWithPath: out + "/latest/report.html"), encoding: .utf8).contains(
                password))

        // Two targets of one name cannot be told apart; plan goes onto one path.
        let twin = try target(
            directory, "valkey-group", "engine: valkey\nnode_type: cache.r6g.large\n", file: "twin.yaml")
        let twins = try ProcessRunner.run(
            fleetAudit, ["report", "--run", out + "/latest", "-t", node, "-t", twin], environment: environment,
            timeout: 60)
        XCTAssertEqual(twins.exitCode, 2, twins.stderr)
        XCTAssertTrue(twins.stderr.contains("target name 'valkey-group' is also the name in"), twins.stderr)
        let plan = try ProcessRunner.run(fleetAudit, ["plan", "-t", node, "-t", serverless, "--out", out], timeout: 60)
        XCTAssertEqual(plan.exitCode, 2, plan.stderr)
        XCTAssertTrue(plan.stderr.contains("plan onto one target"), plan.stderr)
    }
}
