import Foundation

/// A real redis-server on 127.0.0.1, started from a generated redis.conf, for tests. `stop()` kills exactly it.
public final class RedisServer: @unchecked Sendable {
    // Mutated only in init and stop(), which tests call from one thread.
    public let port: Int
    public let directory: TemporaryDirectory
    public let configFile: String
    private var process: Process?

    /// - Parameters:
    ///   - configuration: extra redis.conf lines (`requirepass x`, `rename-command CONFIG ""`, `include PATH`...).
    ///   - includes: files written beside redis.conf (name → text), for `include` directives.
    ///   - user: run the server as this user (with its primary group, no others) instead of the test's own user;
    ///     its directory and redis.conf are then readable by everyone, as a package's /etc/redis would be.
    ///   - arguments: command-line options after the config file (`--protected-mode no`); the server is then
    ///     started by a shell that stays its parent, as a supervisor would start it (Redis replaces its own argv
    ///     with its title, so only the parent shows them).
    public init(
        configuration: [String] = [], includes: [String: String] = [:], user: String? = nil, arguments: [String] = []
    ) throws {
        directory = try TemporaryDirectory(prefix: "fleet-audit-redis")
        for (name, text) in includes { _ = try directory.write(text, to: name) }
        if user != nil { chmod(directory.path, 0o755) }
        var lastLog = ""
        for _ in 0..<5 {
            let candidate = try FreePort.next()
            let lines =
                ["port \(candidate)", "bind 127.0.0.1", "dir \(directory.path)", "save \"\"", "appendonly no"]
                + configuration
            let file = try directory.write(lines.joined(separator: "\n") + "\n", to: "redis.conf")
            // setpriv execs the server (no process in between), so the PID killed in stop() is redis-server's.
            let logFile = directory.file("redis.log")
            let started: Process
            if let user {
                let group = user == "nobody" ? "nogroup" : user
                started = try ProcessRunner.start(
                    "/usr/bin/setpriv",
                    ["--reuid=\(user)", "--regid=\(group)", "--clear-groups", "/usr/bin/redis-server", file],
                    logFile: logFile)
            } else if !arguments.isEmpty {
                let line = (["/usr/bin/redis-server", file] + arguments).map { "'\($0)'" }.joined(separator: " ")
                started = try ProcessRunner.start("/bin/sh", ["-c", line + "; exit $?"], logFile: logFile)
            } else {
                started = try ProcessRunner.start("/usr/bin/redis-server", [file], logFile: logFile)
            }
            if Self.waitUntilAnswering(port: candidate, process: started) {
                port = candidate
                configFile = file
                process = started
                if !arguments.isEmpty {
                    let info = (try? cli(["INFO", "server"])) ?? ""
                    serverPID =
                        info.split(whereSeparator: \.isNewline).lazy.compactMap {
                            $0.hasPrefix("process_id:")
                                ? Int32($0.dropFirst(11).trimmingCharacters(in: .whitespaces)) : nil
                        }.first
                }
                return
            }
            kill(started.processIdentifier, SIGKILL)
            lastLog = (try? String(contentsOfFile: directory.file("redis.log"), encoding: .utf8)) ?? ""
        }
        throw NSError(
            domain: "RedisServer", code: 1, userInfo: [NSLocalizedDescriptionKey: "redis did not start: \(lastLog)"])
    }

    deinit { stop() }

    /// The redis-server's PID when a shell started it (`arguments`); else the started process is the server.
    private var serverPID: Int32?

    public var pid: Int32? { serverPID ?? process?.processIdentifier }

    public func stop() {
        if let serverPID { kill(serverPID, SIGKILL) }
        serverPID = nil
        if let process {
            kill(process.processIdentifier, SIGKILL)
            var status: Int32 = 0
            waitpid(process.processIdentifier, &status, 0)
        }
        process = nil
        directory.remove()
    }

    /// Runs redis-cli against this server (the password, if any, through REDISCLI_AUTH).
    @discardableResult
    public func cli(_ arguments: [String], password: String? = nil) throws -> String {
        var environment = ProcessInfo.processInfo.environment
        if let password { environment["REDISCLI_AUTH"] = password }
        return try ProcessRunner.run(
            "/usr/bin/redis-cli", ["-p", String(port)] + arguments, environment: environment, timeout: 20
        ).stdout
    }

    public static func waitUntilAnswering(port: Int, process: Process, timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if TCPProbe.accepts(host: "127.0.0.1", port: port) {
                // Someone answers; it is this server only if it is still running a moment later: a server that
                // lost the port to another process (other tests run redis-servers on this machine too) exits at
                // once with "Could not create server TCP listening socket".
                usleep(150_000)
                return process.isRunning
            }
            guard process.isRunning else { return false }
            usleep(20_000)
        }
        return false
    }
}
