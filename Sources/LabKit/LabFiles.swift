import Foundation

/// Writes each lab host's files: its init script (run as the first process of its namespaces), sshd and redis
/// configs, fake resource files, instance metadata; and the auditor's inventory for the whole fleet.
struct LabFiles {
    let lab: Lab
    let out: String
    let scenario: Scenario
    let addressing: Addressing
    /// Set in loopback mode: each host's 127.x address, ports and metadata responder (docs/lab.md#loopback).
    var loopback: LoopbackLayout?

    func directory(_ host: LabHost) -> String { out + "/hosts/" + host.name }

    /// The host's address: on the lab subnet, or on the private one (behind the bastion).
    func address(_ host: LabHost, index: Int) -> String {
        host.network == .private ? addressing.privateHost(index) : addressing.host(index)
    }

    /// Prepares one host; returns its known_hosts line (a wrong key for the changed-host-key fault).
    func prepare(_ host: LabHost, index: Int) throws -> String {
        let dir = directory(host)
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/root", withIntermediateDirectories: true)
        try LabShell.run("cp /etc/skel/.bashrc /etc/skel/.profile \(dir)/root/ 2>/dev/null; true")
        try LabShell.run("ssh-keygen -q -t ed25519 -N '' -C \(host.name) -f \(dir)/ssh_host_ed25519_key")
        let address = address(host, index: index)
        try write(sshdConfig(host, dir: dir), "sshd_config", host)
        try write(memInfo(host), "meminfo", host)
        try write(String(format: "%.2f %.2f %.2f 1/200 4242\n", host.load, host.load, host.load), "loadavg", host)
        try write(
            ["always", "madvise", "never"].map { $0 == host.transparentHugepages ? "[\($0)]" : $0 }.joined(
                separator: " ") + "\n", "thp", host)
        try write("\(host.overcommit)\n", "overcommit", host)
        try write("#!/bin/sh\necho \"sh: 1: redis-cli: not found\" >&2\nexit 127\n", "no-redis-cli", host)
        chmod(dir + "/no-redis-cli", 0o755)
        try write(metadata(host, index: index, address: address), "metadata.txt", host)
        let servers = LabServers()
        for redis in host.redis where redis.fake == nil {
            let modules = try redis.modules.map { name throws(Lab.LabError) in try servers.module(name) }
            // A server run as its own user gets Debian's layout, written into the folder bound over /etc/redis.
            let name = redis.user == nil ? "redis-\(redis.port).conf" : "etc-redis/redis-\(redis.port).conf"
            if redis.user != nil {
                try FileManager.default.createDirectory(atPath: dir + "/etc-redis", withIntermediateDirectories: true)
            }
            try write(redisConfig(redis, dir: dir, modules: modules), name, host)
        }
        if host.needsUsers { try prepareUsers(host, dir: dir) }
        if host.redis.contains(where: \.tlsOnly) {
            try LabShell.run(
                "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 -subj /CN=\(host.name) -keyout \(dir)/tls.key -out \(dir)/tls.crt"
            )
        }
        let monitored = host.redis.filter(\.sentinel)
        if !monitored.isEmpty {
            let lines =
                ["port 26379", "daemonize no", "dir \(dir)", "logfile \(dir)/sentinel.log"]
                + monitored.map { "sentinel monitor lab-\($0.port) 127.0.0.1 \($0.port) 1" }
            try write(lines.joined(separator: "\n") + "\n", "sentinel.conf", host)
        }
        try prepareHostile(host, dir: dir)
        try write(try initScript(host, dir: dir), "init.sh", host)
        try write(upScript(host, index: index, address: address, dir: dir), "up.sh", host)
        let key = try String(contentsOfFile: dir + "/ssh_host_ed25519_key.pub", encoding: .utf8).split(separator: " ")
            .prefix(2).joined(separator: " ")
        if host.fault == .changedHostKey {
            try LabShell.run("ssh-keygen -q -t ed25519 -N '' -C old -f \(dir)/old_host_key")
            let old = try String(contentsOfFile: dir + "/old_host_key.pub", encoding: .utf8).split(separator: " ")
                .prefix(2).joined(separator: " ")
            return "\(address) \(old)"
        }
        return "\(address) \(key)"
    }

