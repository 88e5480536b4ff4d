import Foundation

/// Runs a program to completion with a deadline and captures its output. For tests and harnesses only.
public struct ProcessOutput: Sendable {
    public var exitCode: Int32
    public var stdout: String
    public var stderr: String
    public var timedOut: Bool
}

public enum ProcessRunner {
    /// Runs `executable` with `arguments`; kills it (SIGKILL) when `timeout` seconds pass. With `standardOutput` or
    /// `standardError`, the program writes there instead (and `stdout` or `stderr` is empty).
    @discardableResult
    public static func run(
        _ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil,
        input: Data? = nil, timeout: Double = 60, currentDirectory: String? = nil, standardOutput: FileHandle? = nil,
        standardError: FileHandle? = nil
    ) throws -> ProcessOutput {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let outFile = try TemporaryFile()
        let errFile = try TemporaryFile()
        process.standardOutput = standardOutput ?? outFile.handle
        process.standardError = standardError ?? errFile.handle
        let stdinPipe = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdinPipe
        try process.run()
        if let input {
            stdinPipe.fileHandleForWriting.write(input)
            try? stdinPipe.fileHandleForWriting.close()
        }
        // Reap the child ourselves: Foundation's own termination monitoring does not fire while an async test
        // blocks the thread it depends on, which leaves zombies and a Process that "runs" forever.
        let pid = process.processIdentifier
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        var status: Int32 = 0
        var reapedByFoundation = false
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped < 0 && errno == ECHILD {
                // Foundation reaped it first; its own status then becomes available.
                reapedByFoundation = true
                while process.isRunning && Date() < deadline { usleep(2_000) }
                break
            }
            if Date() > deadline && !timedOut {
                kill(pid, SIGKILL)
                timedOut = true
            }
            usleep(2_000)
        }
        let exitCode: Int32 =
            reapedByFoundation
            ? process.terminationStatus : (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return ProcessOutput(
            exitCode: exitCode, stdout: outFile.contents(), stderr: errFile.contents(), timedOut: timedOut)
    }

    /// Runs a shell command line with `/bin/sh -c`.
    @discardableResult
    public static func shell(_ commandLine: String, timeout: Double = 60) throws -> ProcessOutput {
        try run("/bin/sh", ["-c", commandLine], timeout: timeout)
    }

    /// Starts a long-running process in the background; the caller owns it and must terminate it.
    public static func start(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        logFile: String? = nil
    ) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        if let logFile {
            _ = FileManager.default.createFile(atPath: logFile, contents: nil)
            let handle = FileHandle(forWritingAtPath: logFile)
            process.standardOutput = handle
            process.standardError = handle
        } else {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        return process
    }
}

/// A file under the temporary directory, removed when the value is deinitialised.
final class TemporaryFile {
    let path: String
    let handle: FileHandle

    init() throws {
        path = NSTemporaryDirectory() + "fleet-audit-test-" + UUID().uuidString
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let handle = FileHandle(forUpdatingAtPath: path) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        self.handle = handle
    }

    func contents() -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    deinit {
        try? handle.close()
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A fresh directory for one test, removed by `remove()` (call it in a `defer` or `tearDown`).
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init(prefix: String = "fleet-audit-test") throws {
        path = NSTemporaryDirectory() + prefix + "-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { path + "/" + name }

    public func write(_ text: String, to name: String) throws -> String {
        let target = file(name)
        try text.write(toFile: target, atomically: true, encoding: .utf8)
        return target
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Free TCP ports on loopback, found by binding port 0 (the kernel picks one).
public enum FreePort {
    public static func next(host: String = "127.0.0.1") throws -> Int {
        let (descriptor, port) = try LoopbackSocket.bound(host: host)
        close(descriptor)
        return port
    }
}

/// Where the package's built executables are (`fleet-audit`, `fleet-lab`), for end-to-end tests.
public enum BuiltProducts {
    public static var directory: String {
        // The xctest bundle lives in the same build directory as the executables.
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return (bundle.bundlePath as NSString).deletingLastPathComponent
        }
        return (CommandLine.arguments[0] as NSString).deletingLastPathComponent
    }

    public static func path(of executable: String) -> String { directory + "/" + executable }
}
