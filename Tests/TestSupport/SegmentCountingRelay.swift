import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback TCP relay for one connection that counts the TCP segments carrying data that the client sent: the
/// kernel's own count for the accepted socket (`tcpi_data_segs_in` of TCP_INFO), read when the client ends its side.
/// Bytes are passed on unchanged both ways, so the client talks to the real server behind it.
public final class SegmentCountingRelay: @unchecked Sendable {
    // `listener` is written once in init; `count` only under `lock`, set once by the relay thread.
    public let port: Int
    private let listener: Int32
    private let lock = NSCondition()
    private var count: Int?
    private var finished = false

    public init(targetPort: Int) throws {
        let (descriptor, port) = try LoopbackSocket.bound(backlog: 4)
        self.port = port
        listener = descriptor
        let thread = Thread { [self] in
            let result = Self.relayOne(listener: descriptor, targetPort: targetPort)
            lock.lock()
            count = result
            finished = true
            lock.broadcast()
            lock.unlock()
        }
        thread.start()
    }

    deinit { close(listener) }

    /// The client's data segments once its side of the connection ended (nil: no connection within `timeout`, or
    /// the relay failed).
    public func clientDataSegments(timeout: Double = 20) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while !finished && lock.wait(until: deadline) {}
        return count
    }

    /// Accepts one connection (waiting at most 20 s), relays it until both sides ended, and returns the count.
    private static func relayOne(listener: Int32, targetPort: Int) -> Int? {
        var waiting = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&waiting, 1, 20_000) == 1 else { return nil }
        let client = accept(listener, nil, nil)
        guard client >= 0 else { return nil }
        defer { close(client) }
        guard let server = LoopbackSocket.connected(port: targetPort) else { return nil }
        defer { close(server) }
        var clientSegments: Int?
        var open = [client: true, server: true]
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = Date(timeIntervalSinceNow: 60)
        while open.values.contains(true) && Date() < deadline {
            var descriptors = open.filter(\.value).map { pollfd(fd: $0.key, events: Int16(POLLIN), revents: 0) }
            guard poll(&descriptors, nfds_t(descriptors.count), 1000) >= 0 else { return nil }
            for entry in descriptors where entry.revents != 0 {
                let peer = entry.fd == client ? server : client
                let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count <= 0 {
                    if entry.fd == client { clientSegments = dataSegmentsReceived(client) }
                    shutdown(peer, Int32(SHUT_WR))
                    open[entry.fd] = false
                    continue
                }
                var written = 0
                while written < count {
                    let step = buffer.withUnsafeBytes {
                        write(peer, UnsafeRawBufferPointer(rebasing: $0[written..<count]).baseAddress, count - written)
                    }
                    guard step > 0 else { return nil }
                    written += step
                }
            }
        }
        return clientSegments
    }

    /// `tcpi_data_segs_in` of Linux's `struct tcp_info` (linux/tcp.h; Glibc's older copy of the struct ends before
    /// it). The kernel only ever appends fields, so the offset is fixed.
    private static func dataSegmentsReceived(_ descriptor: Int32) -> Int? {
        let offset = 152
        var info = [UInt8](repeating: 0, count: 256)
        var length = socklen_t(info.count)
        let status = info.withUnsafeMutableBytes {
            getsockopt(descriptor, Int32(IPPROTO_TCP), TCP_INFO, $0.baseAddress, &length)
        }
        guard status == 0, Int(length) >= offset + 4 else { return nil }
        return Int(info.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) })
    }
}
