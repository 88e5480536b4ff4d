import FleetCore

#if canImport(Glibc)
    import Glibc
#endif

/// One descriptor a task waits on, with the poll(2) events it waits for.
struct PollInterest {
    var descriptor: Int32
    var events: Int16

    static func on(_ descriptor: Int32, read: Bool, write: Bool) -> PollInterest {
        var events: Int16 = 0
        if read { events |= Int16(POLLIN) }
        if write { events |= Int16(POLLOUT) }
        return PollInterest(descriptor: descriptor, events: events)
    }
}

/// What a task's `advance` asks of the loop.
enum LoopStep {
    /// Advance again when any of these descriptors is ready, when another task wakes this one, or at the task's
    /// deadline. An empty list waits only for a wake-up or the deadline (a host queued for a bastion channel).
    case wait([PollInterest])
    /// The task is over; a host's task hands over its result.
    case finished(CommandResult?)
}

/// Something the poll loop drives: a host's session, or a pooled bastion connection. Each owns its resources and
/// its deadline in its current state; the loop keeps only the wait table (which task waits on which descriptors).
protocol LoopTask: AnyObject {
    var bookkeeping: LoopBookkeeping { get }
    /// The job whose result this task produces; nil for a bastion connection.
    var jobIndex: Int? { get }
    /// When the current state's deadline (or the host's) passes; `.infinity` while queued without one.
    var nextDeadline: Double { get }
    func advance(now: Double) -> LoopStep
    /// The deadline passed: end now, releasing everything; a host's task returns its timeout result.
    func expire(now: Double) -> CommandResult?
}

/// The loop's per-task wait-table entry.
final class LoopBookkeeping {
    var interests: [PollInterest] = []
    var isRunnable = false
    var isDone = false
}

/// How tasks reach the loop from inside another task's `advance`: new tasks (a bastion connection opened for a
/// host) and wake-ups (a channel slot became free, a bastion became ready, bytes for a tunnel arrived inside libssh2).
final class LoopScheduler {
    private(set) var added: [LoopTask] = []
    private(set) var woken: [LoopTask] = []
    /// Bastion connections whose session was used in this pass: libssh2 may have queued packets for their other
    /// channels, which the socket's readiness will never announce.
    private var touched: [BastionConnection] = []

    func add(_ task: LoopTask) {
        added.append(task)
        task.bookkeeping.isRunnable = true
    }

    func wake(_ task: LoopTask) {
        guard !task.bookkeeping.isRunnable, !task.bookkeeping.isDone else { return }
        task.bookkeeping.isRunnable = true
        woken.append(task)
    }

    func touch(_ connection: BastionConnection) {
        guard !connection.isTouched else { return }
        connection.isTouched = true
        touched.append(connection)
    }

    /// After a pass: wakes every tunnel whose data already sits inside libssh2, then hands over what was added and
    /// woken.
    func drain() -> (added: [LoopTask], woken: [LoopTask]) {
        while !touched.isEmpty {
            let connections = touched
            touched.removeAll()
            for connection in connections {
                connection.isTouched = false
                connection.wakeTunnelsWithQueuedWork(self)
            }
        }
        defer {
            added.removeAll(keepingCapacity: true)
            woken.removeAll(keepingCapacity: true)
        }
        return (added, woken)
    }
}
