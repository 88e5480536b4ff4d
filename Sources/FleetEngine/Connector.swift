import FleetCore
import Foundation
import SSHClient

#if canImport(Glibc)
    import Glibc
#endif

/// Reaching one SSH server and proving both sides' identities, for a target and for a bastion alike: the route (a
/// TCP connect, a tunnel through the previous hop's pooled connection, or a proxy command), then the handshake, the
/// host key and authentication. Each stage holds its own resources; the phase deadline belongs to the stage.
final class Connector {
    private enum Stage {
        /// Queued for a channel slot on the previous hop's pool (no deadline of its own: the hosts ahead of it are
        /// bounded by theirs).
        case awaitingSlot
        /// Holding a slot on the previous hop's connection while that connection is still being established (its
        /// own deadlines bound the wait).
        case awaitingBastion(BastionConnection)
        /// Asking the previous hop for a `direct-tcpip` channel to this server (phase `connect`).
        case openingTunnel(BastionConnection)
        /// Queued for one of the engine's proxy command slots.
        case awaitingProxySlot
        /// Waiting for the non-blocking TCP connect to finish.
        case connecting(socket: Int32)
        /// Banner and key exchange.
        case handshaking(SSHSession)
        /// Trying the configured identities in turn.
        case authenticating(AuthenticationState)
        /// The session failed over a proxy command that has not exited yet: wait briefly (its stderr reaching EOF)
        /// so the failure can quote its exit status and stderr.
        case awaitingProxyExit(ProxyProcess, Failure, deadline: Double)
        /// Handed over (or failed): nothing left here.
        case done
    }

    enum Outcome {
        case wait([PollInterest])
        case established(SSHSession, SessionTransport?, hostKeyUnverified: Bool)
        case failed(Failure)
    }

    let host: HostConnection
    /// The hop's name when this is a bastion (it prefixes every failure), nil for the target.
    let hopName: String?
    unowned let owner: LoopTask
    private let context: SessionContext
    private var stage: Stage
    private var transport: SessionTransport?
    /// A slot on the previous hop's connection granted while queued.
    private var grantedConnection: BastionConnection?
    private var hostKeyUnverified = false
    private(set) var phase: SessionPhase = .connect
    private(set) var phaseDeadline = Double.infinity
    private var phaseStartedAt = 0.0

    /// A failure handed over while queued (every connection to the previous hop failed).
    private var queuedFailure: Failure?

    init(host: HostConnection, hopName: String?, owner: LoopTask, context: SessionContext) {
        self.host = host
        self.hopName = hopName
        self.owner = owner
        self.context = context
        if !host.jumps.isEmpty {
            stage = .awaitingSlot
        } else if host.proxyCommand != nil {
            stage = .awaitingProxySlot
        } else {
            stage = .connecting(socket: -1)
        }
    }

    /// True while the connector waits in a queue, where no deadline runs.
    var isQueued: Bool {
        switch stage {
        case .awaitingSlot, .awaitingProxySlot: true
        default: false
        }
    }

    /// The previous hop's pool granted a slot on `connection`.
    func grant(_ connection: BastionConnection) { grantedConnection = connection }

    /// The previous hop's pool gave up on every connection while this connector was queued.
    func refuse(_ failure: Failure) { queuedFailure = failure }

