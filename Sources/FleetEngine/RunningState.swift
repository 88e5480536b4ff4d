import FleetCore
import SSHClient

/// A running command: standard input going out, both output streams coming in, until the server's EOF.
struct RunningState {
    enum Outcome {
        case wouldBlock
        case drained
        case failed(SSHError)
        /// stdout and stderr together reached the job's total output cap: stop reading.
        case outputCapReached(Int)
    }

    let session: SSHSession
    let channel: SSHChannel
    private let input: [UInt8]
    private var inputOffset = 0
    private var eofSent = false
    private(set) var stdout: CappedBuffer
    private(set) var stderr: CappedBuffer
    private var stdoutFinished = false
    private var stderrFinished = false
    private let totalLimit: Int?

    /// `eofSent`: our EOF already went out with the exec request (`HostSession`, starting the command).
    init(session: SSHSession, channel: SSHChannel, job: RemoteJob, eofSent: Bool = false) {
        self.session = session
        self.channel = channel
        self.eofSent = eofSent
        input = job.standardInput.map { [UInt8]($0) } ?? []
        stdout = CappedBuffer(limit: job.outputLimit)
        stderr = CappedBuffer(limit: job.outputLimit)
        totalLimit = job.totalOutputLimit
    }

    /// Bytes received on both streams together (kept or not).
    private var received = 0

    /// Moves data until nothing more can move without waiting. Reads keep going while libssh2 returns data, so bytes
    /// already buffered inside libssh2 are never left waiting for the socket to become readable again.
    mutating func advance(scratch: UnsafeMutableRawBufferPointer) -> Outcome {
        var transportMovedWithoutData = false
        while true {
            var progressed = false
            if inputOffset < input.count {
                let outcome = input.withUnsafeBytes {
                    channel.write(UnsafeRawBufferPointer(rebasing: $0[inputOffset...]))
                }
                switch outcome {
                case .done(let count):
                    inputOffset += count
                    progressed = count > 0
                case .wouldBlock: break
                case .failed:
                    // The command stopped reading (it may have exited): its output still matters.
                    inputOffset = input.count
                    eofSent = true
                }
            } else if !eofSent {
                switch channel.sendEOF() {
                case .done, .failed:
                    eofSent = true
                    progressed = true
                case .wouldBlock: break
                }
            }
            for stream in [SSHChannel.Stream.stdout, .stderr] where !finished(stream) {
                reading: while true {
                    switch channel.read(stream, into: scratch) {
                    case .done(let count) where count > 0:
                        var chunk = UnsafeRawBufferPointer(rebasing: scratch[0..<count])
                        if let totalLimit {
                            let room = max(0, totalLimit - received)
                            chunk = UnsafeRawBufferPointer(rebasing: chunk.prefix(room))
                            received += count
                            append(chunk, to: stream)
                            if received >= totalLimit { return .outputCapReached(totalLimit) }
                        } else {
                            append(chunk, to: stream)
                        }
                        progressed = true
                    case .done:
                        // 0 bytes: the stream is finished once the server sent EOF, and that counts as progress:
                        // this read may have taken the last packets (EOF, exit status, close) off the socket, so the
                        // other stream must be read again now, not after a readiness that never comes. Otherwise the
                        // transport moved a packet that was not for this stream (libssh2 channel.c): try again once.
                        if channel.receivedEOF {
                            markFinished(stream)
                            progressed = true
                        } else if !transportMovedWithoutData {
                            transportMovedWithoutData = true
                            progressed = true
                        }
                        break reading
                    case .wouldBlock:
                        break reading
                    case .failed(let error):
                        return .failed(error)
                    }
                }
            }
            if stdoutFinished && stderrFinished { return .drained }
            if !progressed { return .wouldBlock }
        }
    }

    private func finished(_ stream: SSHChannel.Stream) -> Bool { stream == .stdout ? stdoutFinished : stderrFinished }

    /// How far the exchange got, for a timeout message: a stall with no output differs from one that lost the
    /// server's EOF after the whole output arrived.
    var progress: String {
        let eof = channel.receivedEOF ? "server EOF received" : "no EOF from the server"
        return "stdin \(inputOffset)/\(input.count) bytes sent\(eofSent ? " and closed" : ""), "
            + "stdout \(stdout.bytes.count) bytes, stderr \(stderr.bytes.count) bytes received, \(eof)"
    }

    private mutating func markFinished(_ stream: SSHChannel.Stream) {
        if stream == .stdout { stdoutFinished = true } else { stderrFinished = true }
    }

    private mutating func append(_ bytes: UnsafeRawBufferPointer, to stream: SSHChannel.Stream) {
        if stream == .stdout { stdout.append(bytes) } else { stderr.append(bytes) }
    }
}

/// Closing the channel politely: close, wait for the server's close (the exit status arrives before it), free, and
/// disconnect. Failures here do not change the command's result: it already ran.
struct ClosingState {
    enum Outcome {
        case wouldBlock
        case closed
    }

    private enum Step {
        case close
        case waitClosed
        case free
        case disconnect
        case done
    }

    let running: RunningState
    var session: SSHSession { running.session }
    private var step = Step.close
    private(set) var exitStatus: Int32 = -1
    private(set) var exitSignal: String?

    init(running: RunningState) { self.running = running }

    /// Our close and the disconnect usually follow each other without a wait (the server's close came with the
    /// output): they leave in one segment. Once closed they stay held: the session's `abort()` sends them with its
    /// FIN, in that same segment.
    mutating func advance() -> Outcome {
        session.holdWrites()
        let outcome = advanceHoldingWrites()
        if case .wouldBlock = outcome { session.releaseWrites() }
        return outcome
    }

    private mutating func advanceHoldingWrites() -> Outcome {
        let channel = running.channel
        while true {
            var pending = false
            switch step {
            case .close:
                if case .wouldBlock = channel.close() { pending = true } else { step = .waitClosed }
            case .waitClosed:
                if case .wouldBlock = channel.waitClosed() {
                    pending = true
                } else {
                    exitStatus = channel.exitStatus
                    exitSignal = channel.exitSignal()
                    step = .free
                }
            case .free:
                if case .wouldBlock = channel.free() { pending = true } else { step = .disconnect }
            case .disconnect:
                if case .wouldBlock = session.disconnect() { pending = true } else { step = .done }
            case .done:
                return .closed
            }
            if pending { return .wouldBlock }
        }
    }
}
