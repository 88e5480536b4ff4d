import Readiness
import TestSupport
import XCTest
import YAMLInput

final class TargetFileTests: XCTestCase {
    func testTheShippedExampleLoads() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let target = try Target.load(path: root.appendingPathComponent("inventory/target.example.yaml").path)
        XCTAssertEqual(target.nodeType, "cache.r6g.large")
        XCTAssertEqual(target.profile, .seed)
        XCTAssertEqual(target.subnetCIDRs.count, 2)
    }

    func testErrorsNameLineAndField() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write(
            "name: x\nengine_version: \"7.1\"\nnode_type: cache.r6g.large\nmulti_az: maybe\n", to: "t.yaml")
        XCTAssertThrowsError(try Target.load(path: path)) { error in
            let error = error as? YAMLFileError
            XCTAssertEqual(error?.line, 4)
            XCTAssertEqual(error?.field, "multi_az")
        }
        let unknownNode = try directory.write(
            "name: x\nengine_version: \"7.1\"\nnode_type: cache.x9.huge\n", to: "u.yaml")
        XCTAssertThrowsError(try Target.load(path: unknownNode)) {
            XCTAssertTrue("\($0)".contains("unknown node type"))
        }
        let subnet = try directory.write(
            "name: x\nengine_version: \"7.1\"\nnode_type: cache.t3.small\nsubnet_cidrs: [10.0.0.0/33]\n", to: "s.yaml")
        XCTAssertThrowsError(try Target.load(path: subnet)) { XCTAssertTrue("\($0)".contains("CIDR")) }
    }

    func testWaiverFilesNeedAValidDate() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write(
            "waivers:\n  - {check: source.thp, hosts: [a], reason: r, expires: soon}\n", to: "w.yaml")
        XCTAssertThrowsError(try Waivers.load(path: path)) { XCTAssertTrue("\($0)".contains("expires")) }
    }

    /// A typo in a check id would make a waiver that never applies: it is an error at its file and line.
    func testAWaiverNamingAnUnknownCheckIsAnErrorAtItsLine() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write(
            "waivers:\n  - {check: source.thp, hosts: [a], reason: r, expires: 2099-01-01}\n"
                + "  - {check: source.protected_mode, hosts: [b], reason: r, expires: 2099-01-01}\n", to: "w.yaml")
        XCTAssertThrowsError(try Waivers.load(path: path)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("w.yaml:3"), message)
            XCTAssertTrue(message.contains("'source.protected_mode' is not a check id"), message)
            XCTAssertTrue(message.contains("source.protected-mode"), "names the near ids: \(message)")
        }
        let good = try directory.write(
            "waivers:\n  - {check: source.protected-mode, hosts: [b], reason: r, expires: 2099-01-01}\n", to: "g.yaml")
        XCTAssertEqual(try Waivers.load(path: good).waivers.first?.check, .sourceProtectedMode)
    }
}

final class AWSTargetTests: XCTestCase {
    func testTheTargetComesFromAWSCLIOutputAndTheSecurityGroupRulesDecideTheCheck() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        for name in ["describe-replication-groups.json", "describe-security-groups.json"] {
            try FileManager.default.copyItem(
                atPath: fixtures.appendingPathComponent(name).path, toPath: directory.file(name))
        }
        let path = try directory.write(
            """
            engine_version: "7.1"
            subnet_cidrs: [10.77.0.0/24]
            aws:
              replication_groups: describe-replication-groups.json
              security_groups: describe-security-groups.json
            """, to: "target.yaml")
        let target = try Target.load(path: path)
        XCTAssertEqual(target.name, "demo-rg")
        XCTAssertEqual(target.nodeType, "cache.r6g.large")
        XCTAssertEqual(target.clusterMode, .disabled)
        XCTAssertTrue(target.multiAZ)
        XCTAssertFalse(target.transitEncryption)
        XCTAssertEqual(target.sourceSecurityGroups.count, 1)
        let (group, rules) = try XCTUnwrap(target.sourceSecurityGroups.first)
        XCTAssertEqual(rules.first?.fromPort, 6379)
        XCTAssertEqual(rules.first?.cidrs, ["10.77.0.0/24"])

