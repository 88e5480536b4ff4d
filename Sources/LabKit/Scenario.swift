import FleetCore
import Foundation
import YAMLInput

/// A lab fleet described in YAML (inventory/lab/*.yaml): which hosts, their Redis instances, resources and faults.
public struct Scenario: Sendable, Hashable {
    public var name: String
    /// The /24 the hosts live in; the bridge takes .1 and hosts start at .11.
    public var subnet: String
    public var vpcID: String
    public var hosts: [LabHost]

    /// Reads a scenario; every error names the file, the line and the field.
    public static func load(path: String) throws(YAMLFileError) -> Scenario {
        let root = try YAMLNode.load(path: path)
        let fields = try root.mapping(allowedKeys: ["name", "subnet", "vpc_id", "hosts", "description"])
        guard let hostsNode = fields["hosts"] else { throw root.error("a scenario needs 'hosts'") }
        var scenario = Scenario(
            name: try fields["name"]?.nonEmptyString() ?? "lab",
            subnet: try fields["subnet"]?.nonEmptyString() ?? "10.77.0.0/24",
            vpcID: try fields["vpc_id"]?.nonEmptyString() ?? "vpc-0lab", hosts: [])
        for item in try hostsNode.sequence() { scenario.hosts.append(try LabHost.parse(item, vpcID: scenario.vpcID)) }
        if Set(scenario.hosts.map(\.name)).count != scenario.hosts.count {
            throw hostsNode.error("host names must be unique")
        }
        if scenario.hosts.contains(where: { $0.network == .private }),
            scenario.hosts.filter(\.bastion).count != 1
        {
            throw hostsNode.error("private hosts need exactly one host with bastion: true (their way in)")
        }
        return scenario
    }

    /// `hostile-flood-N`: N hosts whose sshd answers every command with the 70 MB `flood`, for
    /// bench/hostile-rss.sh (the auditor's memory while every session floods at once).
    public static func hostileFlood(_ count: Int, mode: LabHost.ForceCommand = .flood) -> Scenario {
        Scenario(
            name: "hostile-\(mode.rawValue)-\(count)", subnet: "10.82.0.0/16", vpcID: "vpc-0lab",
            hosts: (1...max(1, count)).map {
                var host = LabHost(name: "\(mode.rawValue)-\($0)", vpcID: "vpc-0lab")
                host.forceCommand = mode
                host.redis = []
                return host
            })
    }

    /// `scale-N`: N plain, ready hosts, for benchmarks.
    public static func scale(_ count: Int) -> Scenario {
        Scenario(
            name: "scale-\(count)", subnet: "10.78.0.0/16", vpcID: "vpc-0lab",
            hosts: (1...max(1, count)).map { LabHost(name: "scale-\($0)", vpcID: "vpc-0lab") })
    }
}

/// One lab host.
public struct LabHost: Sendable, Hashable {
    public enum Fault: String, Sendable, Hashable, CaseIterable {
        case none
        /// Nothing listens on the SSH port.
        case refused
        /// Packets to the SSH port are dropped.
        case blackhole
        /// sshd accepts connections and never speaks (stopped with SIGSTOP).
        case silent
        /// known_hosts records another key for this host.
        case changedHostKey = "changed-host-key"
        /// The inventory lists Redis instances that are not running.
        case redisDown = "redis-down"
        /// A host firewall rule drops the Redis ports.
        case firewallRedis = "firewall-redis"
        /// redis-cli is missing from the PATH of remote commands.
        case noRedisCLI = "no-redis-cli"
    }

