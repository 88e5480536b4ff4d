import Foundation

/// What happened on one host: the command's output and exit status, or why it could not run.
public struct CommandResult: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Codable {
        case ok
        case failed
    }

    /// Inventory name of the host.
    public var host: String
    public var address: String
    public var port: Int
    public var status: Status
    /// Remote exit status, when the command ran to completion.
    public var exitStatus: Int32?
    /// Name of the signal that ended the remote command (for example `KILL`), if any.
    public var exitSignal: String?
    /// Why the host failed; nil when `status == .ok`.
    public var failure: Failure?
    public var stdout: Data
    public var stderr: Data
    public var stdoutTruncated: Bool
    public var stderrTruncated: Bool
    /// Wall-clock seconds from first connect attempt to the end of the session.
    public var elapsedSeconds: Double
    /// True when host keys were not verified (host key checking `off`): every output repeats it.
    public var hostKeyUnverified: Bool

    public init(
        host: String, address: String, port: Int, status: Status, exitStatus: Int32? = nil,
        exitSignal: String? = nil, failure: Failure? = nil, stdout: Data = Data(), stderr: Data = Data(),
        stdoutTruncated: Bool = false, stderrTruncated: Bool = false, elapsedSeconds: Double = 0,
        hostKeyUnverified: Bool = false
    ) {
        self.host = host
        self.address = address
        self.port = port
        self.status = status
        self.exitStatus = exitStatus
        self.exitSignal = exitSignal
        self.failure = failure
        self.stdout = stdout
        self.stderr = stderr
        self.stdoutTruncated = stdoutTruncated
        self.stderrTruncated = stderrTruncated
        self.elapsedSeconds = elapsedSeconds
        self.hostKeyUnverified = hostKeyUnverified
    }

    public var truncated: Bool { stdoutTruncated || stderrTruncated }
}

/// A classified reason a host could not be audited (or a command did not succeed).
public struct Failure: Sendable, Hashable, Codable, Error {
    public var errorClass: FailureClass
    /// For timeouts: the phase whose deadline passed.
    public var phase: SessionPhase?
    /// One human sentence: what failed and what to do next. Never contains secrets. A failure at a jump host
    /// starts with `jump: ` and names the hop.
    public var message: String
    /// The jump host (ProxyJump hop, by its name) where the failure happened, or through which the target could not
    /// be reached; nil for a failure at the target itself or on a direct route. The class keeps its meaning:
    /// `auth` with a hop is an authentication refused by that bastion.
    public var hop: String?

    public init(_ errorClass: FailureClass, phase: SessionPhase? = nil, message: String) {
        self.init(errorClass, phase: phase, message: message, hop: nil)
    }

    public init(_ errorClass: FailureClass, phase: SessionPhase? = nil, message: String, hop: String?) {
        self.errorClass = errorClass
        self.phase = phase
        self.message = message
        self.hop = hop
    }

    /// The failure as one line for a person, the same in every output: `class/phase: message` for a timeout
    /// (`timeout/handshake: no SSH banner within 10 s`), `class: message` otherwise. Raw text (the message quotes a
    /// host): each output makes it safe with its own sanitiser (`OutputText` in Reports).
    public var summary: String {
        "\(errorClass.rawValue)\(phase.map { "/" + $0.rawValue } ?? ""): \(message)"
    }
}

/// The classes of failure every output uses (`error_class` in JSON). Stable strings: scripts depend on them.
public enum FailureClass: String, Sendable, Hashable, Codable, CaseIterable {
    case refused
    case timeout
    case dns
    case hostKeyUnknown = "host-key-unknown"
    /// Loud: the server presented a key other than the recorded one (possible interception).
    case hostKeyChanged = "host-key-changed"
    case auth
    case channel
    /// The command ran and exited non-zero, or was killed by a signal.
    case exit
    /// The command printed more than the job's total output cap: the engine stopped reading and closed the
    /// connection (what arrived before is kept).
    case outputLimit = "output-limit"
    /// Anything else that broke the connection (reset, protocol error, local resource limits).
    case connection
}

/// Phases of one host's session, in order. Each has its own deadline.
public enum SessionPhase: String, Sendable, Hashable, Codable, CaseIterable {
    case connect
    case handshake
    case hostKey = "host-key"
    case authentication = "auth"
    case channel
    case command
    /// The whole-host deadline passed (whatever phase was running).
    case host
}