        var fixture = SnapshotFixture()
        fixture.imds = "local-ipv4=10.77.0.15\nvpc-id=vpc-0demo\nsecurity-group-ids=\(group)\n"
        XCTAssertEqual(evaluate(fixture, target: target).check("network.security-group")?.status, .pass)
        fixture.port = 6380
        XCTAssertEqual(
            evaluate(fixture, target: target).check("network.security-group")?.status, .fail, "6380 is not allowed")
    }

    /// describe-cache-parameters (the AWS documentation's example, a redis2.8 group: `reserved-memory` in bytes) and
    /// describe-cache-subnet-groups with describe-subnets (moto) give databases, reserved memory, VPC and subnets.
    func testParametersAndSubnetGroupGiveDatabasesReservedMemoryVPCAndSubnetCIDRs() throws {
        let directory = try Self.directoryWithFixtures()
        defer { directory.remove() }
        let path = try directory.write(
            """
            engine_version: "7.1"
            reserved_memory_percent: 25
            databases: 32
            aws:
              replication_groups: describe-replication-groups.json
              cache_parameters: describe-cache-parameters.json
              cache_subnet_groups: describe-cache-subnet-groups.json
              subnets: describe-subnets.json
            """, to: "target.yaml")
        let target = try Target.load(path: path)
        XCTAssertEqual(target.databases, 16, "AWS's parameter group wins over the file")
        XCTAssertEqual(target.reservedMemoryPercent, 0, "reserved-memory 0 bytes")
        XCTAssertEqual(target.vpcID, "vpc-e380d79972b2c49c9")
        XCTAssertEqual(target.subnetCIDRs, ["10.77.1.0/24", "10.77.2.0/24"])
        XCTAssertTrue(target.source.contains("describe-subnets.json"), target.source)

        var fixture = SnapshotFixture()
        fixture.imds = "local-ipv4=10.77.1.15\nvpc-id=vpc-e380d79972b2c49c9\nsecurity-group-ids=sg-0src\n"
        XCTAssertEqual(evaluate(fixture, target: target).check("network.vpc")?.status, .pass)
        fixture.imds = "local-ipv4=10.77.1.15\nvpc-id=vpc-0demo\nsecurity-group-ids=sg-0src\n"
        XCTAssertEqual(evaluate(fixture, target: target).check("network.vpc")?.status, .warn)
    }

    func testAPercentageParameterAndADifferentDatabaseCountDecideTheChecks() throws {
        let directory = try Self.directoryWithFixtures()
        defer { directory.remove() }
        _ = try directory.write(
            """
            {"Parameters": [
              {"ParameterName": "reserved-memory-percent", "ParameterValue": "30", "DataType": "integer"},
              {"ParameterName": "databases", "ParameterValue": "32", "DataType": "integer"}
            ]}
            """, to: "params.json")
        let path = try directory.write(
            "name: t\nnode_type: cache.r6g.large\nengine_version: \"7.1\"\naws: {cache_parameters: params.json}\n",
            to: "target.yaml")
        let target = try Target.load(path: path)
        XCTAssertEqual(target.reservedMemoryPercent, 30)
        XCTAssertEqual(target.databases, 32)
        XCTAssertEqual(evaluate(SnapshotFixture(), target: target).check("target.databases")?.status, .fail)
    }

    func testSubnetsMissingFromDescribeSubnetsAreNamed() throws {
        let directory = try Self.directoryWithFixtures()
        defer { directory.remove() }
        _ = try directory.write("{\"Subnets\": []}", to: "none.json")
        let path = try directory.write(
            """
            name: t
            node_type: cache.r6g.large
            engine_version: "7.1"
            aws: {cache_subnet_groups: describe-cache-subnet-groups.json, subnets: none.json}
            """, to: "target.yaml")
        XCTAssertThrowsError(try Target.load(path: path)) { error in
            XCTAssertTrue("\(error)".contains("none.json"), "\(error)")
            XCTAssertTrue("\(error)".contains("subnet-cff09c52a0c86ff4c"), "\(error)")
        }
    }

    private static func directoryWithFixtures() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        for name in try FileManager.default.contentsOfDirectory(atPath: fixtures.path) where name.hasSuffix(".json") {
            try FileManager.default.copyItem(
                atPath: fixtures.appendingPathComponent(name).path, toPath: directory.file(name))
        }
        return directory
    }

    func testAFileThatIsNotAWSOutputIsRejectedWithItsName() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try directory.write("{\"Something\": []}", to: "other.json")
        let path = try directory.write(
            "engine_version: \"7.1\"\naws: {replication_groups: other.json}\n", to: "target.yaml")
        XCTAssertThrowsError(try Target.load(path: path)) { error in
            XCTAssertTrue("\(error)".contains("other.json"), "\(error)")
            XCTAssertTrue("\(error)".contains("ReplicationGroups"), "\(error)")
        }
    }
}
