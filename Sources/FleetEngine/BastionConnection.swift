import FleetCore
import SSHClient

/// One pooled SSH connection to a bastion (a ProxyJump hop), carrying up to `maxChannels` tunnels at once. A loop
/// task of its own: it establishes itself (verified and authenticated like any host, possibly through the previous
/// hop), pumps its own transport when it sits behind another hop, and finishes the closing of its channels. It
/// closes when its last channel is done and nobody waits for one.
///
/// libssh2 allows one pending operation per session: after `LIBSSH2_ERROR_EAGAIN` with a packet half sent, the very
/// same call must be repeated before any other call sends on that session (transport.c keeps the half-sent packet,
/// and a different call would complete it as if it were its own, or fail). Every tunnel's call therefore goes
/// through `perform`, which holds back the others until the owner of the pending packet has repeated its call; and
/// only one channel open is in flight at a time (libssh2 keeps its state in the session).
final class BastionConnection: LoopTask {
    private enum State {
        /// Reaching and authenticating to the bastion (its own deadlines, in its own `Connector`).
        case establishing(Connector)
        /// Authenticated: carries tunnels.
        case ready(SSHSession, SessionTransport?)
        /// Could not be established, or broke: every holder of a slot gets this failure.
        case failed(Failure)
        /// Done; all handles released.
        case closed
    }

    let bookkeeping = LoopBookkeeping()
    let jobIndex: Int? = nil
    let key: String
    let hop: HostConnection
    private unowned let pool: BastionPool
    private let context: SessionContext
    private var state: State
    /// Slots taken: tunnels open or being opened, and holders waiting for the connection to be ready.
    private(set) var leases = 0
    /// Holders waiting for `isReady` (or a failure).
    private var waiters: [Connector] = []
    private var tunnels: [ChannelRelay] = []
    /// Channels whose tunnel ended, being closed and freed (their slots are free once they are).
    private var closingChannels: [SSHChannel] = []
    private var closingDeadline = Double.infinity
    /// The task whose call left a packet half sent: only it may call on the session until it repeats that call.
    private var pendingOwner: ObjectIdentifier?
    /// The connector whose channel open is in flight.
    private var opener: ObjectIdentifier?
    /// Holders held back because another open (or another caller's pending call) was in flight.
    private var openWaiters: [Connector] = []
    var isTouched = false
    /// How many tunnels it has opened (for tests and logs).
    private(set) var tunnelsOpened = 0

    init(key: String, chain: [HostConnection], pool: BastionPool, context: SessionContext) {
        self.key = key
        var hop = chain[chain.count - 1]
        hop.jumps = Array(chain.dropLast())
        self.hop = hop
        self.pool = pool
        self.context = context
        state = .closed
        state = .establishing(Connector(host: hop, hopName: hop.name, owner: self, context: context))
    }

    // MARK: For holders of a slot

    var isReady: Bool {
        if case .ready = state { return true }
        return false
    }

    var failure: Failure? {
        if case .failed(let failure) = state { return failure }
        return nil
    }

    var isUsable: Bool {
        switch state {
        case .establishing, .ready: true
        case .failed, .closed: false
        }
    }

    var socket: Int32? {
        if case .ready(let session, _) = state { return session.socket }
        return nil
    }

    var blockDirections: (read: Bool, write: Bool) {
        if case .ready(let session, _) = state { return session.blockDirections }
        return (true, false)
    }

    /// `blockDirections` for a caller about to wait on the session (`SSHSession.prepareToWait`).
    func prepareToWait() -> (read: Bool, write: Bool) {
        if case .ready(let session, _) = state { return session.prepareToWait() }
        return (true, false)
    }

    var waitInterests: [PollInterest] {
        guard let socket else { return [] }
        let directions = prepareToWait()
        return [.on(socket, read: directions.read, write: directions.write)]
    }

    func takeSlot(for holder: Connector) {
        leases += 1
        if !isReady { waiters.append(holder) }
    }

    /// A holder gives its slot back without a channel (its open failed, or it was cancelled).
    func releaseSlot() {
        leases -= 1
        pool.slotFreed(self)
    }

