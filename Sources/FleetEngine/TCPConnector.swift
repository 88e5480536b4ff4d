#if canImport(Glibc)
    import Glibc
#endif

/// Non-blocking TCP connects: start one, then ask whether it finished once the socket is writable.
enum TCPConnector {
    enum Start {
        /// The connect is under way (or done): wait for writable, then call `finish`.
        case inProgress(Int32)
        case failed(errno: Int32)
    }

    static func start(_ address: AddressResolver.Resolved) -> Start {
        let socketDescriptor = socket(
            address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
            0)
        guard socketDescriptor >= 0 else { return .failed(errno: errno) }
        var one: Int32 = 1
        // Each SSH round trip is small; Nagle's algorithm would hold them back (shared/notes/libssh2.md).
        setsockopt(socketDescriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var storage = address.storage
        let result = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketDescriptor, $0, address.length) }
        }
        if result == 0 || errno == EINPROGRESS { return .inProgress(socketDescriptor) }
        let error = errno
        close(socketDescriptor)
        return .failed(errno: error)
    }

    /// After the socket became writable (or errored): 0 when connected, otherwise the connect's errno.
    static func finish(_ socketDescriptor: Int32) -> Int32 {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(socketDescriptor, SOL_SOCKET, SO_ERROR, &error, &length) == 0 else { return errno }
        return error
    }

    /// Whether the socket is writable (or in error) right now, without waiting.
    static func isWritable(_ socketDescriptor: Int32) -> Bool {
        var descriptor = pollfd(fd: socketDescriptor, events: Int16(POLLOUT), revents: 0)
        return poll(&descriptor, 1, 0) > 0
    }

    static func describe(_ error: Int32) -> String { String(cString: strerror(error)) }
}
