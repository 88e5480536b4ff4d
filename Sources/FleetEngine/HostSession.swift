import FleetCore
import Foundation
import SSHClient

#if canImport(Glibc)
    import Glibc
#endif

/// One host's session, driven as an explicit state machine by the event loop (modelled on swift-nio-ssh's
/// SSHConnectionStateMachine): each state holds its own data, and each phase has its own deadline.
///
/// `advance()` does as much work as it can without blocking and returns what to wait for next; the loop calls it
/// again when a descriptor is ready or the session is woken, or calls `expire()` when a deadline passes. Lives on one
/// loop thread only.
final class HostSession: LoopTask {
    private enum State {
        /// Reaching the host (directly, through its jump hosts, or through its proxy command), the handshake, the
        /// host key and authentication: the `Connector` holds each stage and its deadline.
        case establishing(Connector)
        /// Opening the "session" channel.
        case openingChannel(SSHSession)
        /// Sending the "exec" request and waiting for the server's answer; `eofSent`: our EOF went out with it.
        case startingCommand(SSHSession, SSHChannel, eofSent: Bool)
        /// Feeding standard input and draining both output streams until EOF.
        case running(RunningState)
        /// Closing the channel and reading the exit status, then saying goodbye.
        case closing(ClosingState)
        /// Done; the result is final.
        case finished
    }

    let bookkeeping = LoopBookkeeping()
    let index: Int
    var jobIndex: Int? { index }
    let job: RemoteJob
    private let context: SessionContext
    private var state: State
    /// What carries the session's bytes after it is established, when not a TCP socket: the tunnel through the
    /// last jump host, or the proxy command. Pumped on every advance; closed when the session ends.
    private var transport: SessionTransport?
    private(set) var phase: SessionPhase = .connect
    private var phaseDeadline = Double.infinity
    private var phaseStartedAt: Double
    /// Starts when the host stops queueing (for a bastion channel or a proxy slot), not at admission: a host
    /// queued behind 900 others must not spend its own deadline on their work.
    private var hostDeadline = Double.infinity
    private let startedAt: Double
    private var hostKeyUnverified = false

    init(index: Int, job: RemoteJob, context: SessionContext, now: Double) {
        self.index = index
        self.job = job
        self.context = context
        self.startedAt = now
        self.phaseStartedAt = now
        state = .finished
        state = .establishing(Connector(host: job.host, hopName: nil, owner: self, context: context))
    }

    /// The earlier of the phase's and the host's deadline.
    var nextDeadline: Double {
        if case .establishing(let connector) = state { return min(connector.phaseDeadline, hostDeadline) }
        return min(phaseDeadline, hostDeadline)
    }

    // MARK: Driving

    func advance(now: Double) -> LoopStep {
        var transportInterests = transport?.pump(scratch: context.readBuffer) ?? []
        while true {
            switch state {
            case .establishing(let connector):
                let outcome = connector.advance(now: now, scratch: context.readBuffer)
                if hostDeadline == .infinity && !connector.isQueued { hostDeadline = now + job.host.deadlines.host }
                phase = connector.phase
                switch outcome {
                case .wait(let interests): return .wait(interests)
                case .failed(let failure): return finish(failure: failure, now: now)
                case .established(let session, let carrier, let unverified):
                    hostKeyUnverified = unverified
                    transport = carrier
                    transportInterests = carrier?.pump(scratch: context.readBuffer) ?? []
                    enter(.channel, deadline: job.host.deadlines.command, now: now)
                    state = .openingChannel(session)
                }

            case .openingChannel(let session):
                switch session.openChannel() {
                case .wouldBlock: return wait(session, transportInterests)
                case .failed(let error):
                    session.abort()
                    return fail(.channel, phase: .channel, "cannot open a channel: \(error)", now)
                case .done(let channel):
                    state = .startingCommand(session, channel, eofSent: false)
                }

            case .startingCommand(let session, let channel, var eofSent):
                let outcome = session.holdingWrites { () -> SSHOperation<Void> in
                    let outcome = channel.exec(job.command)
                    if case .wouldBlock = outcome, !eofSent { eofSent = sendEOFWithRequest(session, channel) }
                    return outcome
                }
                switch outcome {
                case .wouldBlock:
                    state = .startingCommand(session, channel, eofSent: eofSent)
                    return wait(session, transportInterests)
                case .failed(let error):
                    session.abort()
                    return fail(.channel, phase: .channel, "the server refused to run the command: \(error)", now)
                case .done:
                    enter(.command, deadline: job.host.deadlines.command, now: now)
                    state = .running(RunningState(session: session, channel: channel, job: job, eofSent: eofSent))
                }

            case .running(var running):
                switch running.advance(scratch: context.readBuffer) {
                case .wouldBlock:
                    state = .running(running)
                    return wait(running.session, transportInterests)
                case .failed(let error):
                    running.session.abort()
                    return fail(.connection, phase: .command, "the connection broke while running: \(error)", now)
                case .outputCapReached(let limit):
                    // No polite close: a host that floods need not read our close either. Dropping the connection
                    // ends the remote command's channel (sshd hangs up its pipes).
                    running.session.abort()
                    endTransport()
                    state = .finished
                    return .finished(
                        result(
                            failure: Failure(
                                .outputLimit, phase: .command,
                                message: "the command printed more than \(limit) bytes; the engine kept the first "
                                    + "\(limit) and closed the connection"),
                            now: now, output: running))
                case .drained:
                    state = .closing(ClosingState(running: running))
                }

            case .closing(var closing):
                switch closing.advance() {
                case .wouldBlock:
                    state = .closing(closing)
                    return wait(closing.session, transportInterests)
                case .closed:
                    closing.session.abort()
                    endTransport()
                    return finish(closing: closing, now: now)
                }

            case .finished:
                return .finished(result(failure: Failure(.connection, message: "session already finished"), now: now))
            }
        }
    }