    func write(_ text: String, _ name: String, _ host: LabHost) throws {
        try text.write(toFile: directory(host) + "/" + name, atomically: true, encoding: .utf8)
    }

    private func sshdConfig(_ host: LabHost, dir: String) -> String {
        """
        Port 22
        ListenAddress 0.0.0.0
        HostKey \(dir)/ssh_host_ed25519_key
        PidFile \(dir)/sshd.pid
        AuthorizedKeysFile \(out)/authorized_keys .ssh/authorized_keys
        PermitRootLogin prohibit-password
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        UsePAM no
        StrictModes no
        # bash skips root's pyenv init when SHLVL is set; nproc honours OMP_NUM_THREADS; a hostile host's sessions
        # get a private TMPDIR. One line: sshd keeps only the first SetEnv.
        SetEnv SHLVL=1 OMP_NUM_THREADS=\(host.cpus)\(host.isHostile ? " TMPDIR=\(dir)/tmp" : "")
        MaxStartups 200:30:400
        LogLevel ERROR
        \(hostileSSHDConfig(host, dir: dir))
        """
    }

    private func memInfo(_ host: LabHost) -> String {
        let total = host.memoryMiB * 1024
        let available = min(host.availableMiB, host.memoryMiB) * 1024
        return """
            MemTotal:       \(total) kB
            MemFree:        \(available / 2) kB
            MemAvailable:   \(available) kB
            Buffers:        1024 kB
            Cached:         \(available / 3) kB
            SwapTotal:      0 kB
            SwapFree:       0 kB

            """
    }

    private func metadata(_ host: LabHost, index: Int, address: String) -> String {
        let mac = String(format: "02:fa:00:00:%02x:%02x", (index >> 8) & 255, index & 255)
        let instance = String(format: "i-0fa%013x", index + 1)
        return """
            instance-id=\(instance)
            instance-type=r6g.large
            placement/availability-zone=eu-west-1a
            local-ipv4=\(host.publicAddress ? "203.0.113.\(10 + index % 200)" : address)
            mac=\(mac)
            network/interfaces/macs/\(mac)/vpc-id=\(host.vpcID)
            network/interfaces/macs/\(mac)/subnet-id=subnet-0lab
            network/interfaces/macs/\(mac)/security-group-ids=\(host.securityGroupIDs.joined(separator: "\n"))

            """
    }

    private func redisConfig(_ redis: LabRedis, dir: String, modules: [String]) -> String {
        let listen =
            redis.tlsOnly
            ? [
                "port 0", "tls-port \(redis.port)", "tls-cert-file \(dir)/tls.crt", "tls-key-file \(dir)/tls.key",
                "tls-ca-cert-file \(dir)/tls.crt", "tls-auth-clients no",
            ] : ["port \(redis.port)"]
        // A server run as its own user cannot enter the lab's folder (mode 700 under a test's temporary folder): its
        // data lives where the package puts it, /var/lib/redis (a tmpfs of the host's), and it logs to stdout.
        let data = redis.user == nil ? "\(dir)/data/\(redis.port)" : "/var/lib/redis/\(redis.port)"
        var lines =
            listen + modules.map { "loadmodule \($0)" } + [
                "daemonize no", "dir \(data)",
                redis.user == nil ? "logfile \(dir)/redis-\(redis.port).log" : "logfile \"\"",
                redis.user == nil ? "pidfile \(dir)/redis-\(redis.port).pid" : "pidfile \(data)/redis.pid",
                "save \"\"", "appendonly no",
            ]
        if let password = redis.password { lines.append("requirepass \(password)") }
        lines += redis.config
        // Redis strips a trailing CR from every line (sdstrim with " \t\r\n"), so such a file still loads.
        return redis.crlf ? lines.joined(separator: "\r\n") + "\r" : lines.joined(separator: "\n") + "\n"
    }

