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
/// again when the socket is ready, or calls `expire()` when a deadline passes. Lives on one loop thread only.
final class HostSession {
    private enum State {
        /// Waiting for the non-blocking TCP connect to finish.
        case connecting(socket: Int32)
        /// Banner and key exchange.
        case handshaking(SSHSession)
        /// Trying the configured identities in turn.
        case authenticating(AuthenticationState)
        /// Opening the "session" channel.
        case openingChannel(SSHSession)
        /// Sending the "exec" request.
        case startingCommand(SSHSession, SSHChannel)
        /// Feeding standard input and draining both output streams until EOF.
        case running(RunningState)
        /// Closing the channel and reading the exit status, then saying goodbye.
        case closing(ClosingState)
        /// Done; the result is final.
        case finished
    }

    enum Step {
        /// Call `advance()` again when the socket is ready in these directions, or at `deadline` at the latest.
        case wait(socket: Int32, read: Bool, write: Bool)
        case finished(CommandResult)
    }

    let index: Int
    let job: RemoteJob
    private let context: SessionContext
    private var state: State
    private(set) var phase: SessionPhase = .connect
    private(set) var phaseDeadline: Double
    private var phaseStartedAt: Double
    let hostDeadline: Double
    private let startedAt: Double
    private var hostKeyUnverified = false
    /// Loop bookkeeping: what the session waits for, and whether it has finished.
    var waitSocket: Int32 = -1
    var waitEvents: Int16 = 0
    var isDone = false
    var isRunnable = false

    init(index: Int, job: RemoteJob, context: SessionContext, socket: Int32, now: Double) {
        self.index = index
        self.job = job
        self.context = context
        self.state = .connecting(socket: socket)
        self.startedAt = now
        self.phaseStartedAt = now
        self.phaseDeadline = now + job.host.deadlines.connect
        self.hostDeadline = now + job.host.deadlines.host
    }

    /// The earlier of the phase's and the host's deadline.
    var nextDeadline: Double { min(phaseDeadline, hostDeadline) }

    // MARK: Driving

    func advance(now: Double) -> Step {
        while true {
            switch state {
            case .connecting(let socket):
                // SO_ERROR reads 0 while a connect is still pending: only a writable socket has finished connecting.
                guard TCPConnector.isWritable(socket) else { return .wait(socket: socket, read: false, write: true) }
                let error = TCPConnector.finish(socket)
                if error == EINPROGRESS || error == EALREADY { return .wait(socket: socket, read: false, write: true) }
                guard error == 0 else {
                    close(socket)
                    let failureClass: FailureClass = error == ECONNREFUSED ? .refused : .connection
                    return fail(
                        failureClass, phase: .connect, "TCP connect failed: \(TCPConnector.describe(error))", now)
                }
                let session: SSHSession
                do {
                    session = try SSHSession(takingOwnershipOf: socket)
                } catch {
                    return fail(.connection, phase: .handshake, error.description, now)
                }
                if job.host.hostKeyChecking != .off, let path = job.host.knownHostsFile {
                    let known = context.knownHosts.knownHosts(at: path)
                    session.preferHostKeyAlgorithms(known.keyTypes(forHost: job.host.address, port: job.host.port))
                }
                enter(.handshake, deadline: job.host.deadlines.handshake, now: now)
                state = .handshaking(session)

            case .handshaking(let session):
                switch session.handshake() {
                case .wouldBlock: return wait(session)
                case .failed(let error):
                    session.abort()
                    return fail(.connection, phase: .handshake, "SSH handshake failed: \(error)", now)
                case .done:
                    if let failure = verifyHostKey(session) {
                        session.abort()
                        return finish(failure: failure, now: now)
                    }
                    enter(.authentication, deadline: job.host.deadlines.authentication, now: now)
                    state = .authenticating(AuthenticationState(session: session, job: job, context: context))
                }

            case .authenticating(var authentication):
                switch authentication.advance() {
                case .wouldBlock:
                    state = .authenticating(authentication)
                    return wait(authentication.session)
                case .failed(let failure):
                    authentication.session.abort()
                    return finish(failure: failure, now: now)
                case .authenticated:
                    enter(.channel, deadline: job.host.deadlines.command, now: now)
                    state = .openingChannel(authentication.session)
                }

            case .openingChannel(let session):
                switch session.openChannel() {
                case .wouldBlock: return wait(session)
                case .failed(let error):
                    session.abort()
                    return fail(.channel, phase: .channel, "cannot open a channel: \(error)", now)
                case .done(let channel):
                    state = .startingCommand(session, channel)
                }

            case .startingCommand(let session, let channel):
                switch channel.exec(job.command) {
                case .wouldBlock: return wait(session)
                case .failed(let error):
                    session.abort()
                    return fail(.channel, phase: .channel, "the server refused to run the command: \(error)", now)
                case .done:
                    enter(.command, deadline: job.host.deadlines.command, now: now)
                    state = .running(RunningState(session: session, channel: channel, job: job))
                }

            case .running(var running):
                switch running.advance(scratch: context.readBuffer) {
                case .wouldBlock:
                    state = .running(running)
                    return wait(running.session)
                case .failed(let error):
                    running.session.abort()
                    return fail(.connection, phase: .command, "the connection broke while running: \(error)", now)
                case .outputCapReached(let limit):
                    // No polite close: a host that floods need not read our close either. Dropping the connection
                    // ends the remote command's channel (sshd hangs up its pipes).
                    running.session.abort()
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
                    return wait(closing.session)
                case .closed:
                    closing.session.abort()
                    return finish(closing: closing, now: now)
                }

            case .finished:
                return .finished(result(failure: Failure(.connection, message: "session already finished"), now: now))
            }
        }
    }