    /// Called by the loop when `nextDeadline` has passed: the session ends with a timeout naming the phase (and the
    /// hop, when a jump host's stage was waiting).
    func expire(now: Double) -> CommandResult? {
        bookkeeping.isDone = true
        let hostExpired = now >= hostDeadline
        if case .establishing(let connector) = state {
            let failure = connector.expire(hostExpired: hostExpired, hostSeconds: job.host.deadlines.host)
            state = .finished
            return result(failure: failure, now: now)
        }
        var runningProgress: String?
        var partialOutput: RunningState?
        if case .running(let running) = state {
            runningProgress = running.progress
            partialOutput = running
        }
        let expiredPhase: SessionPhase = hostExpired ? .host : phase
        let breakage = transport?.breakage
        abortConnection()
        let seconds = hostExpired ? job.host.deadlines.host : phaseDeadline - phaseStartedAt
        let message: String
        switch expiredPhase {
        case .channel: message = "the server did not open a channel within \(format(seconds)) s"
        case .command:
            message =
                "the command did not finish within \(format(seconds)) s"
                + (runningProgress.map { " (\($0))" } ?? "")
        default:
            message =
                "the host did not finish within its \(format(seconds)) s deadline"
                + (runningProgress.map { " (\($0))" } ?? "")
        }
        state = .finished
        // What a command printed before its deadline is kept: a collector stuck on its last step still delivered
        // everything before it.
        return result(
            failure: breakage ?? Failure(.timeout, phase: expiredPhase, message: message), now: now,
            output: partialOutput)
    }

    // MARK: Helpers

    private func enter(_ newPhase: SessionPhase, deadline seconds: Double, now: Double) {
        phase = newPhase
        phaseStartedAt = now
        phaseDeadline = now + seconds
    }

    /// A command with no standard input gets our EOF in the same segment as its exec request, not one round trip
    /// later in a segment of its own (the server handles them in order, and a command that fails to start makes the
    /// EOF moot). Only once the request has left whole (libssh2 does not wait to write) and while the EOF fits in
    /// what is held: it must not meet a full socket, which would leave libssh2 holding a half-sent EOF while the exec
    /// call still reads.
    private func sendEOFWithRequest(_ session: SSHSession, _ channel: SSHChannel) -> Bool {
        guard job.standardInput?.isEmpty ?? true, !session.blockDirections.write,
            session.heldWriteRoom >= Self.largestEOFPacket
        else { return false }
        if case .done = channel.sendEOF() { return true }
        return false
    }

    /// CHANNEL_EOF on the wire: 16 bytes padded for a 16-byte block cipher, plus a MAC of up to 64 (hmac-sha2-512).
    private static let largestEOFPacket = 128

    private func wait(_ session: SSHSession, _ transportInterests: [PollInterest]) -> LoopStep {
        let directions = session.prepareToWait()
        return .wait([.on(session.socket, read: directions.read, write: directions.write)] + transportInterests)
    }

    private func endTransport() {
        transport?.close()
        transport = nil
    }

