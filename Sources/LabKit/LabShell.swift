import Foundation

/// Runs the lab's shell glue (ip, unshare, ssh-keygen) and reports failures with the command and its output.
enum LabShell {
    struct Failure: Error, CustomStringConvertible {
        var command: String
        var output: String
        var description: String { "`\(command)` failed: \(output.trimmingCharacters(in: .whitespacesAndNewlines))" }
    }

    @discardableResult
    static func run(_ command: String, allowFailure: Bool = false) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", command]
        // Output goes to a file, not a pipe: background processes the glue starts (a host's unshare) would keep a
        // pipe open forever, and reading it would never end.
        let outputPath = NSTemporaryDirectory() + "fleet-lab-" + UUID().uuidString
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        guard let handle = FileHandle(forWritingAtPath: outputPath) else {
            throw Failure(command: command, output: "cannot create \(outputPath)")
        }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let status = waitForExit(process)
        try? handle.close()
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        if status != 0 && !allowFailure { throw Failure(command: command, output: output) }
        return output
    }

    /// Reaps the child with waitpid: Foundation's own termination notice never came here for a shell whose
    /// background children outlive it, which left `up` waiting forever.
    private static func waitForExit(_ process: Process) -> Int32 {
        let pid = process.processIdentifier
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, 0)
            if reaped == pid { break }
            if reaped < 0 && errno == EINTR { continue }
            // Foundation reaped it first: its status is then the one to trust.
            while process.isRunning { usleep(1_000) }
            return process.terminationStatus
        }
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