    /// Runs as PID 1 of the host's PID namespace, inside its network, mount and UTS namespaces.
    private func initScript(_ host: LabHost, dir: String) throws(Lab.LabError) -> String {
        var script = """
            #!/bin/sh
            # First process of lab host \(host.name): sets up its own view of the machine, starts its services, waits.
            umount -l /run/netns 2>/dev/null
            hostname \(host.name)
            mount --bind \(dir)/meminfo /proc/meminfo
            mount --bind \(dir)/loadavg /proc/loadavg
            mount --bind \(dir)/thp /sys/kernel/mm/transparent_hugepage/enabled
            mount --bind \(dir)/overcommit /proc/sys/vm/overcommit_memory
            mkdir -p \(dir)/data && mount -t tmpfs -o size=\(host.diskMiB)m fleet-lab \(dir)/data
            mount --bind \(dir)/root /root

            """
        if host.fault == .noRedisCLI { script += "mount --bind \(dir)/no-redis-cli /usr/bin/redis-cli\n" }
        script += usersInit(host, dir: dir)
        if host.metadata {
            script += """
                ip addr add 169.254.169.254/32 dev lo
                \(lab.executable) serve-metadata --address 169.254.169.254 --port 80 --file \(dir)/metadata.txt >\(dir)/metadata.log 2>&1 &

                """
        }
        script += hostileInit(host, dir: dir)
        let servers = LabServers()
        for redis in host.redis where host.fault != .redisDown && redis.fake == nil {
            let auth = redis.password.map { "REDISCLI_AUTH=\(LabShell.quoted($0)) " } ?? ""
            let tls = redis.tlsOnly ? " --tls --cacert \(dir)/tls.crt" : ""
            let cli = "\(auth)redis-cli\(tls) -p \(redis.port)"
            let server = try servers.executable(for: redis.server)
            // Each server is started by a shell that stays its parent (`sh -c "redis-server FILE; exit"`), as a
            // supervisor or an init wrapper does: Redis replaces its own argv with its title, and the collector reads
            // the command line (the layer above redis.conf) from that parent.
            if let user = redis.user {
                // setpriv execs the server as the user with its groups: what systemd's User=redis does.
                script += """
                    mkdir -p /var/lib/redis/\(redis.port) && chown \(user):\(user) /var/lib/redis/\(redis.port) && chmod 750 /var/lib/redis/\(redis.port)
                    sh -c 'setpriv --reuid=\(user) --regid=\(user) --init-groups \(server) /etc/redis/redis-\(redis.port).conf\(redis.commandLineArguments); exit $?' >>\(dir)/redis-\(redis.port).log 2>&1 &

                    """
            } else {
                script += """
                    mkdir -p \(dir)/data/\(redis.port)
                    sh -c '\(server) \(dir)/redis-\(redis.port).conf\(redis.commandLineArguments); exit $?' &

                    """
            }
            script += "for i in $(seq 100); do \(cli) ping >/dev/null 2>&1 && break; sleep 0.05; done\n"

            script += clientWork(redis, cli: cli, runLog: "\(dir)/run.log")
        }
        if host.formCluster && host.fault != .redisDown && host.redis.count >= 3 {
            // One primary per instance; the slots split evenly, as `--cluster create` splits them. Bounded wait for
            // the cluster to agree (cluster_state:ok), so the audit sees a formed cluster.
            let nodes = host.redis.map { "127.0.0.1:\($0.port)" }.joined(separator: " ")
            script +=
                "redis-cli --cluster create \(nodes) --cluster-replicas 0 --cluster-yes >>\(dir)/cluster.log 2>&1\n"
            script +=
                "for i in $(seq 100); do redis-cli -p \(host.redis[0].port) cluster info 2>/dev/null | grep -q 'cluster_state:ok' && break; sleep 0.1; done\n"
        }
        if host.redis.contains(where: \.sentinel) && host.fault != .redisDown {
            script += "redis-server \(dir)/sentinel.conf --sentinel &\n"
        }
        if host.fault == .firewallRedis {
            for redis in host.redis { script += "iptables -A INPUT -i eth0 -p tcp --dport \(redis.port) -j DROP\n" }
        }
        if host.fault == .blackhole { script += "iptables -A INPUT -i eth0 -p tcp --dport 22 -j DROP\n" }
        // Last, once every service runs: the login user then sees only its own processes in /proc.
        if host.hidepid { script += "mount -o remount,hidepid=2 /proc\n" }
        script += latencySetup(host, dir: dir)
        if host.fault != .refused { script += sshdStart(host, dir: dir) }
        if host.fault == .silent {
            // Inside the host's PID namespace: sshd.pid holds a PID of this namespace, meaningless outside it.
            script +=
                "for i in $(seq 50); do [ -s \(dir)/sshd.pid ] && break; sleep 0.05; done; kill -STOP $(cat \(dir)/sshd.pid)\n"
        }
        script += "exec sleep infinity\n"
        return script
    }

