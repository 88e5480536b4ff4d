import FleetCore

/// When findings make `audit` and `report` exit non-zero for CI gating (`--fail-on`).
public enum FailOn: String, Sendable, CaseIterable {
    case blocked
    case warnings
    case never

    /// Whether the fleet's results reach this level. Review and unreachable hosts count as blocked.
    public func isReached(by statuses: [ReadinessStatus]) -> Bool {
        switch self {
        case .never: false
        case .blocked: statuses.contains { $0 == .blocked || $0 == .review || $0 == .unreachable }
        case .warnings: statuses.contains { $0 != .ready }
        }
    }
}
