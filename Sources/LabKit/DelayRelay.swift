import Foundation

/// Chunks of one direction of a relayed connection, each held until its due time: order is kept (the delay is
/// constant, so due times never decrease) and the bytes held are bounded, so a fast sender is slowed down instead of
/// growing the relay's memory.
public struct DelayQueue: Sendable {
    public let delayNanoseconds: UInt64
    /// Bytes held beyond which the relay stops reading the source (TCP then pushes back on the sender).
    public let capacity: Int
    private var chunks: [(due: UInt64, bytes: [UInt8])] = []
    private var endDue: UInt64?
    public private(set) var heldBytes = 0
    /// The end was passed on (the destination's write side shut): nothing more to do in this direction.
    public private(set) var endDelivered = false

    public init(delayNanoseconds: UInt64, capacity: Int = 256 * 1024) {
        self.delayNanoseconds = delayNanoseconds
        self.capacity = capacity
    }

    /// True while the source may be read: room left and its end not yet seen.
    public var acceptsMore: Bool { heldBytes < capacity && endDue == nil }

    /// True once the source's end has been seen, however long its delivery is still due.
    public var sourceEnded: Bool { endDue != nil }

    public mutating func append(_ bytes: [UInt8], now: UInt64) {
        chunks.append((now + delayNanoseconds, bytes))
        heldBytes += bytes.count
    }

    /// The source ended (EOF): the end is delivered after the delay too, behind every chunk before it.
    public mutating func end(now: UInt64) { endDue = now + delayNanoseconds }

    /// The bytes of the first chunk if it is due.
    public func due(now: UInt64) -> [UInt8]? {
        guard let first = chunks.first, first.due <= now else { return nil }
        return first.bytes
    }

    /// `count` bytes of the first chunk were delivered.
    public mutating func consume(_ count: Int) {
        guard !chunks.isEmpty else { return }
        heldBytes -= count
        if count >= chunks[0].bytes.count {
            chunks.removeFirst()
        } else {
            chunks[0].bytes.removeFirst(count)
        }
    }

    /// True when every chunk was delivered and the end is due: time to shut the destination's write side.
    public func endIsDue(now: UInt64) -> Bool {
        !endDelivered && chunks.isEmpty && (endDue.map { $0 <= now } ?? false)
    }

    public mutating func deliverEnd() { endDelivered = true }

    /// When the next chunk or the end becomes due (nil: nothing waits).
    public var nextDue: UInt64? { chunks.first?.due ?? endDue }
}

/// A TCP relay that delays what a lab host's sshd sends, for hosts whose scenario sets `latency_ms` on a kernel
/// without netem: it listens on the host's SSH port and forwards to sshd on a private loopback port. Each chunk the
/// server sends is delivered `delay` later, like netem's delay on the host's egress: every round trip grows by the
/// delay; requests go through at once. One thread, one poll loop, every connection's buffers bounded.
public struct DelayRelay {
    public let listenAddress: String
    public let listenPort: Int
    public let targetAddress: String
    public let targetPort: Int
    public let delayMilliseconds: Int

    public init(listen: String, target: String, delayMilliseconds: Int) throws(Lab.LabError) {
        (listenAddress, listenPort) = try Self.endpoint(listen)
        (targetAddress, targetPort) = try Self.endpoint(target)
        self.delayMilliseconds = delayMilliseconds
    }

