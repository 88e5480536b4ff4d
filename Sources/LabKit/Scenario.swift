import FleetCore
import Foundation
import Inventory

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
        return scenario
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
    /// What the audit should conclude (`expect: {status: ready, failing: [...]}`), for end-to-end tests.
    public var expectedStatus: String?
    public var expectedFailing: [String] = []

    public init(name: String, vpcID: String) {
        self.name = name
        self.vpcID = vpcID
    }

    static let keys: Set<String> = [
        "name", "tags", "metadata", "vpc_id", "security_group_ids", "memory_mb", "available_mb", "cpus", "load", "thp",
        "overcommit", "disk_mb", "fault", "redis", "expect", "public_address", "latency_ms",
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
    /// A server from scripts/install-lab-servers.sh (`redis-2.8.17`, `redis-3.2.6`, `valkey-9.1.2`); Debian's
    /// redis-server when nil.
    public var server: String?
    /// Modules to load (`loadmodule`), by name, from scripts/install-lab-servers.sh (`labmodule`).
    public var modules: [String] = []
    /// TLS only: `port 0` and `tls-port` on this port, with a certificate the lab makes.
    public var tlsOnly = false
    /// A Redis Sentinel on the host monitors this instance.
    public var sentinel = false
    /// Writes per second a client keeps making while the lab is up (at most an hour), as a busy application would.
    public var writesPerSecond = 0

    public init(port: Int) { self.port = port }

    static func parse(_ node: YAMLNode) throws(YAMLFileError) -> LabRedis {
        let fields = try node.mapping(allowedKeys: [
            "port", "config", "password", "keys", "value_bytes", "run", "server", "modules", "tls_only",
            "sentinel", "writes_per_second",
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
        return redis
    }
}
