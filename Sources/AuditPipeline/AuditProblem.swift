import Collector
import FleetCore
import History

/// Something that kept a command from a clean result, classified by who must act on it: the input files, this
/// machine, or the fleet itself. `ExitStatus.of(_:failOn:)` turns the classes into the exit status, in one place.
public struct AuditProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// An input file (inventory, target, waivers, stored run, secret reference) is invalid or missing: nothing
        /// ran, or nothing more did.
        case input
        /// This machine could not do the work: file limits, the reports root or history not writable, a lock held.
        case environment
        /// What the audit found on the fleet: a host that is not ready, or one that could not be reached. Whether it
        /// fails the command is `--fail-on`'s decision.
        case findings
    }

    public var kind: Kind
    /// For findings: the readiness status found (a host that failed to answer is `unreachable`); nil otherwise.
    public var status: ReadinessStatus?
    /// What failed and what to do next, without the `fleet-audit: ` prefix the CLI prints before it.
    public var message: String

    public init(kind: Kind, status: ReadinessStatus? = nil, message: String) {
        self.kind = kind
        self.status = kind == .findings ? (status ?? .blocked) : nil
        self.message = message
    }

    public static func input(_ message: String) -> AuditProblem { AuditProblem(kind: .input, message: message) }

    public static func environment(_ message: String) -> AuditProblem {
        AuditProblem(kind: .environment, message: message)
    }

    public static func finding(_ status: ReadinessStatus, _ message: String) -> AuditProblem {
        AuditProblem(kind: .findings, status: status, message: message)
    }

    public var description: String { message }

    /// A collection that could not start: its input (a secret reference), or this machine (the run directory).
    public init(collection error: Collector.CollectionError) {
        self.init(kind: error.kind == .environment ? .environment : .input, message: error.description)
    }

    /// A history error: a run or history that is not there is an input problem, the rest is this machine's.
    public init(history error: any Error) {
        let kind: Kind
        switch (error as? HistoryError)?.code {
        case .noHistory, .runNotFound, .ambiguousRun, .notEnoughRuns, .incompleteRun: kind = .input
        case .open, .read, .write, .locked, .lockFile, .retention, nil: kind = .environment
        }
        self.init(kind: kind, message: "\(error)")
    }
}