    private func abortConnection() {
        switch state {
        case .establishing(let connector): connector.abort()
        case .openingChannel(let session), .startingCommand(let session, _, _): session.abort()
        case .running(let running): running.session.abort()
        case .closing(let closing): closing.session.abort()
        case .finished: break
        }
        endTransport()
    }

    private func fail(_ failureClass: FailureClass, phase: SessionPhase?, _ message: String, _ now: Double) -> LoopStep
    {
        // A broken tunnel or an exited proxy command explains the failure better than what the session saw.
        let failure = transport?.breakage ?? Failure(failureClass, phase: phase, message: message)
        return finish(failure: failure, now: now)
    }

    private func finish(failure: Failure, now: Double) -> LoopStep {
        endTransport()
        state = .finished
        return .finished(result(failure: failure, now: now))
    }

    private func finish(closing: ClosingState, now: Double) -> LoopStep {
        state = .finished
        let output = closing.running
        var failure: Failure?
        if let signal = closing.exitSignal {
            failure = Failure(.exit, phase: .command, message: "the command was killed by signal \(signal)")
        } else if closing.exitStatus != 0 {
            failure = Failure(.exit, phase: .command, message: "the command exited with status \(closing.exitStatus)")
        }
        return .finished(
            CommandResult(
                host: job.host.name, address: job.host.address, port: job.host.port,
                status: failure == nil ? .ok : .failed,
                exitStatus: closing.exitSignal == nil ? closing.exitStatus : nil,
                exitSignal: closing.exitSignal, failure: failure, stdout: Data(output.stdout.bytes),
                stderr: Data(output.stderr.bytes), stdoutTruncated: output.stdout.truncated,
                stderrTruncated: output.stderr.truncated, elapsedSeconds: now - startedAt,
                hostKeyUnverified: hostKeyUnverified))
    }

    private func result(failure: Failure, now: Double, output: RunningState? = nil) -> CommandResult {
        CommandResult(
            host: job.host.name, address: job.host.address, port: job.host.port, status: .failed, failure: failure,
            stdout: output.map { Data($0.stdout.bytes) } ?? Data(),
            stderr: output.map { Data($0.stderr.bytes) } ?? Data(),
            stdoutTruncated: output?.stdout.truncated ?? false, stderrTruncated: output?.stderr.truncated ?? false,
            elapsedSeconds: now - startedAt, hostKeyUnverified: hostKeyUnverified)
    }
}

/// What every session of one loop shares: known_hosts files, the agent socket path, resolved addresses, the
/// bastion pool, proxy command slots, the scheduler, a scratch read buffer.
final class SessionContext {
    let knownHosts: KnownHostsStore
    let agentSocketPath: String?
    let environment: [String: String]
    let addresses: [String: AddressResolver.Outcome]
    let scheduler = LoopScheduler()
    let reaper = ProcessReaper()
    private let limits: FleetEngine.Configuration
    private(set) lazy var pool = BastionPool(
        maxChannelsPerConnection: limits.maxChannelsPerBastionConnection,
        maxConnectionsPerBastion: limits.maxConnectionsPerBastion, context: self)
    private(set) lazy var proxySlots = ProxySlots(limit: limits.maxProxyCommands, scheduler: scheduler)
    /// One buffer for every read on this loop: sessions run one at a time on the loop thread.
    let readBuffer: UnsafeMutableRawBufferPointer
    /// Key files inspected once per loop, not once per session (profiling showed it at ~8% of client CPU).
    private var inspectedKeys: [String: PrivateKeyFile?] = [:]

    func inspectKey(_ path: String) -> PrivateKeyFile? {
        if let known = inspectedKeys[path] { return known }
        let inspected = PrivateKeyFile.inspect(path: path)
        inspectedKeys[path] = inspected
        return inspected
    }

    /// Key files decoded once per loop for in-memory signing (nil: not decodable here, use libssh2's `_fromfile`).
    private var decodedKeys: [String: DecodedPrivateKey?] = [:]

    func decodedKey(_ path: String) -> DecodedPrivateKey? {
        if let known = decodedKeys[path] { return known }
        let decoded = DecodedPrivateKey.load(path: path)
        decodedKeys[path] = decoded
        return decoded
    }

    init(
        knownHosts: KnownHostsStore, agentSocketPath: String?, environment: [String: String],
        addresses: [String: AddressResolver.Outcome], limits: FleetEngine.Configuration
    ) {
        self.knownHosts = knownHosts
        self.agentSocketPath = agentSocketPath
        self.environment = environment
        self.addresses = addresses
        self.limits = limits
        readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    }

    deinit { readBuffer.deallocate() }
}
