import Foundation

/// Work that blocks (a poll loop, getaddrinfo) runs on a thread of its own, never on the Swift concurrency
/// executor's few cooperative threads: the caller awaits a continuation that the thread resumes when it is done.
enum DedicatedThread {
    static func run<Result: Sendable>(
        name: String, stackSize: Int = 1 << 20, _ body: @escaping @Sendable () -> Result
    ) async -> Result {
        await withCheckedContinuation { (continuation: CheckedContinuation<Result, Never>) in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.name = name
            thread.stackSize = stackSize
            thread.start()
        }
    }
}
