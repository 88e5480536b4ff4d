import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Turns host names into socket addresses before sessions start.
///
/// getaddrinfo blocks, so it never runs on the event loop nor on a cooperative thread of the Swift executor (a
/// blocked one of those stalls every task behind it): names are resolved up front, each distinct name once, by at
/// most `parallelism` dedicated threads that take the next name until none is left, while the caller awaits them.
enum AddressResolver {
    /// A plain C value with no pointers (imported as Sendable), copied between threads.
    struct Resolved: Sendable {
        var storage: sockaddr_storage
        var length: socklen_t
        var family: Int32
    }

    enum Outcome: Sendable {
        case resolved(Resolved)
        case failed(String)
    }

    static func resolve(_ names: [String], parallelism: Int = 8) async -> [String: Outcome] {
        let queue = NameQueue(Array(Set(names)))
        let workers = min(max(1, parallelism), queue.names.count)
        return await withTaskGroup(of: [(String, Outcome)].self) { group in
            for worker in 0..<workers {
                group.addTask {
                    await DedicatedThread.run(name: "fleet-audit.resolver.\(worker)", stackSize: 256 << 10) {
                        var resolved: [(String, Outcome)] = []
                        while let name = queue.next() { resolved.append((name, resolveOne(name))) }
                        return resolved
                    }
                }
            }
            var map: [String: Outcome] = [:]
            for await resolved in group {
                for (name, outcome) in resolved { map[name] = outcome }
            }
            return map
        }
    }

    /// The names still to resolve, shared by the resolver threads: each takes the next under the lock. A class
    /// only because an escaping closure cannot capture a Mutex itself; the Mutex makes it Sendable.
    private final class NameQueue: Sendable {
        let names: [String]
        private let cursor = Mutex(0)

        init(_ names: [String]) { self.names = names }

        func next() -> String? {
            cursor.withLock { index in
                guard index < names.count else { return nil }
                defer { index += 1 }
                return names[index]
            }
        }
    }

    static func resolveOne(_ name: String) -> Outcome {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, nil, &hints, &list)
        guard status == 0, let first = list else {
            let reason = String(cString: gai_strerror(status))
            return .failed("cannot resolve '\(name)': \(reason)")
        }
        defer { freeaddrinfo(list) }
        // Prefer IPv4 when both exist: EC2 private addressing is IPv4, and so is the lab.
        var chosen = first
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if entry.pointee.ai_family == AF_INET {
                chosen = entry
                break
            }
            cursor = entry.pointee.ai_next
        }
        var storage = sockaddr_storage()
        // Never more than the storage holds, whatever length the resolver (NSS modules included) reports.
        let length = min(chosen.pointee.ai_addrlen, socklen_t(MemoryLayout<sockaddr_storage>.size))
        withUnsafeMutableBytes(of: &storage) { destination in
            destination.copyMemory(
                from: UnsafeRawBufferPointer(start: chosen.pointee.ai_addr, count: Int(length)))
        }
        return .resolved(Resolved(storage: storage, length: length, family: chosen.pointee.ai_family))
    }

    /// Sets the port on a resolved address.
    static func withPort(_ resolved: Resolved, _ port: Int) -> Resolved {
        var copy = resolved
        withUnsafeMutableBytes(of: &copy.storage) { raw in
            if resolved.family == AF_INET {
                raw.withMemoryRebound(to: sockaddr_in.self) { $0[0].sin_port = in_port_t(UInt16(port).bigEndian) }
            } else {
                raw.withMemoryRebound(to: sockaddr_in6.self) { $0[0].sin6_port = in_port_t(UInt16(port).bigEndian) }
            }
        }
        return copy
    }
}
