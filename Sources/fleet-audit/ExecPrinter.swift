import FleetCore
import Foundation
import Reports
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Shows `exec` results: streamed per host as they finish (prefixed or grouped), or one JSON document at the end;
/// a progress line on stderr only when stderr is a terminal.
///
/// Remote output is untrusted, and the text modes make it safe whether or not standard output is a terminal (a
/// file or pipe is read on a terminal later, with `cat` or `less -R`): every line goes through
/// `OutputText.terminalLines`, host names and messages through `OutputText.terminal`, so escape sequences, C1 and
/// bidi controls are shown, and a CR cannot overwrite the host prefix. The exact bytes are in `--json`, whose
/// strings carry them escaped.
final class ExecPrinter: Sendable {
    enum Mode {
        case prefixed
        case grouped
        case json
    }

    private let mode: Mode
    private let total: Int
    private let showsProgress: Bool
    private let state = Mutex<(finished: Int, failed: Int)>((0, 0))

    init(mode: Mode, total: Int) {
        self.mode = mode
        self.total = total
        showsProgress = isatty(STDERR_FILENO) == 1
    }

    /// Called from the engine's loop thread as each host finishes.
    func hostFinished(_ result: CommandResult) {
        state.withLock { counts in
            counts.finished += 1
            if result.status != .ok { counts.failed += 1 }
            if showsProgress { StandardStream.error.write("\r\u{1B}[K") }
            switch mode {
            case .prefixed: write(prefixed(result))
            case .grouped: write(grouped(result))
            case .json: break
            }
            if showsProgress {
                let line =
                    "[\(counts.finished)/\(total)] \(counts.finished - counts.failed) ok, \(counts.failed) failed"
                StandardStream.error.write(line)
            }
        }
    }

    func finish(_ results: [CommandResult]) {
        if showsProgress { StandardStream.error.write("\r\u{1B}[K") }
        if mode == .json {
            write(json(results))
        } else {
            write(summary(results))
        }
    }

    /// When the reader has gone (`fleet-audit exec … | head`), the process ends as any filter does, by SIGPIPE,
    /// which the engine otherwise ignores for its sockets; other write errors drop the output.
    private func write(_ text: String) {
        if StandardStream.output.write(text) == EPIPE {
            signal(SIGPIPE, SIG_DFL)
            raise(SIGPIPE)
        }
    }

    private func lines(_ data: Data) -> [String] { OutputText.terminalLines(String(decoding: data, as: UTF8.self)) }

    private func prefixed(_ result: CommandResult) -> String {
        let host = OutputText.terminal(result.host)
        var text = ""
        for line in lines(result.stdout) { text += "\(host) | \(line)\n" }
        for line in lines(result.stderr) { text += "\(host) ! \(line)\n" }
        if result.truncated { text += "\(host) ! [output truncated at the per-stream limit]\n" }
        if let failure = result.failure { text += "\(host) ! \(describe(failure))\n" }
        return text
    }

    private func grouped(_ result: CommandResult) -> String {
        var text = "== \(OutputText.terminal(result.host)) (\(result.status == .ok ? "ok" : "failed")"
        if let status = result.exitStatus { text += ", exit \(status)" }
        text += String(format: ", %.2f s)\n", result.elapsedSeconds)
        for line in lines(result.stdout) { text += line + "\n" }
        for line in lines(result.stderr) { text += "stderr: " + line + "\n" }
        if result.truncated { text += "[output truncated at the per-stream limit]\n" }
        if let failure = result.failure { text += describe(failure) + "\n" }
        return text
    }

    private func describe(_ failure: Failure) -> String { OutputText.terminal(failure.summary) }

    private func summary(_ results: [CommandResult]) -> String {
        let ok = results.filter { $0.status == .ok }.count
        var byClass: [String: Int] = [:]
        for failure in results.compactMap(\.failure) {
            let key =
                failure.errorClass == .timeout
                ? "timeout/\(failure.phase?.rawValue ?? "?")" : failure.errorClass.rawValue
            byClass[key, default: 0] += 1
        }
        var text = "\(results.count) hosts: \(ok) ok, \(results.count - ok) failed"
        if !byClass.isEmpty {
            text +=
                " (" + byClass.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
        }
        if results.contains(where: \.hostKeyUnverified) {
            text += "\nWARNING: host keys were NOT verified for some hosts"
        }
        return text + "\n"
    }

    private func json(_ results: [CommandResult]) -> String {
        let document = ExecReport(
            hostKeysVerified: !results.contains(where: \.hostKeyUnverified),
            summary: .init(
                hosts: results.count, ok: results.filter { $0.status == .ok }.count,
                failed: results.filter { $0.status != .ok }.count),
            results: results.map(ExecReport.Result.init))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let data = (try? encoder.encode(document)) ?? Data("{}".utf8)
        return OutputText.jsonEscapingHidden(String(decoding: data, as: UTF8.self)) + "\n"
    }
}

/// The `exec --json` document. Field names are a contract for scripts: add, never rename.
private struct ExecReport: Encodable {
    struct Summary: Encodable {
        var hosts: Int
        var ok: Int
        var failed: Int
    }

    struct Result: Encodable {
        var host: String
        var address: String
        var port: Int
        var status: String
        var exitStatus: Int32?
        var exitSignal: String?
        var errorClass: String?
        var phase: String?
        var message: String?
        var stdout: String
        var stderr: String
        var truncated: Bool
        var elapsedSeconds: Double
        var hostKeyVerified: Bool

        init(_ result: CommandResult) {
            host = result.host
            address = result.address
            port = result.port
            status = result.status.rawValue
            exitStatus = result.exitStatus
            exitSignal = result.exitSignal
            errorClass = result.failure?.errorClass.rawValue
            phase = result.failure?.errorClass == .timeout ? result.failure?.phase?.rawValue : nil
            message = result.failure?.message
            stdout = String(decoding: result.stdout, as: UTF8.self)
            stderr = String(decoding: result.stderr, as: UTF8.self)
            truncated = result.truncated
            elapsedSeconds = (result.elapsedSeconds * 1000).rounded() / 1000
            hostKeyVerified = !result.hostKeyUnverified
        }

        func encode(to encoder: Encoder) throws {
            // Explicit nulls: consumers can rely on every key being present.
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(host, forKey: .host)
            try container.encode(address, forKey: .address)
            try container.encode(port, forKey: .port)
            try container.encode(status, forKey: .status)
            try container.encode(exitStatus, forKey: .exitStatus)
            try container.encode(exitSignal, forKey: .exitSignal)
            try container.encode(errorClass, forKey: .errorClass)
            try container.encode(phase, forKey: .phase)
            try container.encode(message, forKey: .message)
            try container.encode(stdout, forKey: .stdout)
            try container.encode(stderr, forKey: .stderr)
            try container.encode(truncated, forKey: .truncated)
            try container.encode(elapsedSeconds, forKey: .elapsedSeconds)
            try container.encode(hostKeyVerified, forKey: .hostKeyVerified)
        }

        enum CodingKeys: String, CodingKey {
            case host, address, port, status, exitStatus, exitSignal, errorClass, phase, message, stdout, stderr
            case truncated, elapsedSeconds, hostKeyVerified
        }
    }

    var hostKeysVerified: Bool
    var summary: Summary
    var results: [Result]
}