    /// A holder gives up. Returns true when the connection keeps the holder's slot: its channel open was in
    /// flight, and libssh2 keeps that open's state in the session (a new open would resume it, with the old
    /// arguments), so this task completes it and frees the channel before any other open.
    func cancelOpen(for holder: Connector, host: String, port: Int) -> Bool {
        waiters.removeAll { $0 === holder }
        openWaiters.removeAll { $0 === holder }
        guard opener == ObjectIdentifier(holder) else { return false }
        opener = ObjectIdentifier(self)
        orphanedOpen = (host, port)
        context.scheduler.wake(self)
        return true
    }

    private var orphanedOpen: (host: String, port: Int)?
    /// The holder whose channel open is in flight (`opener`), to wake when another call on the session may have
    /// taken its confirmation off the socket.
    private var openingHolder: Connector?

    /// Opens a `direct-tcpip` channel for `holder`; nil when another holder's open is in flight (wait for a wake).
    func openTunnel(for holder: Connector, host: String, port: Int) -> SSHOperation<SSHChannel>? {
        guard case .ready(let session, _) = state else {
            return .failed(SSHError(code: .channel, message: "bastion connection closed"))
        }
        let identity = ObjectIdentifier(holder)
        guard opener == nil || opener == identity else {
            if !openWaiters.contains(where: { $0 === holder }) { openWaiters.append(holder) }
            return nil
        }
        opener = identity
        openingHolder = holder
        let outcome = perform(holder.owner) { session.openDirectTCPIP(host: host, port: port) }
        switch outcome {
        case nil:
            if !openWaiters.contains(where: { $0 === holder }) { openWaiters.append(holder) }
            return nil
        case .wouldBlock?: return outcome
        case .done?:
            tunnelsOpened += 1
            fallthrough
        default:
            opener = nil
            openingHolder = nil
            wakeAll()
            return outcome
        }
    }

    func adopt(_ relay: ChannelRelay) { tunnels.append(relay) }

    /// Runs one call on the session for `caller`, unless another caller's half-sent packet must be completed first
    /// (then nil: the caller is woken when the session is free).
    func perform<Value>(_ caller: AnyObject, _ call: () -> SSHOperation<Value>) -> SSHOperation<Value>? {
        let identity = ObjectIdentifier(caller)
        if let pendingOwner, pendingOwner != identity { return nil }
        let outcome = call()
        if case .wouldBlock = outcome, blockDirections.write {
            pendingOwner = identity
        } else if pendingOwner == identity {
            pendingOwner = nil
            wakeAll()
        }
        return outcome
    }

    /// Called after a tunnel used the session, so the loop checks the other tunnels (and the channels being
    /// closed) for packets libssh2 queued.
    func touched() {
        touchedByTunnel = true
        context.scheduler.touch(self)
    }

    private var touchedByTunnel = false

    func wakeTunnelsWithQueuedWork(_ scheduler: LoopScheduler) {
        for tunnel in tunnels where tunnel.hasQueuedWork { scheduler.wake(tunnel.owner) }
        if touchedByTunnel && (!closingChannels.isEmpty || orphanedOpen != nil) { scheduler.wake(self) }
        // A tunnel's read may have taken the CHANNEL_OPEN_CONFIRMATION of an open in flight off the socket into
        // libssh2's queue: the socket then never turns readable for the opener again, which would wait out its
        // deadline ("did not open a channel within 30 s", 1-4 hosts of 200 in bench/jump-bench.sh). Asking again
        // costs one EAGAIN when nothing arrived.
        if touchedByTunnel, let holder = openingHolder, opener == ObjectIdentifier(holder) {
            scheduler.wake(holder.owner)
        }
        touchedByTunnel = false
    }

    /// A tunnel's call failed: the connection is reported broken for that tunnel, naming the hop.
    func broken(_ error: SSHError, while doing: String) -> Failure {
        Failure(
            .connection, phase: nil,
            message: "jump: the connection to \(hop.name) broke while \(doing) through it: \(error)", hop: hop.name)
    }

    /// A tunnel ended: its channel is closed and freed by this task, and then its slot is free.
    func tunnelClosed(_ relay: ChannelRelay, channel: SSHChannel) {
        tunnels.removeAll { $0 === relay }
        if pendingOwner == ObjectIdentifier(relay.owner) {
            // Its half-sent packet cannot be completed by anyone else: the session is no longer usable.
            fail(Failure(.connection, message: "jump: \(hop.name): a tunnel ended mid-packet", hop: hop.name))
        }
        guard isReady else {
            leases -= 1
            pool.slotFreed(self)
            return
        }
        closingChannels.append(channel)
        context.scheduler.wake(self)
    }

