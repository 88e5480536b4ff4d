import Foundation

/// Everything that can go wrong with the history, the reports root lock or retention: what failed, on which file,
/// and what to do next.
public struct HistoryError: Error, Sendable, CustomStringConvertible {
    /// Grouped by phase: opening the database, reading it, writing it, finding runs, locking, retention.
    public enum Code: String, Sendable {
        /// There is no history.sqlite in the reports root yet.
        case noHistory
        /// history.sqlite cannot be opened or created, or was written by a newer fleet-audit.
        case open
        /// A query failed or a stored row cannot be read back.
        case read
        /// Recording a run failed; the transaction was rolled back and the history is as before.
        case write
        /// A run was asked to be recorded before its manifest said `complete`.
        case incompleteRun
        /// No recorded run has this id or prefix.
        case runNotFound
        /// A prefix matches more than one recorded run.
        case ambiguousRun
        /// `diff` needs two complete runs and the history holds fewer.
        case notEnoughRuns
        /// Another fleet-audit holds the reports root lock and did not let go in time.
        case locked
        /// The lock file cannot be created or locked.
        case lockFile
        /// A run directory could not be deleted by retention.
        case retention
    }

    public var code: Code
    /// The file or directory concerned.
    public var path: String
    /// What failed and what to do next.
    public var message: String
    /// The underlying error (SQLite, errno), when there is one.
    public var underlying: String?

    public init(_ code: Code, path: String, message: String, underlying: String? = nil) {
        self.code = code
        self.path = path
        self.message = message
        self.underlying = underlying
    }

    public var description: String { "\(path): \(message)" + (underlying.map { " (\($0))" } ?? "") }
}
