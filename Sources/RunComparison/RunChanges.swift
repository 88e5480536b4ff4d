import FleetCore
import Foundation

/// What changed between two evaluated runs: hosts and instances whose readiness moved, hosts and instances that
/// appeared or disappeared, and every check whose status changed, with the evidence before and after.
///
/// Computed by History (which reads earlier runs) and handed to the renderers through `ReportModel.sinceLastRun`;
/// `fleet-audit diff` renders the same value.
public struct RunChanges: Sendable, Hashable {
    /// How a host's or an instance's readiness moved.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Now `ready`, and was something else.
        case becameReady = "became-ready"
        /// Worse than before (e.g. warnings to blocked, anything to unreachable).
        case regressed
        /// Better than before, not yet ready.
        case improved
        /// Not in the earlier run.
        case appeared
        /// In the earlier run, not in this one.
        case disappeared

        /// Classifies a status change; `nil` when nothing changed.
        public static func of(before: ReadinessStatus?, after: ReadinessStatus?) -> Kind? {
            switch (before, after) {
            case (nil, nil): nil
            case (nil, _): .appeared
            case (_, nil): .disappeared
            case (let before?, let after?) where before == after: nil
            case (_, .ready?): .becameReady
            case (let before?, let after?): after > before ? .regressed : .improved
            }
        }
    }

    /// A host's or an instance's readiness change, as the human formats list both.
    public struct StatusChange: Sendable, Hashable {
        /// The host's name, or `host:port`.
        public var place: String
        public var kind: Kind
        public var before: ReadinessStatus?
        public var after: ReadinessStatus?
    }

    /// Host changes, then instance changes, each under its noun (`Host`, `Instance`); empty groups are left out.
    public var statusChanges: [(noun: String, changes: [StatusChange])] {
        let groups = [
            ("Host", hosts.map { StatusChange(place: $0.name, kind: $0.kind, before: $0.before, after: $0.after) }),
            (
                "Instance",
                instances.map {
                    StatusChange(place: "\($0.host):\($0.port)", kind: $0.kind, before: $0.before, after: $0.after)
                }
            ),
        ]
        return groups.filter { !$0.1.isEmpty }.map { (noun: $0.0, changes: $0.1) }
    }

    /// A host whose status changed, or that appeared or disappeared.
    public struct Host: Sendable, Hashable {
        public var name: String
        public var address: String
        public var kind: Kind
        public var before: ReadinessStatus?
        public var after: ReadinessStatus?

        public init(name: String, address: String, kind: Kind, before: ReadinessStatus?, after: ReadinessStatus?) {
            self.name = name
            self.address = address
            self.kind = kind
            self.before = before
            self.after = after
        }
    }

    /// An instance (host + port) of a host present in both runs whose status changed, or that appeared or went.
    public struct Instance: Sendable, Hashable {
        public var host: String
        public var port: Int
        public var kind: Kind
        public var before: ReadinessStatus?
        public var after: ReadinessStatus?

        public init(host: String, port: Int, kind: Kind, before: ReadinessStatus?, after: ReadinessStatus?) {
            self.host = host
            self.port = port
            self.kind = kind
            self.before = before
            self.after = after
        }
    }

    /// A check whose status changed on an instance present in both runs (or on the target: `host` is nil).
    public struct Check: Sendable, Hashable {
        /// nil for a check of the target deployment.
        public var host: String?
        public var port: Int?
        public var id: String
        public var title: String
        public var severity: Severity
        /// nil when the check did not run in the earlier run.
        public var before: CheckStatus?
        /// nil when the check no longer runs.
        public var after: CheckStatus?
        /// What the check observed in the earlier run, and in this one.
        public var evidenceBefore: [Evidence]
        public var evidenceAfter: [Evidence]

        public init(
            host: String?, port: Int?, id: String, title: String, severity: Severity, before: CheckStatus?,
            after: CheckStatus?, evidenceBefore: [Evidence], evidenceAfter: [Evidence]
        ) {
            self.host = host
            self.port = port
            self.id = id
            self.title = title
            self.severity = severity
            self.before = before
            self.after = after
            self.evidenceBefore = evidenceBefore
            self.evidenceAfter = evidenceAfter
        }

        /// `host:port`, or `target` for a check of the target deployment.
        public var place: String { host.map { "\($0):\(port.map(String.init) ?? "?")" } ?? "target" }
    }

    /// The earlier run; nil when this is the first complete run in the history.
    public var previousRunID: String?
    public var previousStartedAt: Date?
    public var runID: String
    /// Ordered by kind (became ready, regressed, improved, appeared, disappeared), then name.
    public var hosts: [Host]
    /// Ordered by kind, then host and port.
    public var instances: [Instance]
    /// Target checks first, then by host, port and check id.
    public var checks: [Check]

    public init(
        previousRunID: String?, previousStartedAt: Date? = nil, runID: String, hosts: [Host] = [],
        instances: [Instance] = [], checks: [Check] = []
    ) {
        self.previousRunID = previousRunID
        self.previousStartedAt = previousStartedAt
        self.runID = runID
        self.hosts = hosts
        self.instances = instances
        self.checks = checks
    }

    /// No earlier run to compare with.
    public var isFirstRun: Bool { previousRunID == nil }

    /// An earlier run exists and nothing changed.
    public var isEmpty: Bool { hosts.isEmpty && instances.isEmpty && checks.isEmpty }
}