    /// What clients do to an instance once it answers, in either mode: seed its keys, run the scenario's commands
    /// (waiting for a BGSAVE to finish), and keep the scenario's write load going.
    func clientWork(_ redis: LabRedis, cli: String, runLog: String) -> String {
        var script = ""
        let value = String(repeating: "v", count: redis.valueBytes)
        // RESP, not inline commands: Redis 2.8 mangles inline commands that arrive in one pipelined burst.
        for (database, count) in redis.keys.sorted(by: { $0.key < $1.key }) where count > 0 {
            script += """
                awk 'BEGIN { v = "\(value)"; for (i = 1; i <= \(count); i++) { k = "key:\(database):" i; \\
                  printf "*3\\r\\n$3\\r\\nSET\\r\\n$%d\\r\\n%s\\r\\n$%d\\r\\n%s\\r\\n", length(k), k, length(v), v } }' \\
                  | \(cli) -n \(database) --pipe >/dev/null 2>&1

                """
        }
        for command in redis.run { script += "\(cli) \(command) >>\(runLog) 2>&1\n" }
        if redis.run.contains(where: { $0.uppercased().contains("BGSAVE") }) {
            // Bounded wait: the audit should see the finished BGSAVE (its status and duration), not one running.
            script +=
                "for i in $(seq 100); do \(cli) INFO persistence | grep -q '^rdb_bgsave_in_progress:0' && break; sleep 0.1; done\n"
        }
        if redis.writesPerSecond > 0 {
            // Bounded in count and time; ends with the host in any case.
            let count = redis.writesPerSecond * 3_600
            script +=
                "timeout 3600 \(cli) -r \(count) -i \(1.0 / Double(redis.writesPerSecond)) SET load:key \(value) >/dev/null 2>&1 &\n"
        }
        return script
    }

    /// Root-namespace side: the namespace, its veth on the bridge, its address (no default route), then unshare.
    private func upScript(_ host: LabHost, index: Int, address: String, dir: String) -> String {
        let namespace = lab.namespace(index)
        // A private host's only link is on the private bridge; a bastion gets a second one there (eth1).
        let bridge =
            host.network == .private
            ? lab.privateBridge : lab.bridge(BridgePlan(hosts: scenario.hosts.count).bridge(ofHost: index))
        let bastionLeg =
            host.bastion
            ? """
            ip link add \(lab.privateVeth(index)) type veth peer name \(lab.privatePeer(index))
            ip link set \(lab.privatePeer(index)) netns \(namespace)
            ip link set \(lab.privateVeth(index)) master \(lab.privateBridge) up
            ip netns exec \(namespace) ip link set \(lab.privatePeer(index)) name eth1
            ip netns exec \(namespace) ip addr add \(addressing.privateHost(index))/\(addressing.bits) dev eth1
            ip netns exec \(namespace) ip link set eth1 up

            """ : ""
        return """
            #!/bin/bash
            set -e
            ip netns add \(namespace)
            ip link add \(lab.veth(index)) type veth peer name \(lab.peer(index))
            ip link set \(lab.peer(index)) netns \(namespace)
            ip link set \(lab.veth(index)) master \(bridge) up
            ip netns exec \(namespace) ip link set \(lab.peer(index)) name eth0
            ip netns exec \(namespace) ip addr add \(address)/\(addressing.bits) dev eth0
            ip netns exec \(namespace) ip link set eth0 up
            ip netns exec \(namespace) ip link set lo up
            \(bastionLeg)
            ip netns exec \(namespace) unshare --pid --fork --kill-child --mount-proc --uts --propagation private \\
              sh \(dir)/init.sh >\(dir)/init.log 2>&1 </dev/null &
            echo $! > \(dir)/unshare.pid

            """
    }