    func advance(now: Double, scratch: UnsafeMutableRawBufferPointer) -> Outcome {
        var transportInterests = transport?.pump(scratch: scratch) ?? []
        while true {
            switch stage {
            case .awaitingSlot:
                if let queuedFailure {
                    stage = .done
                    return .failed(queuedFailure)
                }
                let chain = host.jumps
                if let connection = grantedConnection ?? context.pool.lease(chain: chain, for: self) {
                    grantedConnection = nil
                    stage = .awaitingBastion(connection)
                    continue
                }
                return .wait([])

            case .awaitingBastion(let connection):
                if let failure = connection.failure {
                    stage = .done
                    connection.releaseSlot()
                    return .failed(failure)
                }
                guard connection.isReady else { return .wait([]) }
                enter(.connect, deadline: host.deadlines.connect, now: now)
                stage = .openingTunnel(connection)

            case .openingTunnel(let connection):
                switch connection.openTunnel(for: self, host: host.address, port: host.port) {
                case nil: return .wait([])
                case .wouldBlock?: return .wait(connection.waitInterests)
                case .failed(let error)?:
                    stage = .done
                    connection.releaseSlot()
                    if let failure = connection.failure { return .failed(failure) }
                    return .failed(tunnelRefused(error, by: connection))
                case .done(let channel)?:
                    guard let pair = SocketPair.make() else {
                        _ = channel.free()
                        connection.releaseSlot()
                        stage = .done
                        return .failed(failure(.connection, .connect, "cannot create a socketpair: \(errnoText())"))
                    }
                    let relay = ChannelRelay(
                        connection: connection, channel: channel, descriptor: pair.transport, owner: owner)
                    connection.adopt(relay)
                    transport = relay
                    guard startSession(socket: pair.session, now: now) else { return failedStart() }
                    transportInterests = relay.pump(scratch: scratch)
                }

            case .awaitingProxySlot:
                guard let command = host.proxyCommand else { return .failed(failure(.connection, .connect, "")) }
                guard context.proxySlots.acquire(for: owner) else { return .wait([]) }
                enter(.connect, deadline: host.deadlines.connect, now: now)
                switch ProxyProcess.spawn(command: command, context: context) {
                case .failure(let message):
                    context.proxySlots.release()
                    stage = .done
                    return .failed(failure(.connection, .connect, "cannot start the proxy command: \(message)"))
                case .success(let (process, socket)):
                    transport = process
                    guard startSession(socket: socket, now: now) else { return failedStart() }
                    transportInterests = process.pump(scratch: scratch)
                }

            case .connecting(let existing):
                var socket = existing
                if socket < 0 {
                    let address: AddressResolver.Resolved
                    switch context.addresses[host.address] {
                    case .resolved(let resolved)?: address = resolved
                    case .failed(let message)?:
                        stage = .done
                        return .failed(failure(.dns, .connect, message))
                    case nil:
                        stage = .done
                        return .failed(failure(.dns, .connect, "no address for \(host.address)"))
                    }
                    enter(.connect, deadline: host.deadlines.connect, now: now)
                    switch TCPConnector.start(AddressResolver.withPort(address, host.port)) {
                    case .inProgress(let started): socket = started
                    case .failed(let error):
                        stage = .done
                        return .failed(connectFailure(error))
                    }
                    stage = .connecting(socket: socket)
                }
                // SO_ERROR reads 0 while a connect is still pending: only a writable socket has finished connecting.
                guard TCPConnector.isWritable(socket) else { return .wait([.on(socket, read: false, write: true)]) }
                let error = TCPConnector.finish(socket)
                if error == EINPROGRESS || error == EALREADY { return .wait([.on(socket, read: false, write: true)]) }
                guard error == 0 else {
                    close(socket)
                    stage = .done
                    return .failed(connectFailure(error))
                }
                guard startSession(socket: socket, now: now) else { return failedStart() }

            case .handshaking(let session):
                // NEWKEYS and the service request leave together (`holdingWrites`).
                switch session.holdingWrites({ session.handshake() }) {
                case .wouldBlock: return .wait(wait(session) + transportInterests)
                case .failed(let error):
                    session.abort()
                    stage = .done
                    let failed = failure(.connection, .handshake, "SSH handshake failed: \(error)")
                    if let proxy = transport as? ProxyProcess, !proxy.hasExited {
                        stage = .awaitingProxyExit(proxy, failed, deadline: now + 1)
                        continue
                    }
                    return .failed(transport?.breakage ?? failed)
                case .done:
                    if let failure = verifyHostKey(session) {
                        session.abort()
                        stage = .done
                        return .failed(failure)
                    }
                    enter(.authentication, deadline: host.deadlines.authentication, now: now)
                    stage = .authenticating(AuthenticationState(session: session, host: host, context: context))
                }

            case .authenticating(var authentication):
                switch authentication.advance() {
                case .wouldBlock:
                    stage = .authenticating(authentication)
                    return .wait(wait(authentication.session) + transportInterests)
                case .failed(let failure):
                    authentication.session.abort()
                    stage = .done
                    return .failed(transport?.breakage ?? hopped(failure))
                case .authenticated:
                    stage = .done
                    let handedOver = transport
                    transport = nil
                    return .established(authentication.session, handedOver, hostKeyUnverified: hostKeyUnverified)
                }

            case .awaitingProxyExit(let proxy, let failed, let deadline):
                _ = proxy.pump(scratch: scratch)
                if proxy.stderrFinished && !proxy.hasExited { proxy.awaitExit(upTo: 0.1) }
                if proxy.hasExited || proxy.stderrFinished || now >= deadline {
                    stage = .done
                    let explained = proxy.breakage ?? failed
                    transport?.close()
                    transport = nil
                    return .failed(explained)
                }
                phaseDeadline = deadline
                return .wait(proxy.pump(scratch: scratch))

            case .done:
                return .failed(failure(.connection, nil, "connection attempt already over"))
            }
        }
    }

    /// The current stage's deadline passed (the owner checks the whole-host deadline): the failure naming the hop
    /// and the phase. Releases everything.
    func expire(hostExpired: Bool, hostSeconds: Double) -> Failure {
        let seconds = phaseDeadline - phaseStartedAt
        let expiredPhase: SessionPhase = hostExpired ? .host : phase
        var message: String
        switch expiredPhase {
        case .connect:
            if case .openingTunnel(let connection) = stage {
                message = "the bastion \(connection.hop.name) did not open a channel to the target within "
            } else {
                message = "no TCP connection within "
            }
            message += "\(format(seconds)) s" + (transport == nil ? " (host down, or packets dropped)" : "")
        case .handshake: message = "the server did not complete the SSH handshake within \(format(seconds)) s"
        case .authentication: message = "authentication did not finish within \(format(seconds)) s"
        default: message = "the host did not finish within its \(format(hostSeconds)) s deadline"
        }
        let breakage = transport?.breakage
        abort()
        if let breakage { return breakage }
        return failure(.timeout, expiredPhase, message)
    }

