import FleetCore

#if canImport(Glibc)
    import Glibc
#endif

/// A ProxyCommand: `/bin/sh -c "exec COMMAND"` (as OpenSSH runs it) with one end of a socketpair as its standard
/// input and output, so the SSH session uses the other end as its socket. Started with posix_spawn (no
/// Foundation.Process per host), in its own process group so that whatever it starts is killed with it; its stderr
/// is read through a pipe, bounded, and quoted when the session fails. Killed and reaped by PID when the session
/// ends: `close()` reaps at once when it can and leaves the rest to the loop's `ProcessReaper`.
final class ProxyProcess: SessionTransport {
    static let stderrLimit = 4096

    let pid: pid_t
    let command: String
    private var stderrDescriptor: Int32
    private var stderrBytes: [UInt8] = []
    private var stderrClosed = false
    private(set) var exitStatus: Int32?
    private var reaped = false
    private unowned let context: SessionContext

    private init(pid: pid_t, command: String, stderrDescriptor: Int32, context: SessionContext) {
        self.pid = pid
        self.command = command
        self.stderrDescriptor = stderrDescriptor
        self.context = context
    }

    deinit { close() }

    enum Spawned {
        case success((ProxyProcess, Int32))
        case failure(String)
    }

    /// Starts `command`; on success returns the process and the session's end of the socketpair.
    static func spawn(command: String, context: SessionContext) -> Spawned {
        guard let pair = SocketPair.make() else { return .failure("socketpair: \(errnoText())") }
        // Stderr through a second socketpair rather than a pipe: created non-blocking and close-on-exec in one call
        // (pipe2 is not visible to Swift here), and it reads EOF the same way once the command is gone.
        guard let stderrPair = SocketPair.make() else {
            Glibc.close(pair.session)
            Glibc.close(pair.transport)
            return .failure("socketpair: \(errnoText())")
        }
        shutdown(stderrPair.session, Int32(SHUT_WR))
        let pipeDescriptors = [stderrPair.session, stderrPair.transport]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the targets; every other descriptor of ours is close-on-exec, and closefrom
        // makes sure no inherited one leaks into the command either.
        posix_spawn_file_actions_adddup2(&actions, pair.transport, 0)
        posix_spawn_file_actions_adddup2(&actions, pair.transport, 1)
        posix_spawn_file_actions_adddup2(&actions, pipeDescriptors[1], 2)
        closeFrom3(&actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, so that kill(-pid) reaches what the command starts; default signal handling
        // (we ignore SIGPIPE, which the child would otherwise inherit).
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF))
        let arguments = ["/bin/sh", "-c", "exec " + command]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, "/bin/sh", &actions, &attributes, &argv, environ)
        Glibc.close(pair.transport)
        Glibc.close(pipeDescriptors[1])
        guard result == 0 else {
            Glibc.close(pair.session)
            Glibc.close(pipeDescriptors[0])
            return .failure("posix_spawn: \(String(cString: strerror(result)))")
        }
        let process = ProxyProcess(pid: pid, command: command, stderrDescriptor: pipeDescriptors[0], context: context)
        return .success((process, pair.session))
    }

    /// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+) is declared only under _GNU_SOURCE, which Swift's
    /// Glibc module does not define: looked up by name, so descriptors opened elsewhere without close-on-exec (libssh2
    /// opens its agent sockets so) never reach the command. Without it, close-on-exec alone applies.
    private static let addCloseFrom:
        (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
            else { return nil }
            return unsafeBitCast(
                symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
        }()

    private static func closeFrom3(_ actions: inout posix_spawn_file_actions_t) {
        if let addCloseFrom { _ = addCloseFrom(&actions, 3) }
    }

    /// Drains stderr (bounded: the first 4 KiB are kept, the rest read and dropped so the command never blocks on a
    /// full pipe) and notices the command's exit.
    func pump(scratch: UnsafeMutableRawBufferPointer) -> [PollInterest] {
        drainStderr(scratch: scratch)
        reapIfExited()
        return stderrClosed ? [] : [.on(stderrDescriptor, read: true, write: false)]
    }

    var hasExited: Bool { exitStatus != nil }
    var stderrText: String {
        String(decoding: stderrBytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Once the command exited: the failure that explains a broken session.
    var breakage: Failure? {
        guard let exitStatus else { return nil }
        return Failure(
            .connection, phase: .connect,
            message: "proxy command exited \(exitStatus)"
                + (stderrText.isEmpty ? " (no stderr)" : ": \(stderrText)") + " [\(command)]")
    }

    private func drainStderr(scratch: UnsafeMutableRawBufferPointer) {
        while !stderrClosed {
            let count = read(stderrDescriptor, scratch.baseAddress, scratch.count)
            if count > 0 {
                let room = Self.stderrLimit - stderrBytes.count
                if room > 0 { stderrBytes += UnsafeRawBufferPointer(rebasing: scratch[0..<min(room, count)]) }
            } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                stderrClosed = true
            } else {
                break
            }
        }
    }

    private func reapIfExited() {
        guard !reaped else { return }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            reaped = true
            exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            context.proxySlots.release()
        }
    }

    /// Once its stderr reached EOF the command is exiting: waits up to `seconds` (in 1 ms steps, on a failure path
    /// only) for its status, so the failure can say how it ended.
    func awaitExit(upTo seconds: Double) {
        var waited = 0.0
        while !reaped && waited < seconds {
            reapIfExited()
            if reaped { break }
            usleep(1_000)
            waited += 0.001
        }
    }

    /// Stderr has reached EOF (the command and everything holding its stderr are gone).
    var stderrFinished: Bool { stderrClosed }

    func close() {
        if !reaped {
            reapIfExited()
            if !reaped {
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                reaped = true
                context.proxySlots.release()
                context.reaper.watch(pid)
            }
        }
        if stderrDescriptor >= 0 {
            Glibc.close(stderrDescriptor)
            stderrDescriptor = -1
        }
    }
}

/// Killed proxy commands not yet reaped: reaped with WNOHANG on every loop pass, and waited for when the loop
/// ends, so no zombie outlives a run.
final class ProcessReaper {
    private var pending: [pid_t] = []

    func watch(_ pid: pid_t) {
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) != pid { pending.append(pid) }
    }

    func reap() {
        guard !pending.isEmpty else { return }
        pending.removeAll { pid in
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            return result == pid || (result < 0 && errno == ECHILD)
        }
    }

    func reapAll() {
        for pid in pending {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        pending.removeAll()
    }
}

/// At most `limit` proxy commands run at once; hosts beyond wait in a FIFO queue, in the loop.
final class ProxySlots {
    let limit: Int
    private var running = 0
    private var queue: [LoopTask] = []
    private unowned let scheduler: LoopScheduler

    init(limit: Int, scheduler: LoopScheduler) {
        self.limit = max(1, limit)
        self.scheduler = scheduler
    }

    /// Takes a slot for `task`, or queues it (woken when a slot frees) and returns false.
    func acquire(for task: LoopTask) -> Bool {
        if let first = queue.first, first !== task {
            if !queue.contains(where: { $0 === task }) { queue.append(task) }
            return false
        }
        guard running < limit else {
            if !queue.contains(where: { $0 === task }) { queue.append(task) }
            return false
        }
        if queue.first === task { queue.removeFirst() }
        running += 1
        return true
    }

    func release() {
        running -= 1
        if let next = queue.first { scheduler.wake(next) }
    }

    func cancel(_ task: LoopTask) { queue.removeAll { $0 === task } }
}
