import Foundation

/// Secrets a `special_files` host plants, so that tests can look for them in everything the auditor wrote.
public enum HostileMarkers {
    /// root's password hash in the lab's /etc/shadow, bind-mounted over the machine's inside the host.
    public static let shadowHash = "$6$fleetlab$ShadowHashNeverCopied0"
    /// The masterauth of the config file in the host's mode-600 folder.
    public static let privateFolderSecret = "PrivateDirSecret7"
}

/// The files of hostile lab hosts (inventory/lab/hostile.yaml, docs/lab.md#hostile-hosts): hosts that attack the
/// auditor through what they answer. These scripts run on lab hosts only; nothing here is part of the collector.
extension LabFiles {
    /// A hostile host's private temporary folder (a 64 MiB tmpfs mounted inside the host, named by `TMPDIR` in its
    /// sshd sessions): a collector fooled into copying /dev/zero or a 2 GiB sparse file fills this, not the disk
    /// every engineer on the machine shares.
    static let privateTemporaryMiB = 64
    /// The address-space limit (KiB, `ulimit -v`) of a hostile host's sshd and so of every session: a `sed` reading
    /// /dev/zero (one endless line) fails at 256 MiB instead of taking the machine's memory.
    static let sessionAddressSpaceKiB = 262_144

    /// Writes what the host's hostile features need: fake servers' specs and config files, the forced command,
    /// special files. Runs in the root namespace while the host is prepared.
    func prepareHostile(_ host: LabHost, dir: String) throws {
        guard host.isHostile else { return }
        // The fake servers run as nobody and re-read their script and spec: the host's folder must be readable.
        chmod(dir, 0o755)
        if host.redis.contains(where: { $0.fake != nil }) {
            try write(Self.fakeRedisScript, "fake-redis.py", host)
        }
        for redis in host.redis {
            guard let fake = redis.fake else { continue }
            let configPath = "\(dir)/fake-\(redis.port).conf"
            if !fake.configFile.isEmpty {
                let lines = fake.configFile.map { $0.replacingOccurrences(of: "{dir}", with: dir) }
                try write(lines.joined(separator: "\n") + "\n", "fake-\(redis.port).conf", host)
            }
            let spec: [String: Any] = [
                "port": redis.port, "title": fake.title,
                "config_file": fake.configFile.isEmpty ? "" : configPath,
                "info": fake.info.map { [$0.key, $0.value] }, "config": fake.config.map { [$0.key, $0.value] },
            ]
            let data = try JSONSerialization.data(withJSONObject: spec, options: [.sortedKeys])
            try data.write(to: URL(fileURLWithPath: "\(dir)/fake-\(redis.port).json"))
        }
        if host.forceCommand != nil { try write(Self.forcedCommandScript, "hostile-command.py", host) }
        if host.specialFiles {
            try write(
                "root:\(HostileMarkers.shadowHash):19700:0:99999:7:::\nnobody:*:19700:0:99999:7:::\n", "shadow", host)
            chmod(dir + "/shadow", 0o600)
            try FileManager.default.createDirectory(atPath: dir + "/private.d", withIntermediateDirectories: true)
            try write("masterauth \(HostileMarkers.privateFolderSecret)\n", "private.d/extra.conf", host)
            // Mode 600 on a folder: no search bit, so only root (CAP_DAC_OVERRIDE) can list and read it.
            try LabShell.run(
                "chmod 600 \(dir)/private.d/extra.conf \(dir)/private.d && rm -f \(dir)/fifo && mkfifo \(dir)/fifo"
                    + " && truncate -s 2G \(dir)/sparse-2g")
        }
    }

    /// sshd_config lines of a hostile host (its TMPDIR is on the sshd_config's one SetEnv line).
    func hostileSSHDConfig(_ host: LabHost, dir: String) -> String {
        guard let command = host.forceCommand else { return "" }
        return "ForceCommand /usr/bin/python3 \(dir)/hostile-command.py \(command.rawValue)\n"
    }

