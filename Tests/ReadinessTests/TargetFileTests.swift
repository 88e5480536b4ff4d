import Inventory
import Readiness
import TestSupport
import XCTest

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
}