    // MARK: LoopTask

    var nextDeadline: Double {
        switch state {
        case .establishing(let connector): connector.phaseDeadline
        case .ready: closingChannels.isEmpty ? .infinity : closingDeadline
        default: .infinity
        }
    }

    func advance(now: Double) -> LoopStep {
        switch state {
        case .establishing(let connector):
            switch connector.advance(now: now, scratch: context.readBuffer) {
            case .wait(let interests): return .wait(interests)
            case .failed(let failure):
                fail(failure)
                return finishIfIdle()
            case .established(let session, let transport, _):
                state = .ready(session, transport)
                wakeAll()
                return advance(now: now)
            }
        case .ready(let session, let transport):
            var interests = transport?.pump(scratch: context.readBuffer) ?? []
            if let breakage = transport?.breakage {
                fail(breakage)
                return finishIfIdle()
            }
            if let orphan = orphanedOpen {
                switch perform(self, { session.openDirectTCPIP(host: orphan.host, port: orphan.port) }) {
                case .wouldBlock?, nil:
                    interests += waitInterests
                case .done(let channel)?:
                    orphanedOpen = nil
                    opener = nil
                    closingChannels.append(channel)
                    wakeAll()
                case .failed?:
                    orphanedOpen = nil
                    opener = nil
                    leases -= 1
                    pool.slotFreed(self)
                    wakeAll()
                }
            }
            if !closingChannels.isEmpty {
                if closingDeadline == .infinity { closingDeadline = now + 5 }
                var stillClosing: [SSHChannel] = []
                for channel in closingChannels {
                    switch perform(self, { channel.free() }) {
                    case .wouldBlock?, nil: stillClosing.append(channel)
                    case .done?, .failed?:
                        leases -= 1
                        pool.slotFreed(self)
                    }
                }
                closingChannels = stillClosing
                context.scheduler.touch(self)
                if closingChannels.isEmpty {
                    closingDeadline = .infinity
                } else {
                    let directions = session.prepareToWait()
                    interests.append(.on(session.socket, read: directions.read, write: directions.write))
                }
            }
            if leases == 0 && !pool.hasWaiters(for: key) {
                close()
                return .finished(nil)
            }
            return .wait(interests)
        case .failed, .closed:
            return finishIfIdle()
        }
    }

    /// The establishing deadline passed (every holder then fails with the hop's timeout), or channels did not
    /// close within 5 s (they are left to be freed with the session, and their slots are free).
    func expire(now: Double) -> CommandResult? {
        switch state {
        case .establishing(let connector):
            fail(connector.expire(hostExpired: false, hostSeconds: hop.deadlines.host))
            bookkeeping.isDone = true
        case .ready:
            leases -= closingChannels.count
            closingChannels.removeAll()
            closingDeadline = .infinity
            pool.slotFreed(self)
        default:
            bookkeeping.isDone = true
        }
        return nil
    }

    /// Marks the connection failed: every holder is woken to read `failure`, and the pool stops using it.
    private func fail(_ failure: Failure) {
        switch state {
        case .establishing(let connector): connector.abort()
        case .ready(let session, let transport):
            session.abort()
            transport?.close()
        default: break
        }
        state = .failed(failure)
        closingChannels.removeAll()
        pool.connectionFailed(self, failure)
        wakeAll()
    }

    private func finishIfIdle() -> LoopStep {
        leases <= 0 ? .finished(nil) : .wait([])
    }

    private func close() {
        if case .ready(let session, let transport) = state {
            // A polite goodbye when the socket takes it at once; never a wait for it.
            _ = session.disconnect()
            session.abort()
            transport?.close()
        }
        state = .closed
        pool.connectionClosed(self)
    }

    private func wakeAll() {
        for waiter in waiters + openWaiters { context.scheduler.wake(waiter.owner) }
        openWaiters.removeAll()
        if isReady || failure != nil { waiters.removeAll() }
        for tunnel in tunnels { context.scheduler.wake(tunnel.owner) }
    }
}
