import Inventory
import XCTest

final class HostSelectionTests: XCTestCase {
    private let inventory: Inventory = {
        // swift-format-ignore: NeverUseForceTry
        try! Inventory.parse(
            """
            groups: {eu: [cache-prod-1, cache-dev-1]}
            hosts:
              - {name: cache-prod-1, address: 10.0.0.1, tags: {env: prod, app: checkout}, groups: [prod]}
              - {name: cache-prod-2, address: 10.0.0.2, tags: {env: prod, app: search}, groups: [prod]}
              - {name: cache-dev-1, address: 10.0.0.3, tags: {env: dev, app: checkout}}
            """, file: "inline.yaml", baseDirectory: "/")
    }()

    private func names(_ expression: String?) throws -> [String] {
        try inventory.select(limit: expression).map(\.name)
    }

    func testNoLimitSelectsEveryHost() throws {
        XCTAssertEqual(try names(nil), ["cache-prod-1", "cache-prod-2", "cache-dev-1"])
    }

    func testNamesGlobsGroupsAndTags() throws {
        XCTAssertEqual(try names("cache-prod-2"), ["cache-prod-2"])
        XCTAssertEqual(try names("cache-prod-*"), ["cache-prod-1", "cache-prod-2"])
        XCTAssertEqual(try names("eu"), ["cache-prod-1", "cache-dev-1"])
        XCTAssertEqual(try names("group:prod"), ["cache-prod-1", "cache-prod-2"])
        XCTAssertEqual(try names("tag:app=checkout"), ["cache-prod-1", "cache-dev-1"])
        XCTAssertEqual(try names("env=dev"), ["cache-dev-1"])
    }

    func testIntersectionAndExclusion() throws {
        XCTAssertEqual(try names("prod,&app=checkout"), ["cache-prod-1"])
        XCTAssertEqual(try names("!cache-prod-1"), ["cache-prod-2", "cache-dev-1"])
        XCTAssertEqual(try names("eu,cache-prod-2,!env=dev"), ["cache-prod-1", "cache-prod-2"])
    }

    func testASelectionThatMatchesNothingIsAnError() {
        XCTAssertThrowsError(try names("nothing-*")) { XCTAssertTrue("\($0)".contains("selects no host")) }
        XCTAssertThrowsError(try names("a,,b")) { XCTAssertTrue("\($0)".contains("empty term")) }
    }
}