    public var name: String
    public var tags: [String: String] = [:]
    /// Instance metadata served on 169.254.169.254 (false: a host not on EC2).
    public var metadata = true
    public var vpcID: String
    public var securityGroupIDs = ["sg-0lab"]
    public var memoryMiB = 16_384
    public var availableMiB = 12_000
    public var cpus = 4
    public var load = 0.3
    public var transparentHugepages = "never"
    public var overcommit = 1
    public var diskMiB = 512
    public var fault = Fault.none
    /// Added to every round trip to the host's sshd (netem where the kernel has it, else `fleet-lab relay`).
    public var latencyMilliseconds = 0
    public var redis: [LabRedis] = [LabRedis(port: 6379)]
    /// Serve a public address as the instance's local-ipv4 (a host reached over public addressing).
    public var publicAddress = false
    /// sshd runs this lab script instead of whatever the client asks for (`ForceCommand`): a host that answers the
    /// collector with forged output (docs/lab.md#hostile-hosts).
    public var forceCommand: ForceCommand?
    /// The UTS hostname, any bytes but NUL (control characters included); the host's lab name when nil.
    public var hostname: String?
    /// Special files for include attacks in the host's folder (a FIFO, a 2 GiB sparse file, a mode-600 folder of
    /// configs) and a lab-made /etc/shadow bind-mounted over the machine's inside the host.
    public var specialFiles = false
    /// What the audit should conclude (`expect: {status: ready, failing: [...]}`), for end-to-end tests.
    public var expectedStatus: String?
    public var expectedFailing: [String] = []
    /// The user the auditor logs in as (`login_user:`): root, or a user the lab creates inside the host only (its
    /// own /etc/passwd and /etc/group bind-mounted, a clean home with authorized_keys), like EC2's `ec2-user`.
    public var loginUser = "root"
    /// What `sudo` the login user has (`sudo:`): `rule` installs exactly docs/collector.md's sudoers rule
    /// (`SudoersRule`), `none` nothing. The host's /etc/sudoers.d is its own either way.
    public var sudo = SudoGrant.none
    /// The inventory's `become:` for this host; `sudo` when `sudo: rule`, else `none`, unless the scenario says.
    public var become: Become?
    /// /proc mounted with `hidepid=2` inside the host: other users' processes are invisible to the login user.
    public var hidepid = false
    /// `form_cluster: true`: the host's instances (each `cluster-enabled yes`, no keys) are joined into one Redis
    /// Cluster, one primary per instance, with `redis-cli --cluster create`: a sharded source.
    public var formCluster = false
    /// `private`: on the lab's private bridge only, which the root namespace cannot route to (reach it through the
    /// bastion: `route:`). `lab` (default): on the lab bridge.
    public var network = Network.lab
    /// On both bridges: the way in to the private hosts (its sshd forwards connections, ProxyJump).
    public var bastion = false
    /// How the inventory reaches a private host: `proxy_jump` through the bastion's sshd, or `proxy_command` (`ip
    /// netns exec <bastion> nc %h %p`, run by the auditor as root).
    public var route = Route.proxyJump

    public enum SudoGrant: String, Sendable, Hashable, CaseIterable {
        case none
        case rule
    }

    public enum Network: String, Sendable, Hashable, CaseIterable {
        case lab
        case `private`
    }

    public enum Route: String, Sendable, Hashable, CaseIterable {
        case proxyJump = "proxy_jump"
        case proxyCommand = "proxy_command"
    }

    /// What the inventory says for `become:`.
    public var inventoryBecome: Become { become ?? (sudo == .rule ? .sudo : .none) }

    /// Whether the host needs the lab's user and permission set-up (a login user, sudo, Redis as its own user).
    public var needsUsers: Bool {
        loginUser != "root" || sudo != .none || hidepid || redis.contains { $0.user != nil }
    }

    /// What a hostile host's sshd runs instead of the client's command (`force_command:`).
    public enum ForceCommand: String, Sendable, Hashable, CaseIterable {
        /// Reads the framing token from stdin and prints sections named like paths (`../../../../tmp/x`, `..`,
        /// `/etc/passwd`), names with NUL, newlines and control characters, and absurd `port=`/`path=` attributes.
        case forgedSections = "forged-sections"
        /// 20,000 well-framed sections (about 1.4 MB).
        case manySections = "many-sections"
        /// 70 MB of output inside one framed section that never ends, then more outside any section.
        case flood
        /// Just under the per-host output cap in valid sections, then silent for 60 s: every session holds its
        /// buffer at once (the auditor's worst case for memory).
        case hold
    }

