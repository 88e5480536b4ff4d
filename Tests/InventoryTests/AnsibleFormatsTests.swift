import FleetCore
import Foundation
import Inventory
import TestSupport
import XCTest

/// Ansible INI inventories and `ansible-inventory --list` JSON, checked against what ansible-core itself made of the
/// same INI file (Fixtures/PROVENANCE.md).
final class AnsibleFormatsTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures")

    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    private func load(_ fixture: String) throws -> Inventory {
        let path = fixtures.appendingPathComponent(fixture).path
        return try Inventory.load(
            path: try directory.write(
                "defaults: {user: default-user}\nansible_inventory:\n  - file: \(path)\n", to: "inventory.yaml"))
    }

    private struct Summary: Equatable {
        var name, address, user: String
        var port: Int
        var jumps: [String]
        var proxyCommand: String?
        var become: Become
        var groups: Set<String>
    }

    private func summaries(_ inventory: Inventory) -> [Summary] {
        inventory.hosts.map {
            Summary(
                name: $0.name, address: $0.address, user: $0.user, port: $0.port, jumps: $0.jumps.map(\.name),
                proxyCommand: $0.proxyCommand, become: $0.become, groups: Set($0.groups))
        }
    }

    func testINIHostsAndVariablesEqualWhatAnsibleInventoryPrinted() throws {
        let ini = try load("ansible-hosts.ini")
        // ansible-inventory --list merged every variable into _meta.hostvars: the truth for each host.
        let list =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: fixtures.appendingPathComponent("ansible-inventory-list.json")))
            as? [String: Any]
        let hostvars = try XCTUnwrap((list?["_meta"] as? [String: Any])?["hostvars"] as? [String: [String: Any]])
        XCTAssertEqual(
            ini.hosts.map(\.name),
            [
                "bastion.example.com", "cache-prod-01.example.com", "cache-prod-02.example.com",
                "cache-prod-03.example.com", "cache-dev-1", "old-cache",
            ])
        XCTAssertEqual(Set(hostvars.keys), Set(ini.hosts.map(\.name)))
        for host in ini.hosts {
            let vars = try XCTUnwrap(hostvars[host.name])
            XCTAssertEqual(host.user, vars["ansible_user"] as? String ?? "default-user", host.name)
            XCTAssertEqual(host.port, vars["ansible_port"] as? Int ?? 22, host.name)
            XCTAssertEqual(host.address, vars["ansible_host"] as? String ?? host.name, host.name)
            XCTAssertEqual(host.become, vars["ansible_become"] as? String == "true" ? .sudo : Become.none, host.name)
        }
        let dev = try XCTUnwrap(ini.hosts.first { $0.name == "cache-dev-1" })
        XCTAssertEqual(dev.identityFile, NSString(string: "~/.ssh/dev_ed25519").expandingTildeInPath)
        XCTAssertEqual(dev.jumps.map(\.name), ["ops@bastion.example.com:2200"])
        XCTAssertEqual(dev.jumps.first?.port, 2200)
        XCTAssertEqual(Set(dev.groups), ["redis", "prod"])
        let old = try XCTUnwrap(ini.hosts.first { $0.name == "old-cache" })
        XCTAssertEqual(
            old.proxyCommand,
            "aws ssm start-session --target old-cache --document-name AWS-StartSSHSession --parameters portNumber=2022")
    }

    func testListAndExportJSONGiveTheSameHostsAsTheINI() throws {
        let ini = summaries(try load("ansible-hosts.ini"))
        XCTAssertEqual(summaries(try load("ansible-inventory-list.json")), ini)
        XCTAssertEqual(summaries(try load("ansible-inventory-list-export.json")), ini)
    }

    func testGroupSelectionReadsChildren() throws {
        let path = fixtures.appendingPathComponent("ansible-hosts.ini").path
        let inventory = try Inventory.load(
            path: try directory.write("ansible_inventory:\n  - {file: \(path), group: prod}\n", to: "inventory.yaml"))
        XCTAssertEqual(inventory.hosts.count, 5)
    }

    func testINIErrorsNameFileAndLine() throws {
        let ini = try directory.write("[redis]\ncache-1 ansible_port=2222\ncache-2 ansible_port\n", to: "hosts")
        XCTAssertThrowsError(
            try Inventory.load(path: try directory.write("ansible_inventory:\n  - file: hosts\n", to: "inv.yaml"))
        ) { error in
            XCTAssertEqual("\(error)", ini + ":3: expected key=value host variable, found 'ansible_port'")
        }
        _ = try directory.write("[redis]\nweb[05:01].example.com\n", to: "hosts")
        XCTAssertThrowsError(try Inventory.load(path: directory.file("inv.yaml"))) { error in
            XCTAssertTrue("\(error)".hasPrefix(ini + ":2: 'web[05:01].example.com'"), "\(error)")
        }
    }

    func testJSONErrorsNameTheKeyPath() throws {
        let json = try directory.write(
            #"{"_meta": {"hostvars": {"a": {"ansible_port": "ssh"}}}, "all": {"children": ["ungrouped"]}, "#
                + #""ungrouped": {"hosts": ["a"]}}"#, to: "list.json")
        XCTAssertThrowsError(
            try Inventory.load(path: try directory.write("ansible_inventory:\n  - file: list.json\n", to: "inv.yaml"))
        ) { error in
            XCTAssertEqual(
                "\(error)", json + ": _meta.hostvars.a.ansible_port: expected a whole number in 1...65535, found 'ssh'")
        }
    }

    func testRangesKeepLeadingZerosAndSteps() throws {
        _ = try directory.write("[web]\nweb[08:12:2].example.com\ndb-[a:c]\n", to: "hosts")
        let inventory = try Inventory.load(
            path: try directory.write("ansible_inventory:\n  - file: hosts\n", to: "inv.yaml"))
        XCTAssertEqual(
            inventory.hosts.map(\.name),
            ["web08.example.com", "web10.example.com", "web12.example.com", "db-a", "db-b", "db-c"])
    }
}
