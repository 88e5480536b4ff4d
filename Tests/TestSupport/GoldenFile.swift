import Foundation
import XCTest

/// Golden files: a renderer's whole output for a fixed model, compared byte for byte. The file sits beside the test
/// (`Golden/NAME`); `FLEET_AUDIT_UPDATE_GOLDEN=1 swift test --filter ...` rewrites it after a deliberate change of
/// the format, and the diff of the golden file is then reviewed like code.
public enum GoldenFile {
    public static func assertMatches(
        _ actual: String, named name: String, testFile: StaticString = #filePath, line: UInt = #line
    ) throws {
        let directory = URL(fileURLWithPath: "\(testFile)").deletingLastPathComponent().appendingPathComponent("Golden")
        let url = directory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["FLEET_AUDIT_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: url)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        guard actual != expected else { return }
        // The first differing line, so a failure says where without printing megabytes.
        let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let index =
            zip(actualLines.indices, zip(actualLines, expectedLines)).first { $0.1.0 != $0.1.1 }?.0
            ?? min(actualLines.count, expectedLines.count)
        XCTFail(
            "\(name) differs at line \(index + 1): expected \(index < expectedLines.count ? String(expectedLines[index]) : "<end>"), "
                + "got \(index < actualLines.count ? String(actualLines[index]) : "<end>")", file: testFile, line: line)
    }

    /// The bytes `JSONSerialization` writes for the value `json` holds, with the options and the hidden-character
    /// escaping every fleet-audit JSON document had when it was built from `[String: Any]`: a second, independent
    /// statement of the layout the hand-written writer must keep.
    public static func reserializedWithJSONSerialization(_ json: String, escapeHidden: (String) -> String) throws
        -> String
    {
        let value = try JSONSerialization.jsonObject(with: Data(json.utf8))
        let data = try JSONSerialization.data(
            withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return escapeHidden(String(decoding: data, as: UTF8.self)) + "\n"
    }
}