    /// Ends the attempt, whatever its stage: the session, the tunnel or proxy, any slot held or queued for.
    func abort() {
        switch stage {
        case .awaitingSlot:
            context.pool.cancel(self)
            grantedConnection?.releaseSlot()
        case .awaitingBastion(let connection), .openingTunnel(let connection):
            if !connection.cancelOpen(for: self, host: host.address, port: host.port) { connection.releaseSlot() }
        case .awaitingProxySlot: context.proxySlots.cancel(owner)
        case .awaitingProxyExit: break
        case .connecting(let socket): if socket >= 0 { close(socket) }
        case .handshaking(let session): session.abort()
        case .authenticating(let authentication): authentication.session.abort()
        case .done: break
        }
        stage = .done
        transport?.close()
        transport = nil
    }

    // MARK: Helpers

    private func startSession(socket: Int32, now: Double) -> Bool {
        let session: SSHSession
        do {
            session = try SSHSession(takingOwnershipOf: socket)
        } catch {
            startError = error.description
            return false
        }
        if host.hostKeyChecking != .off, let path = host.knownHostsFile {
            let known = context.knownHosts.knownHosts(at: path)
            session.preferHostKeyAlgorithms(known.keyTypes(forHost: host.address, port: host.port))
        }
        enter(.handshake, deadline: host.deadlines.handshake, now: now)
        stage = .handshaking(session)
        return true
    }

    private var startError = ""

    private func failedStart() -> Outcome {
        stage = .done
        transport?.close()
        transport = nil
        return .failed(failure(.connection, .handshake, startError))
    }

    private func enter(_ newPhase: SessionPhase, deadline seconds: Double, now: Double) {
        phase = newPhase
        phaseStartedAt = now
        phaseDeadline = now + seconds
    }

    private func wait(_ session: SSHSession) -> [PollInterest] {
        let directions = session.prepareToWait()
        return [.on(session.socket, read: directions.read, write: directions.write)]
    }

    private func connectFailure(_ error: Int32) -> Failure {
        let text = TCPConnector.describe(error)
        if let hopName {
            let reason = error == ECONNREFUSED ? "refused" : text
            return Failure(
                error == ECONNREFUSED ? .refused : .connection, phase: .connect,
                message: "jump: \(hopName) unreachable (\(reason)) at \(host.address):\(host.port)", hop: hopName)
        }
        return Failure(
            error == ECONNREFUSED ? .refused : .connection, phase: .connect, message: "TCP connect failed: \(text)")
    }

    /// The previous hop refused the `direct-tcpip` channel: why, in its words (RFC 4254 §5.1 reason codes).
    private func tunnelRefused(_ error: SSHError, by connection: BastionConnection) -> Failure {
        let bastion = connection.hop.name
        let reason = error.channelOpenFailureReason ?? error.description
        let target = hopName.map { "jump host \($0)" } ?? "target"
        var message = "\(target) unreachable through \(bastion): "
        let failureClass: FailureClass
        switch reason {
        case "administratively prohibited":
            failureClass = .channel
            message +=
                "connect failed (administratively prohibited): \(bastion) does not allow forwarding to "
                + "\(host.address):\(host.port) (AllowTcpForwarding, PermitOpen or DisableForwarding in its sshd_config)"
        case "connect failed":
            failureClass = .refused
            message += "connect failed (\(bastion) could not connect to \(host.address):\(host.port))"
        default:
            failureClass = .channel
            message += "\(reason) (\(error))"
        }
        return Failure(failureClass, phase: .connect, message: message, hop: hopName ?? bastion)
    }

    private func verifyHostKey(_ session: SSHSession) -> Failure? {
        switch HostKeyVerifier.verify(session, host: host, knownHosts: context.knownHosts) {
        case .verified: return nil
        case .unverified:
            hostKeyUnverified = true
            return nil
        case .refused(let failure): return hopped(failure)
        }
    }

    /// A failure at this server, named as the hop's when this is a bastion.
    private func hopped(_ failure: Failure) -> Failure {
        guard let hopName else { return failure }
        let what: String
        switch failure.errorClass {
        case .auth: what = "auth failed at \(hopName)"
        case .hostKeyChanged: what = "host key of \(hopName) changed"
        case .hostKeyUnknown: what = "host key of \(hopName) unknown"
        case .timeout: what = "\(hopName) timed out (\(failure.phase?.rawValue ?? "?"))"
        default: what = "\(hopName) failed"
        }
        return Failure(
            failure.errorClass, phase: failure.phase, message: "jump: \(what): \(failure.message)", hop: hopName)
    }

    private func failure(_ failureClass: FailureClass, _ phase: SessionPhase?, _ message: String) -> Failure {
        hopped(Failure(failureClass, phase: phase, message: message))
    }
}

func errnoText() -> String { String(cString: strerror(errno)) }

func format(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.1f", seconds)
}