    /// Called by the loop when `nextDeadline` has passed: the session ends with a timeout naming the phase.
    func expire(now: Double) -> CommandResult {
        let hostExpired = now >= hostDeadline
        var runningProgress: String?
        var partialOutput: RunningState?
        if case .running(let running) = state {
            runningProgress = running.progress
            partialOutput = running
        }
        let expiredPhase: SessionPhase = hostExpired ? .host : phase
        abortConnection()
        let seconds = hostExpired ? job.host.deadlines.host : phaseDeadline - phaseStartedAt
        let message: String
        switch expiredPhase {
        case .connect: message = "no TCP connection within \(format(seconds)) s (host down, or packets dropped)"
        case .handshake: message = "the server did not complete the SSH handshake within \(format(seconds)) s"
        case .authentication: message = "authentication did not finish within \(format(seconds)) s"
        case .channel: message = "the server did not open a channel within \(format(seconds)) s"
        case .command:
            message =
                "the command did not finish within \(format(seconds)) s"
                + (runningProgress.map { " (\($0))" } ?? "")
        case .host, .hostKey:
            message =
                "the host did not finish within its \(format(seconds)) s deadline"
                + (runningProgress.map { " (\($0))" } ?? "")
        }
        state = .finished
        // What a command printed before its deadline is kept: a collector stuck on its last step still delivered
        // everything before it.
        return result(
            failure: Failure(.timeout, phase: expiredPhase, message: message), now: now, output: partialOutput)
    }

    // MARK: Helpers

    private func enter(_ newPhase: SessionPhase, deadline seconds: Double, now: Double) {
        phase = newPhase
        phaseStartedAt = now
        phaseDeadline = now + seconds
    }

    private func wait(_ session: SSHSession) -> Step {
        let directions = session.blockDirections
        return .wait(socket: session.socket, read: directions.read, write: directions.write)
    }

    private func abortConnection() {
        switch state {
        case .connecting(let socket): close(socket)
        case .handshaking(let session), .openingChannel(let session), .startingCommand(let session, _):
            session.abort()
        case .authenticating(let authentication): authentication.session.abort()
        case .running(let running): running.session.abort()
        case .closing(let closing): closing.session.abort()
        case .finished: break
        }
    }

    private func verifyHostKey(_ session: SSHSession) -> Failure? {
        let host = job.host
        if host.hostKeyChecking == .off {
            hostKeyUnverified = true
            return nil
        }
        guard let key = session.hostKey() else {
            return Failure(.hostKeyUnknown, phase: .hostKey, message: "the server presented no host key")
        }
        guard let path = host.knownHostsFile else {
            return Failure(
                .hostKeyUnknown, phase: .hostKey,
                message: "no known_hosts file is configured; set known_hosts in the inventory")
        }
        let name = KnownHosts.hostName(host.address, port: host.port)
        switch context.knownHosts.knownHosts(at: path).verify(host: host.address, port: host.port, key: key) {
        case .match:
            return nil
        case .revoked(let line):
            return Failure(
                .hostKeyChanged, phase: .hostKey,
                message:
                    "REFUSED: \(name) presented \(key.type) \(key.fingerprint), which \(path):\(line) marks @revoked")
        case .mismatch(let knownTypes, let line):
            return Failure(
                .hostKeyChanged, phase: .hostKey,
                message: """
                    HOST KEY CHANGED for \(name): it presented \(key.type) \(key.fingerprint), but \(path):\(line) \
                    records a different key (\(knownTypes.joined(separator: ", "))). Someone may be intercepting the \
                    connection, or the host was rebuilt. Verify the new fingerprint out of band, then remove the old \
                    entry with: ssh-keygen -R '\(name)' -f \(path)
                    """)
        case .unknown:
            if host.hostKeyChecking == .acceptNew {
                if let problem = context.knownHosts.append(host: host.address, port: host.port, key: key, to: path) {
                    return Failure(.hostKeyUnknown, phase: .hostKey, message: "cannot record the new key: \(problem)")
                }
                return nil
            }
            return Failure(
                .hostKeyUnknown, phase: .hostKey,
                message: """
                    \(name) is not in \(path) (it presented \(key.type) \(key.fingerprint)). Verify the fingerprint, \
                    then add it (ssh-keyscan -p \(host.port) \(host.address) >> \(path)), or run with \
                    --host-key-checking accept-new
                    """)
        }
    }

    private func fail(_ failureClass: FailureClass, phase: SessionPhase?, _ message: String, _ now: Double) -> Step {
        finish(failure: Failure(failureClass, phase: phase, message: message), now: now)
    }

    private func finish(failure: Failure, now: Double) -> Step {
        state = .finished
        return .finished(result(failure: failure, now: now))
    }

    private func finish(closing: ClosingState, now: Double) -> Step {
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

    private func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.1f", seconds)
    }
}

/// What every session of one loop shares: known_hosts files, the agent socket path, a scratch read buffer.
final class SessionContext {
    let knownHosts: KnownHostsStore
    let agentSocketPath: String?
    let environment: [String: String]
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

    init(knownHosts: KnownHostsStore, agentSocketPath: String?, environment: [String: String]) {
        self.knownHosts = knownHosts
        self.agentSocketPath = agentSocketPath
        self.environment = environment
        readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    }

    deinit { readBuffer.deallocate() }
}