    /// Init-script lines (inside the host's namespaces) of a hostile host, before its servers start.
    func hostileInit(_ host: LabHost, dir: String) -> String {
        guard host.isHostile else { return "" }
        var script = """
            mkdir -p \(dir)/tmp && mount -t tmpfs -o size=\(Self.privateTemporaryMiB)m,mode=1777 fleet-lab-tmp \(dir)/tmp

            """
        if let hostname = host.hostname {
            // `hostname` refuses control characters; sethostname(2) takes any bytes.
            let hex = hostname.utf8.map { String(format: "%02x", $0) }.joined()
            script +=
                "python3 -c 'import socket, sys; socket.sethostname(bytes.fromhex(sys.argv[1]))' \(hex)\n"
        }
        if host.specialFiles { script += "mount --bind \(dir)/shadow /etc/shadow\n" }
        for redis in host.redis where redis.fake != nil {
            script += """
                python3 \(dir)/fake-redis.py \(dir)/fake-\(redis.port).json >\(dir)/fake-\(redis.port).log 2>&1 &
                for i in $(seq 100); do redis-cli -p \(redis.port) ping >/dev/null 2>&1 && break; sleep 0.05; done

                """
        }
        return script
    }

    /// How the init script starts sshd: hostile hosts' sessions get an address-space limit.
    func sshdStart(_ host: LabHost, dir: String) -> String {
        let start = "/usr/sbin/sshd -f \(dir)/sshd_config"
        return host.isHostile ? "(ulimit -v \(Self.sessionAddressSpaceKiB) && exec \(start))\n" : start + "\n"
    }

    /// A RESP responder posing as redis-server (`fake:`), started as root, running as nobody under its title.
    static let fakeRedisScript = #"""
        # A fake redis-server of a hostile fleet-lab host (Sources/LabKit/HostileFiles.swift): answers the
        # collector's read-only commands with what the scenario says, as any unprivileged process on a host could.
        import fnmatch, json, os, socketserver, sys

        spec = json.load(open(sys.argv[1], encoding="utf-8"))
        if os.environ.get("FLEET_LAB_FAKE_TITLED") != "1":
            # Not root, then re-executed so that argv[0] (all `ps` shows of it) is the scenario's title.
            os.environ["FLEET_LAB_FAKE_TITLED"] = "1"
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            os.execv("/usr/bin/python3", [spec["title"], sys.argv[0], sys.argv[1]])

        def encode(text):
            return text.encode("utf-8", "surrogateescape")

        fields = [("redis_version", "7.2.4"), ("redis_mode", "standalone"), ("os", "Linux 6.1.0 x86_64"),
                  ("arch_bits", "64"), ("process_id", str(os.getpid())), ("tcp_port", str(spec["port"])),
                  ("executable", "/usr/bin/redis-server"), ("config_file", spec["config_file"]),
                  ("connected_clients", "1"), ("maxclients", "10000"), ("used_memory", "1048576"),
                  ("maxmemory", "0"), ("maxmemory_policy", "noeviction"), ("role", "master"),
                  ("connected_slaves", "0"), ("db0", "keys=10,expires=0,avg_ttl=0")]
        for key, value in spec["info"]:
            index = next((i for i, (k, _) in enumerate(fields) if k == key), None)
            if index is None:
                fields.append((key, value))
            else:
                fields[index] = (key, value)
        server = [f for f in fields if not (f[0].startswith("db") and f[0][2:].isdigit())]
        keyspace = [f for f in fields if f[0].startswith("db") and f[0][2:].isdigit()]
        info = "# Server\r\n" + "".join(k + ":" + v + "\r\n" for k, v in server)
        info += "\r\n# Keyspace\r\n" + "".join(k + ":" + v + "\r\n" for k, v in keyspace)

        def bulk(text):
            data = encode(text)
            return b"$%d\r\n%s\r\n" % (len(data), data)

        def array(items):
            return b"*%d\r\n" % len(items) + b"".join(bulk(item) for item in items)

        def reply(args):
            command = [a.lower() for a in args[:2]]
            if not command:
                return b""
            if command[0] == "ping":
                return b"+PONG\r\n"
            if command[0] in ("auth", "select"):
                return b"+OK\r\n"
            if command[0] == "info":
                return bulk(info)
            if command == ["config", "get"] and len(args) > 2:
                pattern = args[2].lower()
                return array([x for k, v in spec["config"] if fnmatch.fnmatchcase(k.lower(), pattern) for x in (k, v)])
            if command == ["client", "list"]:
                return bulk("id=3 addr=127.0.0.1:40000 fd=8 name= age=0 idle=0 flags=N db=0 cmd=client\n")
            if command == ["module", "list"]:
                return b"*0\r\n"
            if command == ["acl", "list"]:
                return array(["user default on nopass ~* &* +@all"])
            return b"-ERR unknown command\r\n"

