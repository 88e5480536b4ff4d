import Foundation
import XCTest

/// Golden files: a renderer's whole output for a fixed model, compared byte for byte. The file sits beside the test
/// (`Golden/NAME`); `FLEET_AUDIT_UPDATE_GOLDEN=1 swift test --filter ...` rewrites it after a deliberate change of
/// the format, and the diff of the golden file is then reviewed like code. A mismatch fails with the first differing
/// line of each side, a `diff -u` command for the whole output and the command that accepts the change.
public enum GoldenFile {
    public static func assertMatches(
        _ actual: String, named name: String, testFile: StaticString = #filePath, function: StaticString = #function,
        line: UInt = #line
    ) throws {
        // The test as `swift test --filter` names it, when its file is named after its class (as every one here is).
        let testName =
            URL(fileURLWithPath: "\(testFile)").deletingPathExtension().lastPathComponent + "/"
            + "\(function)".replacingOccurrences(of: "()", with: "")
        let update = "FLEET_AUDIT_UPDATE_GOLDEN=1 swift test --filter \(testName)"
        let directory = URL(fileURLWithPath: "\(testFile)").deletingLastPathComponent().appendingPathComponent("Golden")
        let url = directory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["FLEET_AUDIT_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: url)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            XCTFail(
                "no golden file \(url.path): write it with \(update)",
                file: testFile, line: line)
            return
        }
        guard actual != expected else { return }
        // Where and how it differs, without printing megabytes: the first differing line of each (escaped, so a
        // control character in the output cannot garble the test log), the whole output in a file beside a
        // `diff -u` command, and how to accept a deliberate change.
        let actualLines = actual.components(separatedBy: "\n")
        let expectedLines = expected.components(separatedBy: "\n")
        let index =
            zip(actualLines.indices, zip(actualLines, expectedLines)).first { $0.1.0 != $0.1.1 }?.0
            ?? min(actualLines.count, expectedLines.count)
        let shown = { (lines: [String]) in
            index < lines.count ? String(lines[index].prefix(400)).debugDescription : "<end of output>"
        }
        let actualFile = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-audit-golden")
            .appendingPathComponent(name)
        try? FileManager.default.createDirectory(
            at: actualFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        let saved = (try? Data(actual.utf8).write(to: actualFile)) != nil
        XCTFail(
            """
            \(name) differs from its golden file at line \(index + 1) of \(expectedLines.count):
              expected: \(shown(expectedLines))
              actual:   \(shown(actualLines))
            \(saved ? "see all of it: diff -u \(url.path) \(actualFile.path)" : "")
            a deliberate change: \(update), then review the golden file's diff
            """, file: testFile, line: line)
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