    static func endpoint(_ text: String) throws(Lab.LabError) -> (String, Int) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]), (1...65535).contains(port),
            inet_addr(String(parts[0])) != INADDR_NONE
        else { throw Lab.LabError(description: "expected IPv4ADDRESS:PORT, got '\(text)'") }
        return (String(parts[0]), port)
    }

    /// One relayed connection: the client's side, sshd's side, and what each direction holds.
    private struct Connection {
        var client: Int32
        var server: Int32
        /// Client to server: no delay.
        var request: DelayQueue
        /// Server to client: delayed.
        var reply: DelayQueue
        var failed = false
        var finished: Bool { failed || (request.endDelivered && reply.endDelivered) }

        /// Serves both directions whatever poll said: reads and writes are non-blocking, and a chunk that just
        /// became due needs its write tried now.
        mutating func pump(now: UInt64) {
            failed = failed || !DelayRelay.pump(from: client, to: server, queue: &request, now: now)
            failed = failed || !DelayRelay.pump(from: server, to: client, queue: &reply, now: now)
        }
    }

    /// Serves until killed (the lab host's namespace ending ends it).
    public func serve() throws(Lab.LabError) -> Never {
        let listener = Socket.nonBlocking(try Socket.listen(address: listenAddress, port: listenPort))
        let delay = UInt64(delayMilliseconds) * 1_000_000
        var connections: [Connection] = []
        while true {
            var descriptors = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
            var now = Socket.monotonicNanoseconds()
            var wake: UInt64?
            for connection in connections {
                for (source, destination, queue) in [
                    (connection.client, connection.server, connection.request),
                    (connection.server, connection.client, connection.reply),
                ] {
                    // Only descriptors with something to wait for: poll reports a hang-up even for no events, and
                    // a hung-up socket whose reply is not due yet would spin the loop.
                    if queue.acceptsMore { descriptors.append(pollfd(fd: source, events: Int16(POLLIN), revents: 0)) }
                    let ready = queue.due(now: now) != nil || queue.endIsDue(now: now)
                    if ready { descriptors.append(pollfd(fd: destination, events: Int16(POLLOUT), revents: 0)) }
                    if !ready, !queue.endDelivered, let due = queue.nextDue { wake = min(wake ?? due, due) }
                }
            }
            let timeout = wake.map { Int32(min(1_000, ($0 > now ? $0 - now : 0) / 1_000_000 + 1)) } ?? 1_000
            _ = poll(&descriptors, nfds_t(descriptors.count), timeout)
            now = Socket.monotonicNanoseconds()
            while descriptors[0].revents & Int16(POLLIN) != 0, let client = Socket.accept(listener) {
                if let server = Socket.connect(address: targetAddress, port: targetPort) {
                    Socket.forwardAtOnce(client)
                    Socket.forwardAtOnce(server)
                    connections.append(
                        Connection(
                            client: client, server: server, request: DelayQueue(delayNanoseconds: 0),
                            reply: DelayQueue(delayNanoseconds: delay)))
                } else {
                    close(client)
                }
            }
            for index in connections.indices { connections[index].pump(now: now) }
            for connection in connections where connection.finished {
                close(connection.client)
                close(connection.server)
            }
            connections.removeAll { $0.finished }
        }
    }

    /// Reads what `source` has (while the queue has room), writes what is due to `destination`, and passes the
    /// end of the stream on once everything before it was delivered. False when a socket failed.
    private static func pump(from source: Int32, to destination: Int32, queue: inout DelayQueue, now: UInt64) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while queue.acceptsMore {
            let count = read(source, &buffer, buffer.count)
            if count > 0 {
                Socket.acknowledgeAtOnce(source)
                queue.append(Array(buffer[0..<count]), now: now)
            } else if count == 0 {
                queue.end(now: now)
            } else {
                if !Self.isTransient(errno) { return false }
                break
            }
        }
        while let bytes = queue.due(now: now) {
            let written = bytes.withUnsafeBytes { send(destination, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written > 0 {
                queue.consume(written)
                if written < bytes.count { break }
            } else {
                if !Self.isTransient(errno) { return false }
                break
            }
        }
        if queue.endIsDue(now: now) {
            shutdown(destination, Int32(SHUT_WR))
            queue.deliverEnd()
        }
        return true
    }

    private static func isTransient(_ code: Int32) -> Bool { code == EAGAIN || code == EWOULDBLOCK || code == EINTR }
}
