import FleetCore

/// What a command's work came to: every problem met, classified, and what was made. A command hands it to
/// `ExitStatus.of(_:failOn:)`; it never decides its exit status itself.
public struct AuditOutcome: Sendable {
    /// In the order they were met. A problem of class `input` or `environment` was already reported to the console
    /// when it was met; findings are data (the reports show them).
    public var problems: [AuditProblem]
    /// The evaluation, when the pipeline got that far.
    public var verdict: FleetVerdict?
    /// Report files written.
    public var reportFiles: [String]

    public init(problems: [AuditProblem] = [], verdict: FleetVerdict? = nil, reportFiles: [String] = []) {
        self.problems = problems
        self.verdict = verdict
        self.reportFiles = reportFiles
    }

    /// The problems of one class.
    public func problems(_ kind: AuditProblem.Kind) -> [AuditProblem] { problems.filter { $0.kind == kind } }
}