    /// The auditor's inventory for this fleet (the inventory format of inventory/README.md).
    func inventory() -> String {
        var text = """
            # Written by fleet-lab for scenario \(scenario.name). Passwords: see secrets.env (never in this file).
            defaults:
              user: \(loopback?.user ?? "root")
              port: \(loopback.map { _ in LoopbackLayout.sshPort } ?? 22)
              identity_file: id_ed25519
              known_hosts: known_hosts
              host_key_checking: strict
              metadata: \(loopback == nil ? "http://169.254.169.254" : "off")
              timeouts: {connect: 3, handshake: 4, auth: 5, command: 40, host: 60}
            hosts:

            """
        let bastion = scenario.hosts.firstIndex(where: \.bastion)
        // A bastion is the route to the private hosts, not a Redis host to audit: it is not listed.
        for (index, host) in scenario.hosts.enumerated() where !host.bastion {
            text += "  - name: \(host.name)\n    address: \(loopback?.address(index) ?? address(host, index: index))\n"
            if host.loginUser != "root" { text += "    user: \(host.loginUser)\n" }
            if host.inventoryBecome != .none { text += "    become: \(host.inventoryBecome.rawValue)\n" }
            // The route to a private host (parsed by the inventory of issue 11's ProxyJump work).
            if host.network == .private, let bastion {
                // On loopback the bastion is a plain host at its own 127.x address and the private host is reachable
                // directly too; the route still goes through the bastion, as it would in a VPC.
                switch (host.route, loopback) {
                case (.proxyJump, nil):
                    text += "    proxy_jump: \(scenario.hosts[bastion].loginUser)@\(addressing.host(bastion)):22\n"
                case (.proxyJump, let loopback?):
                    text += "    proxy_jump: \(loopback.user)@\(loopback.address(bastion)):\(LoopbackLayout.sshPort)\n"
                case (.proxyCommand, nil):
                    text += "    proxy_command: \"ip netns exec \(lab.namespace(bastion)) nc %h %p\"\n"
                case (.proxyCommand, _?):
                    text += "    proxy_command: \"nc %h %p\"\n"
                }
            }
            if !host.tags.isEmpty {
                text +=
                    "    tags: {"
                    + host.tags.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
                    + "}\n"
            }
            if !host.metadata {
                text += "    metadata: off\n"
            } else if let loopback {
                text += "    metadata: \(loopback.metadataURL(index))\n"
            }
            if host.redis.contains(where: \.listed) { text += "    redis:\n" }
            for (number, redis) in host.redis.enumerated() where redis.listed {
                text += "      - {port: \(loopback?.redisPort(host: index, instance: number) ?? redis.port)"
                if redis.password != nil { text += ", password_env: \(secretVariable(host, redis))" }
                text += "}\n"
            }
        }
        return text
    }

    func secrets() -> String {
        var lines: [String] = []
        for host in scenario.hosts {
            for redis in host.redis {
                if let password = redis.password {
                    lines.append("export \(secretVariable(host, redis))=\(LabShell.quoted(password))")
                }
            }
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    private func secretVariable(_ host: LabHost, _ redis: LabRedis) -> String {
        "LAB_" + host.name.uppercased().replacingOccurrences(of: "-", with: "_") + "_\(redis.port)_PASSWORD"
    }
}
