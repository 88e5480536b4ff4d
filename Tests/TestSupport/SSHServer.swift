import Foundation

/// A real OpenSSH sshd on 127.0.0.1 with its own generated host key, client keys and known_hosts, for tests.
/// Nothing in ~/.ssh is touched. `stop()` kills exactly the process it started.
public final class SSHServer: @unchecked Sendable {
    // Mutated only in init and stop(), which tests call from one thread.
    public let directory: TemporaryDirectory
    public let port: Int
    public let address = "127.0.0.1"
    public let user: String
    /// known_hosts with this server's real host key under `[127.0.0.1]:port`.
    public let knownHostsFile: String
    /// Authorised client keys.
    public let ed25519Key: String
    public let ecdsaKey: String
    public let rsaKey: String
    /// An ed25519 key encrypted with `encryptedKeyPassphrase`.
    public let encryptedKey: String
    public let encryptedKeyPassphrase = "correct horse battery staple"
    /// A valid key the server does not authorise.
    public let unauthorizedKey: String
    public let hostKeyFile: String
    private var process: Process?

    /// Starts sshd and waits until it accepts connections. `logLevel` `DEBUG1` makes the log show every connection
    /// and every direct-tcpip request (for tests of jump hosts); sshd keeps the first value of an option, so options
    /// in the base configuration cannot be overridden through `extraConfiguration`.
    public init(extraConfiguration: [String] = [], logLevel: String = "ERROR", maxSessions: Int = 50) throws {
        directory = try TemporaryDirectory(prefix: "fleet-audit-sshd")
        user = ProcessInfo.processInfo.environment["USER"] ?? "root"
        hostKeyFile = directory.file("ssh_host_ed25519_key")
        ed25519Key = directory.file("id_ed25519")
        ecdsaKey = directory.file("id_ecdsa")
        rsaKey = directory.file("id_rsa")
        encryptedKey = directory.file("id_ed25519_encrypted")
        unauthorizedKey = directory.file("id_ed25519_unauthorized")
        knownHostsFile = directory.file("known_hosts")
        try Self.keygen(type: "ed25519", path: hostKeyFile)
        try Self.keygen(type: "ed25519", path: ed25519Key)
        try Self.keygen(type: "ecdsa", path: ecdsaKey)
        try Self.keygen(type: "rsa", path: rsaKey, bits: "3072")
        try Self.keygen(type: "ed25519", path: encryptedKey, passphrase: encryptedKeyPassphrase)
        try Self.keygen(type: "ed25519", path: unauthorizedKey)
        let authorized = try [ed25519Key, ecdsaKey, rsaKey, encryptedKey].map {
            try String(contentsOfFile: $0 + ".pub", encoding: .utf8)
        }.joined()
        _ = try directory.write(authorized, to: "authorized_keys")
        try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)

        var lastError = ""
        for _ in 0..<5 {
            let candidatePort = try FreePort.next()
            let configuration =
                ([
                    "Port \(candidatePort)", "ListenAddress 127.0.0.1", "HostKey \(hostKeyFile)",
                    "PidFile \(directory.file("sshd.pid"))", "AuthorizedKeysFile \(directory.file("authorized_keys"))",
                    "PermitRootLogin prohibit-password", "PubkeyAuthentication yes", "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no", "UsePAM no", "StrictModes no",
                    // Root's ~/.bashrc here runs pyenv init on every command; SHLVL=1 makes bash skip it.
                    "SetEnv SHLVL=1", "MaxStartups 5000:30:6000", "MaxSessions \(maxSessions)", "LogLevel \(logLevel)",
                ] + extraConfiguration).joined(separator: "\n") + "\n"
            let configurationFile = try directory.write(configuration, to: "sshd_config")
            let started = try ProcessRunner.start(
                "/usr/sbin/sshd", ["-D", "-e", "-f", configurationFile], logFile: directory.file("sshd.log"))
            if Self.waitForListener(port: candidatePort, process: started) {
                process = started
                port = candidatePort
                let hostKey = try String(contentsOfFile: hostKeyFile + ".pub", encoding: .utf8)
                    .split(separator: " ").prefix(2).joined(separator: " ")
                _ = try directory.write("[127.0.0.1]:\(candidatePort) \(hostKey)\n", to: "known_hosts")
                return
            }
            started.terminate()
            lastError = (try? String(contentsOfFile: directory.file("sshd.log"), encoding: .utf8)) ?? ""
        }
        throw NSError(
            domain: "SSHServer", code: 1, userInfo: [NSLocalizedDescriptionKey: "sshd did not start: \(lastError)"])
    }

    deinit { stop() }

    /// The `defaults:` section of an inventory whose hosts reach this server with its ed25519 key and known_hosts
    /// (instance metadata off: tests never ask an IMDS). Append a `hosts:` section.
    public func inventoryDefaults(
        knownHosts: String? = nil, timeouts: String = "{connect: 3, handshake: 5, auth: 5, command: 30, host: 60}"
    ) -> String {
        """
        defaults:
          user: \(user)
          port: \(port)
          identity_file: \(ed25519Key)
          known_hosts: \(knownHosts ?? knownHostsFile)
          metadata: off
          timeouts: \(timeouts)

        """
    }

    /// Kills the sshd this object started (and only it); removes its files.
    public func stop() {
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        process = nil
        directory.remove()
    }

    /// Pauses or resumes the listening sshd (a host that accepts TCP and then never speaks).
    public func pause(_ paused: Bool) {
        if let process { kill(process.processIdentifier, paused ? SIGSTOP : SIGCONT) }
    }

    public var pid: Int32? { process?.processIdentifier }

    /// The sshd log so far (its stderr).
    public var log: String { (try? String(contentsOfFile: directory.file("sshd.log"), encoding: .utf8)) ?? "" }

    /// TCP connections sshd accepted so far (needs `logLevel` VERBOSE or DEBUG1), including the readiness probe.
    public var acceptedConnections: Int {
        log.split(whereSeparator: \.isNewline).filter { $0.contains("Connection from ") }.count
    }

    static func keygen(type: String, path: String, bits: String? = nil, passphrase: String = "") throws {
        var arguments = ["-q", "-t", type, "-f", path, "-N", passphrase, "-C", "fleet-audit-test"]
        if let bits { arguments += ["-b", bits] }
        let result = try ProcessRunner.run("/usr/bin/ssh-keygen", arguments, timeout: 30)
        guard result.exitCode == 0 else {
            throw NSError(domain: "SSHServer", code: 2, userInfo: [NSLocalizedDescriptionKey: result.stderr])
        }
    }

    /// sshd may exit on a bad config while its launcher reports success: probe the port, never trust the exit code.
    static func waitForListener(port: Int, process: Process, timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !process.isRunning { return false }
            if TCPProbe.accepts(host: "127.0.0.1", port: port) { return true }
            usleep(20_000)
        }
        return false
    }
}

/// Whether something accepts TCP connections on a port.
public enum TCPProbe {
    public static func accepts(host: String, port: Int) -> Bool {
        guard let descriptor = LoopbackSocket.connected(host: host, port: port) else { return false }
        close(descriptor)
        return true
    }
}

/// A TCP listener that accepts connections and never says a word (a hung host). Closed by `stop()`.
public final class SilentListener: @unchecked Sendable {
    // The descriptor is written once in init and closed once in stop().
    public let port: Int
    private var descriptor: Int32

    public init() throws {
        // The kernel completes handshakes into the backlog; nobody ever accepts or answers.
        (descriptor, port) = try LoopbackSocket.bound(backlog: 128)
    }

    deinit { stop() }

    public func stop() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
    }
}