    public init(name: String, vpcID: String) {
        self.name = name
        self.vpcID = vpcID
    }

    /// Whether the host attacks the auditor: it then gets a private 64 MiB TMPDIR and a 256 MiB address-space
    /// limit on its sshd's sessions, so that a collector fooled into copying /dev/zero fills those, not the machine.
    public var isHostile: Bool {
        forceCommand != nil || hostname != nil || specialFiles || redis.contains { $0.fake != nil }
    }

    static let keys: Set<String> = [
        "name", "tags", "metadata", "vpc_id", "security_group_ids", "memory_mb", "available_mb", "cpus", "load", "thp",
        "overcommit", "disk_mb", "fault", "redis", "expect", "public_address", "latency_ms", "force_command",
        "hostname", "special_files", "login_user", "sudo", "become", "hidepid", "network", "bastion", "route",
        "form_cluster",
    ]

    static func parse(_ node: YAMLNode, vpcID: String) throws(YAMLFileError) -> LabHost {
        let fields = try node.mapping(allowedKeys: keys)
        guard let nameNode = fields["name"] else { throw node.error("every host needs a 'name'") }
        var host = LabHost(name: try nameNode.nonEmptyString(), vpcID: try fields["vpc_id"]?.nonEmptyString() ?? vpcID)
        guard host.name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }), host.name.count <= 40
        else {
            throw nameNode.error("lab host names use letters, digits and '-' (at most 40)")
        }
        if let node = fields["tags"] { host.tags = try node.stringMap() }
        if let node = fields["metadata"] { host.metadata = try node.bool() }
        if let node = fields["security_group_ids"] { host.securityGroupIDs = try node.stringList() }
        if let node = fields["memory_mb"] { host.memoryMiB = try node.integer(in: 64...4_000_000) }
        if let node = fields["available_mb"] { host.availableMiB = try node.integer(in: 0...4_000_000) }
        if let node = fields["cpus"] { host.cpus = try node.integer(in: 1...1024) }
        if let node = fields["load"] { host.load = try node.double(in: 0...10_000) }
        if let node = fields["thp"] {
            let mode = try node.string()
            guard ["always", "madvise", "never"].contains(mode) else {
                throw node.error("thp is always, madvise or never")
            }
            host.transparentHugepages = mode
        }
        if let node = fields["overcommit"] { host.overcommit = try node.integer(in: 0...2) }
        if let node = fields["disk_mb"] { host.diskMiB = try node.integer(in: 1...1_000_000) }
        if let node = fields["fault"] { host.fault = try node.oneOf(Fault.self) }
        if let node = fields["public_address"] { host.publicAddress = try node.bool() }
        if let node = fields["latency_ms"] { host.latencyMilliseconds = try node.integer(in: 0...60_000) }
        if let node = fields["force_command"] { host.forceCommand = try node.oneOf(ForceCommand.self) }
        if let node = fields["hostname"] {
            let hostname = try node.string()
            // sethostname(2) takes at most 64 bytes; NUL would end it early.
            guard (1...64).contains(hostname.utf8.count), !hostname.utf8.contains(0) else {
                throw node.error("a hostname is 1 to 64 bytes without NUL")
            }
            host.hostname = hostname
        }
        if let node = fields["special_files"] { host.specialFiles = try node.bool() }
        if let node = fields["login_user"] {
            host.loginUser = try node.nonEmptyString()
            guard Self.isPlainUserName(host.loginUser) else {
                throw node.error("a login user is a plain name: lowercase letters, digits, '-' and '_' (at most 32)")
            }
        }
        if let node = fields["sudo"] { host.sudo = try node.oneOf(SudoGrant.self) }
        if let node = fields["become"] { host.become = try node.oneOf(Become.self) }
        if let node = fields["hidepid"] { host.hidepid = try node.bool() }
        if let node = fields["form_cluster"] { host.formCluster = try node.bool() }
        if let node = fields["network"] { host.network = try node.oneOf(Network.self) }
        if let node = fields["bastion"] { host.bastion = try node.bool() }
        if let node = fields["route"] { host.route = try node.oneOf(Route.self) }
        if host.bastion && host.network == .private {
            throw node.error("a bastion is on the lab bridge too: drop network: private")
        }
        if host.sudo == .rule && host.loginUser == "root" {
            throw node.error("sudo: rule is for a login user other than root (set login_user)")
        }
        if let node = fields["redis"] {
            host.redis = []
            for item in try node.sequence() { host.redis.append(try LabRedis.parse(item)) }
        }
        if let node = fields["expect"] {
            let expect = try node.mapping(allowedKeys: ["status", "failing"])
            host.expectedStatus = try expect["status"]?.oneOf(ReadinessStatus.self).rawValue
            host.expectedFailing = try expect["failing"]?.stringList() ?? []
        }
        return host
    }

    static func isPlainUserName(_ name: String) -> Bool {
        (1...32).contains(name.count) && name.first?.isLetter == true
            && name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}

