import FleetCore
import SSHClient

#if canImport(Glibc)
    import Glibc
#endif

/// A tunnel through a bastion: pumps bytes between the transport end of a socketpair (the next hop's SSH session
/// owns the other end as its socket) and a `direct-tcpip` channel of the bastion's pooled connection, both ways,
/// with bounded buffers and EOF passed on in both directions. Driven by the task that owns it (the host or next
/// hop whose session it carries); every call on the bastion's session goes through `BastionConnection.perform`.
final class ChannelRelay: SessionTransport {
    let connection: BastionConnection
    /// Woken when data for this tunnel is found inside libssh2, or when the bastion's session is free again.
    unowned let owner: LoopTask
    private var channel: SSHChannel?
    private var descriptor: Int32
    private var up = RelayBuffer()
    private var down = RelayBuffer()
    private var sessionEOF = false
    private var channelEOFSent = false
    private var channelEOF = false
    private var sessionShutDown = false
    /// The last call on the bastion's session had to wait (or was held back by another channel's pending call).
    private(set) var waitsOnBastion = false
    private(set) var breakage: Failure?

    init(connection: BastionConnection, channel: SSHChannel, descriptor: Int32, owner: LoopTask) {
        self.connection = connection
        self.channel = channel
        self.descriptor = descriptor
        self.owner = owner
    }

    deinit { close() }

    /// Data or EOF libssh2 already holds for this tunnel (read off the socket by another channel's call), which no
    /// socket readiness will announce. False while held back by another caller's pending call: that caller's
    /// completion wakes this tunnel.
    var hasQueuedWork: Bool {
        guard let channel, breakage == nil, !waitsOnBastion else { return false }
        return down.room > 0 && !channelEOF && (channel.hasQueuedData || channel.receivedEOF)
    }

    func pump(scratch: UnsafeMutableRawBufferPointer) -> [PollInterest] {
        guard let channel, breakage == nil else { return [] }
        var bastionWait: (read: Bool, write: Bool)?
        waitsOnBastion = false
        var progressed = true
        while progressed && breakage == nil {
            progressed = false
            // Session -> channel.
            if up.room > 0 && !sessionEOF {
                let received = recv(descriptor, scratch.baseAddress, min(scratch.count, up.room), 0)
                if received > 0 {
                    up.append(UnsafeRawBufferPointer(rebasing: scratch[0..<received]))
                    progressed = true
                } else if received == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                    sessionEOF = true
                    progressed = true
                }
            }
            if !up.isEmpty {
                var outcome: SSHOperation<Int>?
                up.consume { bytes in
                    outcome = connection.perform(self) { channel.write(bytes) }
                    if case .done(let count) = outcome { return count }
                    return 0
                }
                switch outcome {
                case .done(let count): progressed = progressed || count > 0
                case .wouldBlock: bastionWait = merged(bastionWait, connection.prepareToWait())
                case .failed(let error): breakage = connection.broken(error, while: "sending")
                case nil: waitsOnBastion = true
                }
            } else if sessionEOF && !channelEOFSent {
                switch connection.perform(self, { channel.sendEOF() }) {
                case .done, .failed:
                    channelEOFSent = true
                    progressed = true
                case .wouldBlock: bastionWait = merged(bastionWait, connection.prepareToWait())
                case nil: waitsOnBastion = true
                }
            }
            // Channel -> session.
            if down.room > 0 && !channelEOF {
                let room = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<min(scratch.count, down.room)])
                switch connection.perform(self, { channel.read(.stdout, into: room) }) {
                case .done(let count) where count > 0:
                    down.append(UnsafeRawBufferPointer(rebasing: scratch[0..<count]))
                    progressed = true
                case .done:
                    if channel.receivedEOF {
                        channelEOF = true
                        progressed = true
                    }
                case .wouldBlock: bastionWait = merged(bastionWait, connection.prepareToWait())
                case .failed(let error): breakage = connection.broken(error, while: "receiving")
                case nil: waitsOnBastion = true
                }
            }
            if !down.isEmpty {
                var sendFailed = false
                down.consume { bytes in
                    let sent = send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
                    if sent > 0 { return sent }
                    if sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR { sendFailed = true }
                    return 0
                }
                if sendFailed {
                    // The session end is gone (the session was aborted): nothing more to deliver.
                    channelEOF = true
                    down = RelayBuffer()
                }
            }
            if down.isEmpty && channelEOF && !sessionShutDown {
                // The bastion's side closed: the session reads EOF once it has read everything.
                shutdown(descriptor, Int32(SHUT_WR))
                sessionShutDown = true
            }
            if !progressed && down.isEmpty && channelEOF && sessionEOF { break }
        }
        connection.touched()
        if breakage != nil { return [] }
        var interests: [PollInterest] = []
        let readSession = up.room > 0 && !sessionEOF
        let writeSession = !down.isEmpty
        if readSession || writeSession {
            interests.append(.on(descriptor, read: readSession, write: writeSession))
        }
        if let bastionWait, let socket = connection.socket {
            interests.append(.on(socket, read: bastionWait.read, write: bastionWait.write))
        }
        return interests
    }

    private func merged(_ first: (read: Bool, write: Bool)?, _ second: (read: Bool, write: Bool)) -> (
        read: Bool, write: Bool
    ) {
        guard let first else { return second }
        return (first.read || second.read, first.write || second.write)
    }

    func close() {
        if descriptor >= 0 {
            Glibc.close(descriptor)
            descriptor = -1
        }
        if let channel {
            self.channel = nil
            connection.tunnelClosed(self, channel: channel)
        }
    }
}
