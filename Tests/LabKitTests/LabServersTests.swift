import Foundation
import XCTest

@testable import LabKit

/// `server: redis-X.Y.Z` / `valkey-X.Y.Z` resolves to whatever scripts/install-lab-servers.sh installed.
final class LabServersTests: XCTestCase {
    func testEveryInstalledServerResolvesAndIsTheVersionItsFolderNames() throws {
        let servers = LabServers()
        let names = try FileManager.default.contentsOfDirectory(atPath: servers.root)
            .filter { $0.hasPrefix("redis-") || $0.hasPrefix("valkey-") }.sorted()
        // What the default install puts there (CI runs it before the tests).
        XCTAssertTrue(Set(names).isSuperset(of: ["redis-2.8.17", "redis-3.2.6", "valkey-9.1.2"]), "\(names)")
        for name in names {
            let path = try servers.executable(for: name)
            XCTAssertEqual(path, "\(servers.root)/\(name)/\(name.hasPrefix("valkey-") ? "valkey" : "redis")-server")
            let process = Process()
            let output = Pipe()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = ["--version"]
            process.standardOutput = output
            try process.run()
            let banner = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            // "Redis server v=7.4.1 ...", "Valkey server v=8.1.1 ..."; Valkey 7.2 says just "Server v=7.2.7 ...".
            let version = name.split(separator: "-", maxSplits: 1)[1]
            let server =
                name.hasPrefix("valkey-7.") ? "Server" : name.hasPrefix("valkey-") ? "Valkey server" : "Redis server"
            XCTAssertTrue(banner.hasPrefix("\(server) v=\(version) "), "\(name): \(banner)")
        }
    }

    func testAMissingServerNamesTheCommandThatInstallsIt() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lab-servers-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let servers = LabServers(environment: ["LAB_SERVERS": root.path])
        XCTAssertThrowsError(try servers.executable(for: "redis-5.0.14")) { error in
            XCTAssertTrue(
                "\(error)".hasSuffix("is missing; run scripts/install-lab-servers.sh redis-5.0.14"), "\(error)")
        }
    }
}