/// One redis-server on a lab host.
public struct LabRedis: Sendable, Hashable {
    public var port: Int
    /// redis.conf lines beyond the lab's defaults (any directive).
    public var config: [String] = []
    /// Sets `requirepass`; the inventory references it through an environment variable, `secrets.env` holds it.
    public var password: String?
    /// Keys to write per database number.
    public var keys: [Int: Int] = [0: 100]
    /// Bytes per value, to make a dataset of a chosen size.
    public var valueBytes = 64
    /// Commands a client runs after seeding (e.g. BGSAVE), as applications or operators would have.
    public var run: [String] = []
    /// A server from scripts/install-lab-servers.sh (`redis-2.8.17`, `redis-3.2.6`, `valkey-9.1.2` by default; any
    /// other it lists, such as `redis-5.0.14` or `valkey-8.1.1`, once installed by name); Debian's redis-server when nil.
    public var server: String?
    /// Modules to load (`loadmodule`), by name, from scripts/install-lab-servers.sh (`labmodule`).
    public var modules: [String] = []
    /// TLS only: `port 0` and `tls-port` on this port, with a certificate the lab makes.
    public var tlsOnly = false
    /// A Redis Sentinel on the host monitors this instance.
    public var sentinel = false
    /// Writes per second a client keeps making while the lab is up (at most an hour), as a busy application would.
    public var writesPerSecond = 0
    /// redis.conf with CRLF line endings, its last line ending in a bare CR (a file edited on Windows).
    public var crlf = false
    /// Not a redis-server: a small RESP responder answering with whatever the scenario says (`fake:`).
    public var fake: FakeRedis?
    /// Runs as this user (`user: redis`), as Debian's and Amazon Linux's packages run it: its config is then
    /// /etc/redis/redis-<port>.conf, mode 640 root:<user>, in an /etc/redis of mode 2770 <user>:<user>.
    public var user: String?
    /// Listed in the generated inventory (`listed: false`: only discovery can find it).
    public var listed = true
    /// Command-line options after the config file (`["--protected-mode", "no"]`): they override redis.conf.
    public var arguments: [String] = []

    public init(port: Int) { self.port = port }

    /// `arguments` as they follow the config file on the server's command line (a leading space when any).
    var commandLineArguments: String { arguments.map { " " + $0 }.joined() }

