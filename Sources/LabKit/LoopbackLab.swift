import Foundation

/// Where each host lives in loopback mode: its own 127.x.y.z address (the host's lab address with 127 in place of
/// 10, so labs on different subnets never share one), fixed SSH and metadata ports on it, and Redis ports unique
/// across the lab (the collector finds an instance's address by its port in `ss`, and every loopback host sees
/// every other host's listeners).
struct LoopbackLayout {
    let addressing: Addressing
    static let sshPort = 2022
    /// sshd's port behind the delay relay, for hosts with `latency_ms`.
    static let relayedSSHPort = 2023
    static let metadataPort = 2080
    static let redisPortBase = 21_000
    /// Redis ports per host: enough for any scenario so far, and 2,000 hosts stay below the cluster bus ports.
    static let redisPortsPerHost = 10

    /// Without root, sshd can only let its own user in.
    var user: String { geteuid() == 0 ? "root" : (ProcessInfo.processInfo.environment["USER"] ?? "root") }

    func address(_ index: Int) -> String {
        "127." + addressing.host(index).split(separator: ".").dropFirst().joined(separator: ".")
    }

    func metadataURL(_ index: Int) -> String { "http://\(address(index)):\(Self.metadataPort)" }

    func redisPort(host index: Int, instance number: Int) -> Int {
        Self.redisPortBase + index * Self.redisPortsPerHost + number
    }
}

/// The lab without namespaces, for machines where they are not allowed: per host one sshd, its redis-servers and a
/// metadata responder on the host's own 127.x address, started as the current user and recorded by PID and start
/// time (so `down` never kills a process that merely reuses a PID). What it cannot emulate: `limitations`.
struct LoopbackLab {
    let files: LabFiles
    var layout: LoopbackLayout { files.loopback ?? LoopbackLayout(addressing: files.addressing) }

    /// Printed by `fleet-lab up` and documented in docs/lab.md.
    static let limitations = [
        "every host is this machine: same hostname, /proc, /sys, memory, load, CPU count (only nproc follows cpus), "
            + "disk, /root, process list and listening sockets (each host sees the others' sshd and redis)",
        "Redis instances listen on the host's 127.x address on lab-wide unique ports (21000 + 10 × host + n), not "
            + "the scenario's ports and bind lines, and run as 'loopback-redis-<port>' so no host discovers another's",
        "faults that need a namespace are left out: blackhole, firewall-redis, no-redis-cli; so are Sentinels",
        "latency goes through the delay relay (no netem), instance metadata is a responder on 127.x:2080",
        "login_user, sudo, become, hidepid and a Redis user: need a mount namespace; every host is logged into as "
            + "the lab's user and its Redis runs as that user",
    ]

    /// The host as loopback mode can run it: its own users, sudoers and /proc view need a mount namespace.
    static func withoutUsers(_ host: LabHost) -> LabHost {
        var plain = host
        plain.loginUser = "root"
        plain.sudo = .none
        plain.become = nil
        plain.hidepid = false
        plain.redis = host.redis.map { redis in
            var own = redis
            own.user = nil
            return own
        }
        return plain
    }

    static let unsupportedFaults: Set<LabHost.Fault> = [.blackhole, .firewallRedis, .noRedisCLI]

    /// Prepares and starts every host; returns known_hosts lines and problems (hosts or faults left out).
    func up() throws -> ([String], [String]) {
        var knownHosts: [String] = []
        var problems: [String] = []
        let hosts = files.scenario.hosts
        guard hosts.count * LoopbackLayout.redisPortsPerHost + LoopbackLayout.redisPortBase + 10_000 < 65_536,
            hosts.allSatisfy({ $0.redis.count <= LoopbackLayout.redisPortsPerHost })
        else {
            throw Lab.LabError(description: "loopback mode takes at most 2,000 hosts of at most 10 Redis instances")
        }
        // Hostile hosts bound what they make the collector do with mounts and limits inside their own namespaces.
        if let special = hosts.first(where: { $0.network == .private }) {
            problems.append(
                "\(special.name) and other private hosts are reachable directly on loopback (no private bridge); "
                    + "their inventory route still goes through the bastion")
        }
        if let hostile = hosts.first(where: \.isHostile) {
            throw Lab.LabError(description: "\(hostile.name) is a hostile host: those need network namespaces (root)")
        }
        for (index, host) in hosts.enumerated() {
            // The namespace files (keys, metadata, redis.conf), then what loopback changes in them.
            let line = try files.prepare(host, index: index)
            let key = line.split(separator: " ", maxSplits: 1).dropFirst().joined()
            knownHosts.append("[\(layout.address(index))]:\(LoopbackLayout.sshPort) \(key)")
            try adapt(host, index: index)
            if Self.unsupportedFaults.contains(host.fault) {
                problems.append("\(host.name): fault \(host.fault.rawValue) cannot be emulated on loopback; left out")
            }
        }
        let batchSize = 16
        for batchStart in stride(from: 0, to: hosts.count, by: batchSize) {
            let batch = hosts[batchStart..<min(batchStart + batchSize, hosts.count)]
            try LabShell.run(
                batch.map { "bash \(files.directory($0))/loopback.sh &" }.joined(separator: "\n") + "\nwait")
        }
        for (index, host) in hosts.enumerated() {
            let directory = files.directory(host)
            try Self.recordStartTimes(directory + "/loopback.pids")
            if let problem = try Lab.waitForSSH(
                host, address: layout.address(index), port: LoopbackLayout.sshPort, log: directory + "/loopback.log")
            {
                problems.append(problem)
            }
        }
        return (knownHosts, problems)
    }

