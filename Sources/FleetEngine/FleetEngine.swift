import FleetCore
import Foundation
import Logging
import SSHClient
import Synchronization

/// Runs commands on many hosts at once over non-blocking libssh2 sessions, on a small fixed number of poll loops
/// (never a thread per host). Implements `RemoteExecutor`.
public final class FleetEngine: RemoteExecutor {
    public struct Configuration: Sendable {
        /// Sessions in flight at once, across all loops (default 256).
        public var concurrency: Int
        /// Poll-loop threads (default 1: one loop keeps up with far more sessions than a server can serve).
        public var loopThreads: Int
        /// ssh-agent socket, normally `$SSH_AUTH_SOCK`.
        public var agentSocketPath: String?
        /// Where passphrase variables are read from (the process environment by default).
        public var environment: [String: String]
        /// Tunnels (direct-tcpip channels) carried at once by one connection to a bastion (default 8, under
        /// OpenSSH's MaxSessions default of 10). Per loop thread.
        public var maxChannelsPerBastionConnection: Int
        /// Connections open at once to one bastion (default 10; OpenSSH's MaxStartups starts refusing at 10
        /// unauthenticated connections). Per loop thread.
        public var maxConnectionsPerBastion: Int
        /// Proxy commands running at once (default 64): each is a process. Per loop thread.
        public var maxProxyCommands: Int

        public init(
            concurrency: Int = 256, loopThreads: Int = 1,
            agentSocketPath: String? = ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"],
            environment: [String: String] = ProcessInfo.processInfo.environment,
            maxChannelsPerBastionConnection: Int = 8, maxConnectionsPerBastion: Int = 10, maxProxyCommands: Int = 64
        ) {
            self.concurrency = concurrency
            self.loopThreads = loopThreads
            self.agentSocketPath = agentSocketPath
            self.environment = environment
            self.maxChannelsPerBastionConnection = maxChannelsPerBastionConnection
            self.maxConnectionsPerBastion = maxConnectionsPerBastion
            self.maxProxyCommands = maxProxyCommands
        }
    }

    public let configuration: Configuration
    private let logger: Logger

    /// Prepares the process for `configuration.concurrency` sessions: raises the open-file soft limit as needed.
    /// - Throws: `EngineError` when the limit cannot be raised far enough (with what to do about it).
    public init(configuration: Configuration = Configuration(), logger: Logger = Logger(label: "fleet-audit.engine"))
        throws(EngineError)
    {
        guard
            configuration.concurrency >= 1, configuration.loopThreads >= 1,
            configuration.maxChannelsPerBastionConnection >= 1, configuration.maxConnectionsPerBastion >= 1,
            configuration.maxProxyCommands >= 1
        else {
            throw EngineError(
                code: .invalidConfiguration,
                message: "concurrency, loop threads, bastion channel and connection caps and the proxy command cap "
                    + "must be at least 1")
        }
        // Per session: a socket, an agent socket when the agent is used, and for a tunnelled or proxied session the
        // socketpair's second end (plus a stderr pipe for a proxy command); room for the process itself.
        _ = try FileLimit.raise(toAtLeast: configuration.concurrency * 4 + 64)
        // A peer that closes while libssh2 writes must give EPIPE, not kill the process.
        signal(SIGPIPE, SIG_IGN)
        self.configuration = configuration
        self.logger = logger
    }

    public func run(_ jobs: [RemoteJob], onResult: @escaping @Sendable (CommandResult) -> Void) async
        -> [CommandResult]
    {
        let results = Mutex<[CommandResult?]>(Array(repeating: nil, count: jobs.count))
        await drive(jobs) { index, result in
            results.withLock { $0[index] = result }
            onResult(result)
        }
        return results.withLock { stored in
            stored.enumerated().map { index, result in
                result
                    ?? CommandResult(
                        host: jobs[index].host.name, address: jobs[index].host.address, port: jobs[index].host.port,
                        status: .failed, failure: Failure(.connection, message: "the engine lost this host's result"))
            }
        }
    }

    public func forEachResult(of jobs: [RemoteJob], _ onResult: @escaping @Sendable (CommandResult) -> Void) async {
        await drive(jobs) { _, result in onResult(result) }
    }

    /// Runs every job on the poll loops and hands each result, with its job's index, to `collect`.
    private func drive(_ jobs: [RemoteJob], collect: @escaping @Sendable (Int, CommandResult) -> Void) async {
        guard !jobs.isEmpty else { return }
        // Jump hosts are resolved with the targets: a bastion's name is resolved on this side (the targets behind it
        // are not: the bastion connects to them).
        let addresses = await AddressResolver.resolve(
            jobs.flatMap { job in job.host.jumps.isEmpty && job.host.proxyCommand == nil ? [job.host.address] : [] }
                + jobs.flatMap { $0.host.jumps.flatMap(Self.hopAddresses) })
        let knownHosts = KnownHostsStore()
        let loops = min(configuration.loopThreads, jobs.count)
        let configuration = configuration
        let logger = logger
        await withTaskGroup(of: Void.self) { group in
            for loopIndex in 0..<loops {
                let share = jobs.enumerated().filter { $0.offset % loops == loopIndex }.map {
                    (index: $0.offset, job: $0.element)
                }
                let concurrency = max(1, configuration.concurrency / loops)
                group.addTask {
                    await DedicatedThread.run(name: "fleet-audit.loop.\(loopIndex)") {
                        let context = SessionContext(
                            knownHosts: knownHosts, agentSocketPath: configuration.agentSocketPath,
                            environment: configuration.environment, addresses: addresses, limits: configuration)
                        EventLoop(
                            jobs: share, concurrency: concurrency, context: context, logger: logger,
                            onResult: collect
                        ).run()
                    }
                }
            }
        }
    }

    /// A hop's own address, and those of the hops its own connection goes through, unless a proxy command reaches it.
    private static func hopAddresses(_ hop: HostConnection) -> [String] {
        hop.jumps.flatMap(hopAddresses) + (hop.proxyCommand == nil ? [hop.address] : [])
    }
}