    static func parse(_ node: YAMLNode) throws(YAMLFileError) -> LabRedis {
        let fields = try node.mapping(allowedKeys: [
            "port", "config", "password", "keys", "value_bytes", "run", "server", "modules", "tls_only",
            "sentinel", "writes_per_second", "crlf", "fake", "user", "listed", "arguments",
        ])
        guard let portNode = fields["port"] else { throw node.error("each redis needs a 'port'") }
        var redis = LabRedis(port: try portNode.integer(in: 1...65535))
        if let node = fields["config"] { redis.config = try node.stringList() }
        if let node = fields["password"] { redis.password = try node.nonEmptyString() }
        if let node = fields["keys"] {
            redis.keys = [:]
            for (database, count) in try node.mappingEntries() {
                guard let index = Int(database), (0...9_999).contains(index) else {
                    throw count.error("database numbers are 0 to 9999 (below the instance's databases)")
                }
                redis.keys[index] = try count.integer(in: 0...10_000_000)
            }
        }
        if let node = fields["value_bytes"] { redis.valueBytes = try node.integer(in: 1...10_000_000) }
        if let node = fields["run"] { redis.run = try node.stringList() }
        if let node = fields["server"] {
            redis.server = try node.nonEmptyString()
            // It names a folder of LAB_SERVERS: a plain name, never a path.
            guard redis.server?.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }) == true else {
                throw node.error("a server is a name like redis-2.8.17 or valkey-9.1.2")
            }
        }
        if let node = fields["modules"] { redis.modules = try node.stringList() }
        if let node = fields["tls_only"] { redis.tlsOnly = try node.bool() }
        if let node = fields["sentinel"] { redis.sentinel = try node.bool() }
        if let node = fields["writes_per_second"] { redis.writesPerSecond = try node.integer(in: 0...1_000) }
        if let node = fields["crlf"] { redis.crlf = try node.bool() }
        if let node = fields["fake"] { redis.fake = try FakeRedis.parse(node, port: redis.port) }
        if let node = fields["user"] {
            let user = try node.nonEmptyString()
            // The user must exist on this machine (the lab shares its /etc/passwd): Debian's redis-server makes it.
            guard LabHost.isPlainUserName(user), getpwnam(user) != nil else {
                throw node.error("user \(user) does not exist here (Debian's redis-server package creates 'redis')")
            }
            redis.user = user
        }
        if let node = fields["listed"] { redis.listed = try node.bool() }
        if let node = fields["arguments"] {
            redis.arguments = try node.stringList()
            // They go on a shell command line: words of a plain alphabet only.
            guard redis.arguments.allSatisfy({ $0.allSatisfy { $0.isLetter || $0.isNumber || "-_.:*/".contains($0) } })
            else { throw node.error("arguments are plain words (letters, digits, - _ . : * /), e.g. --port 6380") }
        }
        return redis
    }
}

/// A process that looks like a redis-server to the collector and answers whatever the scenario says: run as
/// `nobody` (an unprivileged user can do this on any host), titled like redis-server, speaking enough RESP for
/// PING, INFO, CONFIG GET, CLIENT LIST, MODULE LIST and ACL LIST (Sources/LabKit/HostileFiles.swift).
public struct FakeRedis: Sendable, Hashable {
    /// The process title `ps` shows (default `redis-server *:<port>`): any characters.
    public var title: String
    /// INFO fields in order, added to (or replacing) a plain standalone server's; values may hold any characters.
    public var info: [Pair] = []
    /// CONFIG GET answers, in order.
    public var config: [Pair] = []
    /// Lines of the config file INFO names as `config_file` (`{dir}` is the host's folder); none: INFO names
    /// no file unless `info` sets config_file itself.
    public var configFile: [String] = []

    public struct Pair: Sendable, Hashable {
        public var key: String
        public var value: String
    }

    static func parse(_ node: YAMLNode, port: Int) throws(YAMLFileError) -> FakeRedis {
        let fields = try node.mapping(allowedKeys: ["title", "info", "config", "config_file"])
        var fake = FakeRedis(title: try fields["title"]?.string() ?? "redis-server *:\(port)")
        func pairs(_ node: YAMLNode?) throws(YAMLFileError) -> [Pair] {
            var result: [Pair] = []
            for (key, value) in try node?.mappingEntries() ?? [] {
                result.append(Pair(key: key, value: try value.string()))
            }
            return result
        }
        fake.info = try pairs(fields["info"])
        fake.config = try pairs(fields["config"])
        if let node = fields["config_file"] { fake.configFile = try node.stringList() }
        return fake
    }
}