    /// sshd on the host's address, each redis.conf on its address and lab-wide port, and the start script.
    private func adapt(_ host: LabHost, index: Int) throws {
        let directory = files.directory(host)
        let address = layout.address(index)
        let sshPort = host.latencyMilliseconds > 0 ? LoopbackLayout.relayedSSHPort : LoopbackLayout.sshPort
        let sshdConfig = try String(contentsOfFile: directory + "/sshd_config", encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("Port ") && !$0.hasPrefix("ListenAddress ") }
            .joined(separator: "\n")
        try ("ListenAddress \(address):\(sshPort)\n" + sshdConfig).write(
            toFile: directory + "/sshd_config", atomically: true, encoding: .utf8)
        var script = """
            #!/bin/bash
            # Loopback host \(host.name) on \(address): every process in its own session, recorded in loopback.pids.
            cd \(directory)
            start() { setsid "$@" </dev/null >>loopback.log 2>&1 & echo $! >>loopback.pids; }
            rm -f loopback.pids

            """
        if host.metadata {
            script +=
                "start \(files.lab.executable) serve-metadata --address \(address) "
                + "--port \(LoopbackLayout.metadataPort) --file \(directory)/metadata.txt\n"
        }
        let servers = LabServers()
        for (number, redis) in host.redis.enumerated() where host.fault != .redisDown {
            let port = layout.redisPort(host: index, instance: number)
            let configuration = directory + "/redis-\(redis.port).conf"
            // Later lines win in redis.conf: the host's own address and its lab-wide port (TLS-only stays so).
            let listen = redis.tlsOnly ? "port 0\ntls-port \(port)" : "port \(port)"
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: configuration))
            handle.seekToEndOfFile()
            handle.write(Data("# loopback mode\n\(listen)\nbind \(address)\n".utf8))
            try handle.close()
            let cli =
                (redis.password.map { "REDISCLI_AUTH=\(LabShell.quoted($0)) " } ?? "")
                + "redis-cli\(redis.tlsOnly ? " --tls --cacert \(directory)/tls.crt" : "") -h \(address) -p \(port)"
            // Started under another name, so that no host's collector takes another host's instance for its own.
            script += """
                ln -sf \(try servers.executable(for: redis.server)) loopback-redis-\(redis.port)
                mkdir -p data/\(redis.port)
                start ./loopback-redis-\(redis.port) \(configuration)
                for i in $(seq 100); do \(cli) ping >/dev/null 2>&1 && break; sleep 0.05; done

                """
            script += files.clientWork(redis, cli: cli, runLog: "run.log")
        }
        if host.latencyMilliseconds > 0 {
            script +=
                "start \(files.lab.executable) relay --listen \(address):\(LoopbackLayout.sshPort) "
                + "--to \(address):\(LoopbackLayout.relayedSSHPort) --delay-ms \(host.latencyMilliseconds)\n"
        }
        if host.fault != .refused {
            script += "start /usr/sbin/sshd -D -f \(directory)/sshd_config\n"
            if host.fault == .silent {
                script += "sleep 0.3; kill -STOP $(tail -n 1 loopback.pids)\n"
            }
        }
        try script.write(toFile: directory + "/loopback.sh", atomically: true, encoding: .utf8)
    }

    /// Rewrites a PID file as "PID START-TIME" lines (start time in clock ticks since boot, /proc/PID/stat field 22).
    static func recordStartTimes(_ path: String) throws {
        let pids = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            Int32($0)
        }
        let lines = pids.compactMap { pid in startTime(pid).map { "\(pid) \($0)" } }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Field 22 of /proc/PID/stat; the command name (field 2) may hold spaces, so fields count from its ')'.
    static func startTime(_ pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? String(fields[19]) : nil
    }

    /// Kills every recorded process group whose leader is still the process that was started (same start time).
    static func stop(out: String) {
        let hosts = (try? FileManager.default.contentsOfDirectory(atPath: out + "/hosts")) ?? []
        for host in hosts {
            let path = out + "/hosts/" + host + "/loopback.pids"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: " ")
                guard fields.count == 2, let pid = Int32(fields[0]), startTime(pid) == String(fields[1]) else {
                    continue
                }
                // Each was started with setsid: its group holds it and what it started (sshd's sessions).
                kill(-pid, SIGCONT)
                kill(-pid, SIGKILL)
            }
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    /// One line per loopback host that has recorded processes: what still runs.
    static func status(out: String) -> [String] {
        let hosts = ((try? FileManager.default.contentsOfDirectory(atPath: out + "/hosts")) ?? []).sorted()
        return hosts.compactMap { host in
            guard let text = try? String(contentsOfFile: out + "/hosts/\(host)/loopback.pids", encoding: .utf8)
            else { return nil }
            let running = text.split(separator: "\n").compactMap { line -> String? in
                let fields = line.split(separator: " ")
                guard fields.count == 2, let pid = Int32(fields[0]), startTime(pid) == String(fields[1]) else {
                    return nil
                }
                return (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?
                    .trimmingCharacters(in: .newlines)
            }
            return "\(host) (loopback): " + (running.isEmpty ? "nothing running" : running.joined(separator: " "))
        }
    }
}
