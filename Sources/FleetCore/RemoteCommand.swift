import Foundation

/// One command to run on one host.
public struct RemoteJob: Sendable, Hashable {
    public var host: HostConnection
    /// Shell command line passed to the SSH `exec` request.
    public var command: String
    /// Bytes written to the command's standard input, then EOF. This is how secrets reach the remote side
    /// (never on a command line, where `ps` would show them). Never logged.
    public var standardInput: Data?
    /// Per-stream cap on captured output, in bytes; the rest is read and dropped, and the result says so.
    public var outputLimit: Int
    /// Cap on stdout and stderr together. When it is reached the engine stops reading and drops the connection, so a
    /// host cannot cost more memory or time however much it prints; the result keeps what arrived and says so
    /// (`FailureClass.outputLimit`). Nil: only the per-stream cap applies, and the command runs to its end.
    public var totalOutputLimit: Int?

    public static let defaultOutputLimit = 8 * 1024 * 1024

    public init(
        host: HostConnection, command: String, standardInput: Data? = nil, outputLimit: Int = defaultOutputLimit,
        totalOutputLimit: Int? = nil
    ) {
        self.host = host
        self.command = command
        self.standardInput = standardInput
        self.outputLimit = outputLimit
        self.totalOutputLimit = totalOutputLimit
    }
}

/// Runs commands on many hosts. The libssh2 engine implements it; tests may replay recorded output.
public protocol RemoteExecutor: Sendable {
    /// Runs every job, at most the executor's concurrency at once, and calls `onResult` as each host finishes
    /// (from any thread), so callers can persist results before the whole run ends.
    /// Returns every result, in the order of `jobs`. One host's failure is a result, never a thrown error.
    func run(_ jobs: [RemoteJob], onResult: @escaping @Sendable (CommandResult) -> Void) async -> [CommandResult]

    /// Runs every job like `run`, but hands each result to `onResult` only and keeps none: memory stays bounded by
    /// the sessions in flight, whatever the number of hosts.
    func forEachResult(of jobs: [RemoteJob], _ onResult: @escaping @Sendable (CommandResult) -> Void) async
}

extension RemoteExecutor {
    public func forEachResult(of jobs: [RemoteJob], _ onResult: @escaping @Sendable (CommandResult) -> Void) async {
        _ = await run(jobs, onResult: onResult)
    }
}
