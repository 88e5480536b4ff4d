import FleetCore

/// A check that keeps an instance out of every wave (a blocker that fails or is unknown), and its fix.
public struct BlockingCheck: Sendable, Hashable {
    /// Where the fix is made.
    public enum Scope: String, Sendable, Hashable {
        /// On the source host or instance.
        case instance
        /// In the target deployment (a failing target check blocks every instance).
        case target
    }

    public var id: String
    public var title: String
    public var status: CheckStatus
    public var scope: Scope
    public var summary: String
    /// What to change; for an `unknown` result without one, what to verify.
    public var remediation: String

    public init(id: String, title: String, status: CheckStatus, scope: Scope, summary: String, remediation: String) {
        self.id = id
        self.title = title
        self.status = status
        self.scope = scope
        self.summary = summary
        self.remediation = remediation
    }

    /// The blocking checks among `checks`: blockers that fail or are unknown (waived ones no longer block).
    static func blocking(_ checks: [CheckResult], scope: Scope) -> [BlockingCheck] {
        checks.filter { $0.severity == .blocker && ($0.status == .fail || $0.status == .unknown) }.map { check in
            BlockingCheck(
                id: check.id.rawValue, title: check.title, status: check.status, scope: scope, summary: check.summary,
                remediation: check.remediation
                    ?? (check.status == .unknown
                        ? "Collect the missing evidence and audit again: \(check.summary)" : check.summary))
        }
    }
}
