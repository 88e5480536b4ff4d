import FleetCore
import Foundation
import FuzzTargets
import XCTest

/// Replays, through the fuzz targets' own entry points, every input the fuzzers found a crash with
/// (Fuzz/regressions/<target>/, kept by `make fuzz`) and every committed seed (Fuzz/seeds/<target>/). A trap here
/// kills the test process, so a regression cannot pass unnoticed; the Fuzz package itself is not built in CI.
final class FuzzRegressionTests: XCTestCase {
    static let fuzzDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz")

    static func inputs(_ kind: String, _ target: FuzzTarget) -> [URL] {
        let directory = fuzzDirectory.appendingPathComponent(kind).appendingPathComponent(target.rawValue)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted().map {
            directory.appendingPathComponent($0)
        }
    }

    func testEveryRecordedCrashReplaysWithoutTrapping() throws {
        var replayed = 0
        for target in FuzzTarget.allCases {
            for input in Self.inputs("regressions", target) {
                target.run(try Data(contentsOf: input))
                replayed += 1
            }
        }
        // The issue-10 inputs are committed with the fix: finding none means the directory moved, not that all is well.
        XCTAssertGreaterThanOrEqual(replayed, 4, "no regression inputs under \(Self.fuzzDirectory.path)/regressions")
    }

    func testEverySeedRunsThroughItsTarget() throws {
        var targetsWithSeeds: [FuzzTarget] = []
        for target in FuzzTarget.allCases {
            let seeds = Self.inputs("seeds", target)
            for seed in seeds { target.run(try Data(contentsOf: seed)) }
            if !seeds.isEmpty { targetsWithSeeds.append(target) }
        }
        XCTAssertEqual(Set(targetsWithSeeds), Set(FuzzTarget.allCases), "every target has at least one seed")
    }

    /// The evaluator's JSON inputs are stored host files (`report --run` decodes them): they must decode, or the
    /// replay would only exercise the decoder's error path.
    func testTheEvaluatorsJSONInputsAreStoredSnapshotsThatDecode() throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let inputs = (Self.inputs("seeds", .evaluator) + Self.inputs("regressions", .evaluator)).filter {
            $0.pathExtension == "json"
        }
        XCTAssertGreaterThanOrEqual(inputs.count, 2)
        for input in inputs {
            let snapshot = try decoder.decode(HostSnapshot.self, from: try Data(contentsOf: input))
            XCTAssertFalse(snapshot.instances.isEmpty, input.lastPathComponent)
        }
    }

    func testArbitraryBytesRunThroughEveryTarget() {
        // Not valid UTF-8, NUL bytes, CRLF, and a lone `{` that is not JSON.
        let inputs: [[UInt8]] = [[], [0xff, 0xfe, 0x00, 0x0a], Array("{".utf8), Array("\r\n\r\n@@ i:info\r\n".utf8)]
        for target in FuzzTarget.allCases {
            for input in inputs { target.run(Data(input)) }
        }
    }
}
