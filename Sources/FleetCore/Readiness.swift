/// How bad a check's failure is.
public enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// A failure blocks the migration.
    case blocker
    /// A failure is a risk to weigh, not a stop.
    case warning
    /// Facts for planning only; never fails.
    case info

    private var order: Int {
        switch self {
        case .blocker: 0
        case .warning: 1
        case .info: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.order < rhs.order }
}

/// The result of one check on one instance (or on the target).
public enum CheckStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case pass
    case warn
    case fail
    /// The evidence could not be collected or read. Never shown as a pass.
    case unknown
    case notApplicable = "n/a"
    /// Failing or warning, but accepted by an unexpired waiver.
    case waived
}

/// Migration readiness of an instance or a host, best first.
public enum ReadinessStatus: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case ready
    case warnings
    case review
    case blocked
    case unreachable

    /// Position in the ranking: lower moves first.
    public var rankOrder: Int {
        switch self {
        case .ready: 0
        case .warnings: 1
        case .review: 2
        case .blocked: 3
        case .unreachable: 4
        }
    }

    public static func < (lhs: ReadinessStatus, rhs: ReadinessStatus) -> Bool { lhs.rankOrder < rhs.rankOrder }
}
