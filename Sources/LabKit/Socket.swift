import Foundation

/// The few IPv4 socket calls of the lab's own servers (metadata responder, delay relay).
enum Socket {
    static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    static func address(_ address: String, _ port: Int) -> sockaddr_in {
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = in_port_t(UInt16(port).bigEndian)
        socketAddress.sin_addr.s_addr = inet_addr(address)
        return socketAddress
    }

    static func nonBlocking(_ descriptor: Int32) -> Int32 {
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        return descriptor
    }

    /// A relay stands for the wire, so it must add no delay of its own: without TCP_NODELAY its second small write
    /// waits for the first one's ACK, which sshd (no TCP_NODELAY, delayed ACKs) may hold for 40 ms; measured, that
    /// added about 0.6 round trips to every session behind it.
    static func forwardAtOnce(_ descriptor: Int32) {
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// ACKs what was just read at once (TCP_QUICKACK), as the engine's client does: otherwise the sender's Nagle
    /// waits on the relay's delayed ACK, a stall no direct connection has.
    static func acknowledgeAtOnce(_ descriptor: Int32) {
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_QUICKACK, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// A blocking listener on address:port.
    static func listen(address: String, port: Int) throws(Lab.LabError) -> Int32 {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var socketAddress = Self.address(address, port)
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard listener >= 0, bound == 0, Glibc.listen(listener, 128) == 0 else {
            throw Lab.LabError(description: "cannot listen on \(address):\(port): \(String(cString: strerror(errno)))")
        }
        return listener
    }

    static func accept(_ listener: Int32) -> Int32? {
        let descriptor = Glibc.accept(listener, nil, nil)
        return descriptor >= 0 ? nonBlocking(descriptor) : nil
    }

    /// A connection to a local service: completes at once (or is refused) on loopback, so it is made blocking.
    static func connect(address: String, port: Int) -> Int32? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        var socketAddress = Self.address(address, port)
        let connected = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(descriptor)
            return nil
        }
        return nonBlocking(descriptor)
    }
}
