import FleetCore
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// One thread's poll loop over many host sessions. Owns every session (and so every libssh2 handle) it creates;
/// nothing but `Sendable` jobs and results crosses its boundary.
///
/// poll(2), not select(2): select cannot watch descriptors above 1,023.
final class EventLoop {
    private let jobs: [(index: Int, job: RemoteJob)]
    private let addresses: [String: AddressResolver.Outcome]
    private let concurrency: Int
    private let context: SessionContext
    private let onResult: @Sendable (Int, CommandResult) -> Void
    private let logger: Logger

    init(
        jobs: [(index: Int, job: RemoteJob)], addresses: [String: AddressResolver.Outcome], concurrency: Int,
        context: SessionContext, logger: Logger, onResult: @escaping @Sendable (Int, CommandResult) -> Void
    ) {
        self.jobs = jobs
        self.addresses = addresses
        self.concurrency = max(1, concurrency)
        self.context = context
        self.logger = logger
        self.onResult = onResult
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    func run() {
        var nextJob = 0
        var active: [HostSession] = []
        var runnable: [HostSession] = []
        var waiting: [(session: HostSession, socket: Int32, events: Int16)] = []
        var pollDescriptors: [pollfd] = []

        while nextJob < jobs.count || !active.isEmpty {
            var now = Self.now()
            // Admit new hosts up to the concurrency limit.
            while active.count < concurrency && nextJob < jobs.count {
                let (index, job) = jobs[nextJob]
                nextJob += 1
                if let session = start(index: index, job: job, now: now) {
                    active.append(session)
                    runnable.append(session)
                }
            }
            // Advance every session that can make progress; collect what each waits for.
            var finishedAny = false
            for session in runnable {
                session.isRunnable = false
                switch session.advance(now: now) {
                case .finished(let result):
                    report(session.index, result)
                    session.isDone = true
                    finishedAny = true
                case .wait(let socket, let read, let write):
                    var events: Int16 = 0
                    if read { events |= Int16(POLLIN) }
                    if write { events |= Int16(POLLOUT) }
                    session.waitSocket = socket
                    session.waitEvents = events
                }
            }
            runnable.removeAll(keepingCapacity: true)
            if finishedAny { active.removeAll { $0.isDone } }
            if active.isEmpty { continue }

            // Wait for sockets, at most until the nearest deadline.
            waiting.removeAll(keepingCapacity: true)
            pollDescriptors.removeAll(keepingCapacity: true)
            var nearest = Double.infinity
            for session in active {
                nearest = min(nearest, session.nextDeadline)
                waiting.append((session, session.waitSocket, session.waitEvents))
                pollDescriptors.append(pollfd(fd: session.waitSocket, events: session.waitEvents, revents: 0))
            }
            let timeoutMilliseconds = Int32(max(0, min(1_000, ((nearest - now) * 1_000).rounded(.up))))
            let ready = poll(&pollDescriptors, nfds_t(pollDescriptors.count), timeoutMilliseconds)
            if ready < 0 && errno != EINTR {
                logger.error("poll failed", metadata: ["errno": "\(errno)"])
            }
            now = Self.now()
            for (position, descriptor) in pollDescriptors.enumerated() where descriptor.revents != 0 {
                waiting[position].session.isRunnable = true
                runnable.append(waiting[position].session)
            }
            // Sessions past a deadline end now, with the phase named (unless their socket just became ready).
            var expiredAny = false
            for session in active where session.nextDeadline <= now && !session.isRunnable {
                report(session.index, session.expire(now: now))
                session.isDone = true
                expiredAny = true
            }
            if expiredAny { active.removeAll { $0.isDone } }
        }
    }

    private func start(index: Int, job: RemoteJob, now: Double) -> HostSession? {
        let host = job.host
        guard let outcome = addresses[host.address] else {
            report(index, failed(job, Failure(.dns, phase: .connect, message: "no address for \(host.address)")))
            return nil
        }
        switch outcome {
        case .failed(let message):
            report(index, failed(job, Failure(.dns, phase: .connect, message: message)))
            return nil
        case .resolved(let resolved):
            switch TCPConnector.start(AddressResolver.withPort(resolved, host.port)) {
            case .inProgress(let socket):
                return HostSession(index: index, job: job, context: context, socket: socket, now: now)
            case .failed(let error):
                let failureClass: FailureClass = error == ECONNREFUSED ? .refused : .connection
                let message = "TCP connect failed: \(TCPConnector.describe(error))"
                report(index, failed(job, Failure(failureClass, phase: .connect, message: message)))
                return nil
            }
        }
    }

    private func failed(_ job: RemoteJob, _ failure: Failure) -> CommandResult {
        CommandResult(
            host: job.host.name, address: job.host.address, port: job.host.port, status: .failed, failure: failure)
    }

    private func report(_ index: Int, _ result: CommandResult) {
        if let failure = result.failure {
            logger.info(
                "host finished", metadata: ["host": "\(result.host)", "class": "\(failure.errorClass.rawValue)"])
        } else {
            logger.debug("host finished", metadata: ["host": "\(result.host)"])
        }
        onResult(index, result)
    }
}
