import FleetCore
import Inventory
import TestSupport
import XCTest
import YAMLInput

final class InventoryLoadingTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    private func load(_ yaml: String) throws -> Inventory {
        try Inventory.load(path: try directory.write(yaml, to: "inventory.yaml"))
    }

    private func loadError(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) -> YAMLFileError? {
        do {
            _ = try load(yaml)
            XCTFail("expected the inventory to be rejected", file: file, line: line)
            return nil
        } catch let error as YAMLFileError {
            return error
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return nil
        }
    }

    func testIssueExampleLoadsWithDefaultsAndOverrides() throws {
        let inventory = try load(
            """
            defaults: {user: ec2-user, port: 22, identity_file: ~/.ssh/id_ed25519, known_hosts: ~/.ssh/known_hosts, host_key_checking: strict}
            hosts:
              - name: cache-prod-1
                address: 10.0.1.15
                port: 2222
                user: admin
                identity_file: /path/key
                tags: {env: prod, app: checkout}
              - name: cache-dev-1
                address: 10.0.2.7
            """)
        XCTAssertEqual(inventory.hosts.count, 2)
        let prod = inventory.hosts[0]
        XCTAssertEqual(prod.port, 2222)
        XCTAssertEqual(prod.user, "admin")
        XCTAssertEqual(prod.identityFile, "/path/key")
        XCTAssertEqual(prod.tags, ["env": "prod", "app": "checkout"])
        XCTAssertEqual(prod.hostKeyChecking, .strict)
        let dev = inventory.hosts[1]
        XCTAssertEqual(dev.port, 22)
        XCTAssertEqual(dev.user, "ec2-user")
        XCTAssertEqual(dev.identityFile, NSString(string: "~/.ssh/id_ed25519").expandingTildeInPath)
        XCTAssertEqual(dev.connection.address, "10.0.2.7")
        XCTAssertTrue(inventory.digest.hasPrefix("sha256:"))
        XCTAssertEqual(inventory.digest.count, "sha256:".count + 64)
    }

    func testRelativePathsResolveAgainstTheInventoryFolder() throws {
        let inventory = try load(
            """
            defaults: {identity_file: keys/id_ed25519, known_hosts: known_hosts, metadata: off}
            hosts: [{name: a, address: 127.0.0.1, redis: [{port: 6379, password_file: secret.txt}]}]
            """)
        let host = try XCTUnwrap(inventory.hosts.first)
        XCTAssertEqual(host.identityFile, directory.path + "/keys/id_ed25519")
        XCTAssertEqual(host.knownHostsFile, directory.path + "/known_hosts")
        XCTAssertEqual(host.metadata, .off)
        XCTAssertEqual(host.redis.first?.passwordFile, directory.path + "/secret.txt")
    }

    func testMisspeltKeyNamesFileLineAndField() throws {
        let error = try XCTUnwrap(
            loadError(
                """
                hosts:
                  - name: a
                    address: 10.0.0.1
                    prot: 22
                """))
        XCTAssertEqual(error.line, 4)
        XCTAssertEqual(error.field, "hosts[0].prot")
        XCTAssertTrue(error.file.hasSuffix("inventory.yaml"))
        XCTAssertTrue(error.message.contains("unknown key 'prot'"), error.message)
    }

    func testPortOutOfRangeIsRejectedWithItsLine() throws {
        let error = try XCTUnwrap(
            loadError(
                """
                hosts:
                  - name: a
                    address: 10.0.0.1
                  - name: b
                    address: 10.0.0.2
                    port: 70000
                """))
        XCTAssertEqual(error.line, 6)
        XCTAssertEqual(error.field, "hosts[1].port")
    }

    func testDuplicateHostNamesAreRejected() throws {
        let error = try XCTUnwrap(loadError("hosts: [{name: a, address: x}, {name: a, address: y}]"))
        XCTAssertTrue(error.message.contains("used twice"), error.message)
    }

    func testHostNamesMustBeSafeFileNames() throws {
        let error = try XCTUnwrap(loadError("hosts: [{name: ../etc, address: x}]"))
        XCTAssertEqual(error.field, "hosts[0].name")
    }

    func testInvalidHostKeyCheckingModeListsTheAllowedValues() throws {
        let error = try XCTUnwrap(loadError("defaults: {host_key_checking: maybe}\nhosts: [{name: a, address: x}]"))
        XCTAssertEqual(error.field, "defaults.host_key_checking")
        XCTAssertTrue(error.message.contains("accept-new"), error.message)
    }

    func testSyntaxErrorNamesTheLine() throws {
        let error = try XCTUnwrap(loadError("hosts:\n  - name: a\n    address: [unclosed\n"))
        XCTAssertNotNil(error.line)
        XCTAssertTrue(error.message.contains("not valid YAML"), error.message)
    }

    func testPasswordIsReferencedNeverInlined() throws {
        let error = try XCTUnwrap(loadError("hosts: [{name: a, address: x, redis: [{port: 1, password: hunter2}]}]"))
        XCTAssertEqual(error.field, "hosts[0].redis[0].password")
        XCTAssertFalse(error.description.contains("hunter2"))
    }

    func testPasswordResolvesFromEnvironmentOrSaysWhichVariableIsMissing() throws {
        let spec = RedisInstanceSpec(port: 6379, passwordEnvironmentVariable: "FA_TEST_PW")
        XCTAssertEqual(try spec.resolvePassword(environment: ["FA_TEST_PW": "s3cret"]), "s3cret")
        XCTAssertThrowsError(try spec.resolvePassword(environment: [:])) { error in
            XCTAssertTrue("\(error)".contains("FA_TEST_PW"))
        }
    }

    func testGroupsMustNameListedHosts() throws {
        let error = try XCTUnwrap(loadError("groups: {prod: [ghost]}\nhosts: [{name: a, address: x}]"))
        XCTAssertTrue(error.message.contains("ghost"), error.message)
        XCTAssertEqual(error.line, 1)
    }

    func testMissingFileIsAClearError() {
        XCTAssertThrowsError(try Inventory.load(path: directory.file("absent.yaml"))) { error in
            XCTAssertTrue("\(error)".contains("absent.yaml"))
        }
    }

    func testTheShippedExampleInventoryLoads() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let inventory = try Inventory.load(path: root.appendingPathComponent("inventory/example.yaml").path)
        XCTAssertGreaterThan(inventory.hosts.count, 1)
    }
}

