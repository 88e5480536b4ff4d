import Foundation

/// Fixtures the repository ships, read so that a missing one can never pass for an empty one.
public enum Fixture {
    /// The text of the fixture at `path`. A missing or unreadable fixture stops the run here, naming its path: read
    /// into a static (a test's shared fixture) there is no test to fail, and an empty string in its place would make
    /// every assertion on it vacuous.
    public static func text(_ path: String) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            preconditionFailure("fixture \(path) is missing or unreadable: \(error)")
        }
    }
}
