import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Turns host names into socket addresses before sessions start.
///
/// getaddrinfo blocks, so it never runs on the event loop: names are resolved up front, each distinct name once, on a
/// bounded number of threads. IP literals skip the resolver entirely.
enum AddressResolver {
    struct Resolved: @unchecked Sendable {
        // sockaddr_storage is a plain C value type with no pointers; copying it between threads is safe.
        var storage: sockaddr_storage
        var length: socklen_t
        var family: Int32
    }

    enum Outcome: Sendable {
        case resolved(Resolved)
        case failed(String)
    }

    static func resolve(_ names: [String], parallelism: Int = 8) -> [String: Outcome] {
        let unique = Array(Set(names))
        let results = ResultBox(count: unique.count)
        let queue = DispatchQueue(label: "fleet-audit.resolver", attributes: .concurrent)
        let group = DispatchGroup()
        let slots = DispatchSemaphore(value: parallelism)
        for (index, name) in unique.enumerated() {
            slots.wait()
            queue.async(group: group) {
                results.set(index, resolveOne(name))
                slots.signal()
            }
        }
        group.wait()
        var map: [String: Outcome] = [:]
        for (index, name) in unique.enumerated() { map[name] = results.get(index) }
        return map
    }

    /// The outcomes, one slot per name: each written by exactly one task and read after group.wait(). A class only
    /// because an escaping closure cannot capture a Mutex itself; the Mutex makes it Sendable without `@unchecked`.
    private final class ResultBox: Sendable {
        private let values: Mutex<[Outcome?]>
        init(count: Int) { values = Mutex(Array(repeating: nil, count: count)) }
        func set(_ index: Int, _ value: Outcome) { values.withLock { $0[index] = value } }
        func get(_ index: Int) -> Outcome { values.withLock { $0[index] ?? .failed("not resolved") } }
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
        let length = chosen.pointee.ai_addrlen
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