final class EC2InstancesSourceTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/ec2-describe-instances.json")
        try FileManager.default.copyItem(atPath: fixture.path, toPath: directory.file("instances.json"))
    }

    override func tearDown() { directory.remove() }

    func testRunningInstancesWithMatchingTagsBecomeHostsWithVPCAndSecurityGroups() throws {
        let inventory = try Inventory.load(
            path: try directory.write(
                """
                defaults: {user: ec2-user, identity_file: key, tags: {source: ec2}}
                ec2_instances:
                  - file: instances.json
                    tags: {role: redis}
                """, to: "inventory.yaml"))
        XCTAssertEqual(inventory.hosts.count, 2, "the web instance is filtered out by its role tag")
        for host in inventory.hosts {
            // Two instances share the Name tag: the instance id keeps their names apart.
            XCTAssertTrue(host.name.hasPrefix("cache-prod-i-"), host.name)
            XCTAssertTrue(host.address.hasPrefix("10.20.1."), host.address)
            XCTAssertEqual(host.vpcID, "vpc-ff08d919f55263810")
            XCTAssertEqual(host.securityGroupIDs, ["sg-b7e34c7ea91bc6cd8"])
            XCTAssertEqual(host.tags["env"], "prod")
            XCTAssertEqual(host.tags["source"], "ec2")
            XCTAssertEqual(host.user, "ec2-user")
            XCTAssertEqual(host.identityFile, directory.file("key"))
        }
        XCTAssertNotEqual(inventory.hosts[0].name, inventory.hosts[1].name)
    }

    func testUnsafeTagValuesBecomeSafeHostNames() throws {
        let inventory = try Inventory.load(
            path: try directory.write(
                "ec2_instances: [{file: instances.json, tags: {role: web}}]", to: "inventory.yaml"))
        XCTAssertEqual(inventory.hosts.map(\.name), ["web-1"])
    }

    func testAFileThatIsNotDescribeInstancesOutputIsRejected() throws {
        _ = try directory.write("{\"Vpcs\": []}", to: "other.json")
        XCTAssertThrowsError(
            try Inventory.load(path: try directory.write("ec2_instances: [{file: other.json}]", to: "inventory.yaml"))
        ) { error in
            XCTAssertTrue("\(error)".contains("Reservations"), "\(error)")
            XCTAssertTrue("\(error)".contains("other.json"), "\(error)")
        }
    }
}

