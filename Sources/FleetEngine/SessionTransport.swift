import FleetCore

#if canImport(Glibc)
    import Glibc
#endif

/// What carries a session's bytes when it is not a plain TCP socket: a tunnel through a bastion (`ChannelRelay`) or
/// a proxy command (`ProxyProcess`). The SSH session owns one end of a socketpair as its socket; the transport owns
/// the other end and whatever is behind it, and its owner pumps it on every advance.
protocol SessionTransport: AnyObject {
    /// Moves what can move without blocking; returns the descriptors to wait on.
    func pump(scratch: UnsafeMutableRawBufferPointer) -> [PollInterest]
    /// Why the transport broke, when it did: the explanation of a session failure that is better than "the
    /// connection broke" (the bastion's connection dropped, the proxy command exited).
    var breakage: Failure? { get }
    /// Ends the transport: its descriptors are closed, its process killed and reaped, its channel handed back.
    func close()
}

/// Both ends of a fresh `AF_UNIX` stream socketpair, non-blocking and close-on-exec: one for the SSH session, one
/// for the transport.
enum SocketPair {
    static func make() -> (session: Int32, transport: Int32)? {
        var descriptors: [Int32] = [-1, -1]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &descriptors) == 0 else { return nil }
        return (descriptors[0], descriptors[1])
    }
}

/// A bounded byte queue for one direction of a relay. Bounded so a fast side cannot make the engine buffer
/// without limit: when it is full the relay stops reading that side, and back-pressure reaches the peer (the SSH
/// channel's window, or the socketpair's kernel buffer).
struct RelayBuffer {
    static let capacity = 64 * 1024
    private var bytes: [UInt8] = []
    private var start = 0

    var isEmpty: Bool { start == bytes.count }
    var room: Int { Self.capacity - (bytes.count - start) }

    mutating func append(_ chunk: UnsafeRawBufferPointer) {
        if start > 0 && start == bytes.count {
            bytes.removeAll(keepingCapacity: true)
            start = 0
        } else if start > Self.capacity / 2 {
            bytes.removeSubrange(0..<start)
            start = 0
        }
        bytes.append(contentsOf: chunk)
    }

    /// Lends the queued bytes to `body`, which returns how many it consumed.
    mutating func consume(_ body: (UnsafeRawBufferPointer) -> Int) {
        let used = bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        start += max(0, used)
        if start == bytes.count {
            bytes.removeAll(keepingCapacity: true)
            start = 0
        }
    }
}