        class Handler(socketserver.StreamRequestHandler):
            def read_command(self):
                line = self.rfile.readline(65536)
                if not line:
                    return None
                if not line.startswith(b"*"):
                    return line.decode("utf-8", "replace").split()
                args = []
                for _ in range(min(int(line[1:]), 64)):
                    size = int(self.rfile.readline(65536)[1:])
                    args.append(self.rfile.read(size + 2)[:size].decode("utf-8", "replace"))
                return args

            def handle(self):
                try:
                    while (args := self.read_command()) is not None:
                        self.wfile.write(reply(args))
                        self.wfile.flush()
                except (ValueError, OSError):
                    pass

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        socketserver.ThreadingTCPServer.daemon_threads = True
        socketserver.ThreadingTCPServer(("0.0.0.0", spec["port"]), Handler).serve_forever()

        """#

    /// What a `force_command` host's sshd runs instead of the collector: it reads the framing token from the first
    /// line of standard input, as the collector does, and forges output with it.
    static let forcedCommandScript = #"""
        # The forced command of a hostile fleet-lab host (Sources/LabKit/HostileFiles.swift): sshd runs this instead
        # of the collector; it knows the framing token (stdin's first line) and abuses it. Bounded: it ends by itself.
        import sys, time

        mode = sys.argv[1]
        token = sys.stdin.buffer.readline().strip()
        out = sys.stdout.buffer

        def section(name, body=b"redis_version:7.2.4\nused_memory:1\n", attrs=b"", end=True):
            out.write(b"==FA:" + token + b":BEGIN " + name + (b" " + attrs if attrs else b"") + b"==\n" + body)
            if end:
                out.write(b"\n==FA:" + token + b":END rc=0 bytes=%d==\n" % len(body))

        try:
            if mode == "forged-sections":
                # Names that are paths: every depth from the evidence folder up past the reports root to /tmp.
                for depth in range(1, 13):
                    section(b"../" * depth + b"tmp/x-forged-tmp-%d" % depth)
                for depth in range(1, 7):
                    section(b"../" * depth + b"x-forged-%d" % depth)
                for name in [b"..", b".", b"/etc/passwd", b"/tmp/x-forged-absolute", b"hostname/../../x-forged-sub",
                             b"..\\..\\x-forged-backslash", b"~/x-forged-home", b"%2e%2e%2fx-forged-encoded", b"",
                             b"info\x00../../x-forged-nul", b"a\x00b", b"\x1b[2J\x1b]0;pwned\x07",
                             b"name\rwith-cr", "evil\u202eexe.txt".encode(), b"\xc2\x9b31m", b"x" * 5000]:
                    section(name)
                section(b"info\n../../x-forged-newline")
                for attrs in [b"port=99999999999999999999", b"port=-1", b"port=../x-forged-port", b"port=0",
                              b"port=65536", b"port=6379 port=6380", b"port=6379\x00", b"port=6379 path=/etc/passwd"]:
                    section(b"info", attrs=attrs)
                section(b"config_file", attrs=b"port=6379 path=../../../../tmp/x-forged-path")
                section(b"config_file", attrs=b"port=6379 path=/etc/passwd", body=b"requirepass ForgedPw\n")
                section(b"hostname", body=b"forged-host")
                out.write(b"==FA:" + token + b":END rc=0 bytes=3==\n")
                section(b"meminfo", end=False)
                section(b"loadavg")
            elif mode == "many-sections":
                names = [b"hostname", b"meminfo", b"loadavg", b"thp", b"processes", b"listening"]
                for number in range(20_000):
                    if number % 2:
                        section(names[number % len(names)], body=b"x")
                    else:
                        section(b"info", body=b"x", attrs=b"port=%d" % (1 + number % 65535))
            elif mode == "flood":
                line = b"A" * 1023 + b"\n"
                section(b"processes", body=b"", end=False)
                for _ in range(60 * 1024):
                    out.write(line)
                for _ in range(10 * 1024):
                    out.write(b"\x1b[2J" + line[4:])
            elif mode == "hold":
                # The worst case for the auditor's memory: just under the per-host output cap (2 MiB), in valid
                # sections, then silence until the session's deadline, so every session holds its buffer at once.
                body = (b"B" * 1023 + b"\n") * 256
                for name in [b"processes", b"listening", b"ip_addr", b"ip_route", b"firewall", b"os_release", b"imds"]:
                    section(name, body=body)
                out.flush()
                time.sleep(60)
            out.flush()
        except BrokenPipeError:
            pass

        """#
}