final class AnsibleInventorySourceTests: XCTestCase {
    func testGroupsVariablesAndConnectionSettingsFollowAnsiblePrecedence() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try directory.write(
            """
            all:
              vars: {ansible_user: ubuntu}
              hosts:
                bastion: {ansible_host: 10.9.0.1}
              children:
                redis:
                  vars: {ansible_port: 2200, fleet_audit_tags: {role: cache}}
                  children:
                    redis_prod:
                      vars: {fleet_audit_tags: {role: cache, env: prod}}
                      hosts:
                        cache-a: {ansible_host: 10.9.1.10, ansible_user: ec2-user}
                        cache-b:
                    redis_dev:
                      hosts:
                        cache-c: {ansible_host: 10.9.2.10, ansible_ssh_private_key_file: keys/dev}
            """, to: "hosts.yml")
        let inventory = try Inventory.load(
            path: try directory.write(
                """
                defaults: {identity_file: keys/main, tags: {source: ansible}}
                ansible_inventory: [{file: hosts.yml, group: redis}]
                """, to: "inventory.yaml"))
        XCTAssertEqual(inventory.hosts.map(\.name), ["cache-a", "cache-b", "cache-c"], "bastion is not in 'redis'")
        let hostA = inventory.hosts[0]
        XCTAssertEqual(hostA.address, "10.9.1.10")
        XCTAssertEqual(hostA.user, "ec2-user", "host variables win over group variables")
        XCTAssertEqual(hostA.port, 2200, "group variables reach hosts of child groups")
        XCTAssertEqual(hostA.tags, ["source": "ansible", "role": "cache", "env": "prod"])
        XCTAssertEqual(hostA.groups, ["redis", "redis_prod"])
        XCTAssertEqual(hostA.identityFile, directory.file("keys/main"))
        let hostB = inventory.hosts[1]
        XCTAssertEqual(hostB.address, "cache-b", "without ansible_host the name is the address")
        XCTAssertEqual(hostB.user, "ubuntu")
        let hostC = inventory.hosts[2]
        XCTAssertEqual(hostC.identityFile, directory.file("keys/dev"))
        XCTAssertEqual(hostC.tags["role"], "cache")
        XCTAssertNil(hostC.tags["env"])
    }

    func testAMalformedAnsibleInventoryNamesItsOwnFileAndLine() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try directory.write("all:\n  hostz:\n    a:\n", to: "hosts.yml")
        XCTAssertThrowsError(
            try Inventory.load(
                path: try directory.write("ansible_inventory: [{file: hosts.yml}]", to: "inventory.yaml"))
        ) { error in
            let error = error as? YAMLFileError
            XCTAssertEqual(error?.line, 2)
            XCTAssertTrue(error?.file.hasSuffix("hosts.yml") ?? false)
            XCTAssertEqual(error?.field, "all.hostz")
        }
    }
}

/// Issue 10: `vars: {1: a, "1": b}` trapped in Dictionary(uniqueKeysWithValues:). A key given twice in any YAML
/// mapping is now an error naming file and line (and the field, where the key is read): Ansible itself warns and
/// keeps the last, but an audit must not guess which user or address a host has.
final class DuplicateKeyTests: XCTestCase {
    private func ansibleError(_ text: String) throws -> YAMLFileError? {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try directory.write(text, to: "hosts.yml")
        let inventory = try directory.write("ansible_inventory: [{file: hosts.yml}]", to: "inventory.yaml")
        do {
            _ = try Inventory.load(path: inventory)
            return nil
        } catch {
            XCTAssertTrue(error.file.hasSuffix("hosts.yml"), error.description)
            return error
        }
    }

    func testKeysThatYAMLSeesAsDifferentButReadTheSameAreAnErrorNamingFileLineAndField() throws {
        // `1` is an int, `"1"` a string: different YAML keys, the same variable name.
        let error = try ansibleError("all:\n  vars: {1: a, \"1\": b}\n  hosts:\n    cache-a:\n")
        XCTAssertEqual(error?.line, 2)
        XCTAssertEqual(error?.field, "all.vars.1")
        XCTAssertEqual(error?.message, "'1' appears twice (first at line 2)")
        let hosts = try ansibleError("all:\n  hosts:\n    1:\n    \"1\": {ansible_host: 10.0.0.2}\n")
        XCTAssertEqual(hosts?.line, 4)
        XCTAssertEqual(hosts?.field, "all.hosts.1")
    }

    func testARepeatedKeyIsAnErrorAtItsFirstLine() throws {
        let cases = [
            ("all:\n  vars:\n    ansible_user: ubuntu\n    ansible_user: root\n  hosts:\n    a:\n", 3, "ansible_user"),
            ("all:\n  hosts:\n    cache-a: {ansible_host: 10.0.0.1, ansible_host: 10.0.0.2}\n", 3, "ansible_host"),
            ("all:\n  hosts:\n    cache-a:\n    cache-a:\n", 3, "cache-a"),
        ]
        for (text, line, key) in cases {
            let error = try ansibleError(text)
            XCTAssertEqual(error?.line, line, text)
            XCTAssertEqual(
                error?.message, "'\(key)' appears twice in one mapping (first at this line); give each key once", text)
        }
    }

    func testTagsGivenTwiceInTheInventoryAreAnErrorToo() {
        let text = "hosts:\n  - name: a\n    address: 10.0.0.1\n    tags: {env: prod, 2: x, \"2\": y}\n"
        XCTAssertThrowsError(try Inventory.parse(text, file: "inv.yaml", baseDirectory: "/")) { error in
            XCTAssertEqual(
                (error as? YAMLFileError)?.description,
                "inv.yaml:4: hosts[0].tags.2: '2' appears twice (first at line 4)")
        }
    }
}
