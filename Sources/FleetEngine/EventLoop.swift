import FleetCore
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// One thread's poll loop over many tasks: host sessions and the bastion connections they share. Owns every task
/// (and so every libssh2 handle) it creates; nothing but `Sendable` jobs and results crosses its boundary. The loop
/// keeps only the wait table; each task's state owns its resources and its deadline.
///
/// poll(2), not select(2): select cannot watch descriptors above 1,023.
final class EventLoop {
    private let jobs: [(index: Int, job: RemoteJob)]
    private let concurrency: Int
    private let context: SessionContext
    private let onResult: @Sendable (Int, CommandResult) -> Void
    private let logger: Logger

    init(
        jobs: [(index: Int, job: RemoteJob)], concurrency: Int, context: SessionContext, logger: Logger,
        onResult: @escaping @Sendable (Int, CommandResult) -> Void
    ) {
        self.jobs = jobs
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
        var hostsInFlight = 0
        var active: [LoopTask] = []
        var runnable: [LoopTask] = []
        var waiting: [LoopTask] = []
        var pollDescriptors: [pollfd] = []
        let scheduler = context.scheduler
        defer { context.reaper.reapAll() }

        while nextJob < jobs.count || !active.isEmpty {
            var now = Self.now()
            // Admit new hosts up to the concurrency limit (hosts, not bastion connections).
            while hostsInFlight < concurrency && nextJob < jobs.count {
                let (index, job) = jobs[nextJob]
                nextJob += 1
                let session = HostSession(index: index, job: job, context: context, now: now)
                session.bookkeeping.isRunnable = true
                active.append(session)
                runnable.append(session)
                hostsInFlight += 1
            }
            // Advance every task that can make progress; collect what each waits for. Tasks added or woken during
            // the pass run in the same pass.
            var finishedAny = false
            while !runnable.isEmpty {
                for task in runnable {
                    task.bookkeeping.isRunnable = false
                    guard !task.bookkeeping.isDone else { continue }
                    switch task.advance(now: now) {
                    case .finished(let result):
                        task.bookkeeping.isDone = true
                        finishedAny = true
                        if let result, let index = task.jobIndex {
                            report(index, result)
                            hostsInFlight -= 1
                        }
                    case .wait(let interests):
                        task.bookkeeping.interests = interests
                    }
                }
                let (added, woken) = scheduler.drain()
                active.append(contentsOf: added)
                runnable = added + woken
            }
            if finishedAny { active.removeAll { $0.bookkeeping.isDone } }
            context.reaper.reap()
            if active.isEmpty { continue }

            // Wait for descriptors, at most until the nearest deadline.
            waiting.removeAll(keepingCapacity: true)
            pollDescriptors.removeAll(keepingCapacity: true)
            var nearest = Double.infinity
            for task in active {
                nearest = min(nearest, task.nextDeadline)
                for interest in task.bookkeeping.interests {
                    waiting.append(task)
                    pollDescriptors.append(pollfd(fd: interest.descriptor, events: interest.events, revents: 0))
                }
            }
            let timeoutMilliseconds = Int32(max(0, min(1_000, ((nearest - now) * 1_000).rounded(.up))))
            let ready = poll(&pollDescriptors, nfds_t(pollDescriptors.count), timeoutMilliseconds)
            if ready < 0 && errno != EINTR {
                logger.error("poll failed", metadata: ["errno": "\(errno)"])
            }
            now = Self.now()
            for (position, descriptor) in pollDescriptors.enumerated() where descriptor.revents != 0 {
                let task = waiting[position]
                if !task.bookkeeping.isRunnable {
                    task.bookkeeping.isRunnable = true
                    runnable.append(task)
                }
            }
            // Tasks past a deadline end now, with the phase named (unless a descriptor just became ready).
            var expiredAny = false
            for task in active where task.nextDeadline <= now && !task.bookkeeping.isRunnable {
                let result = task.expire(now: now)
                if let result, let index = task.jobIndex {
                    report(index, result)
                    hostsInFlight -= 1
                }
                if task.bookkeeping.isDone { expiredAny = true }
            }
            // What the expired tasks released (slots, connections) may wake others.
            let (added, woken) = scheduler.drain()
            active.append(contentsOf: added)
            runnable += added + woken.filter { !$0.bookkeeping.isDone }
            if expiredAny { active.removeAll { $0.bookkeeping.isDone } }
        }
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
