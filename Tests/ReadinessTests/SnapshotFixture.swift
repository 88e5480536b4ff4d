import FleetCore
import Foundation
import Readiness
import TestSupport

/// Real outputs of Redis 7.0.15 (Tests/RedisFactsTests/Fixtures, see its PROVENANCE.md), adjusted per test the way
/// a real server's reply would change with its configuration.
enum RealOutput {
    static func read(_ path: String) -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        return Fixture.text(root.appendingPathComponent("RedisFactsTests/Fixtures/" + path).path)
    }

    static let info = read("redis-7.0.15/info-all.txt")
    static let configGet = read("redis-7.0.15/config-get.txt")
    static let clientList = read("redis-7.0.15/client-list.txt")
    static let aclList = read("redis-7.0.15/acl-list.txt")
    static let moduleList = read("redis-7.0.15/module-list.txt")
    static let valkeyModuleList = read("valkey-9.1.2/module-list.txt")

    /// CONFIG GET output with some settings changed (the name line is followed by its value line).
    static func configGet(_ changes: [String: String]) -> String {
        var lines = configGet.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var index = 0
        while index + 1 < lines.count {
            if let value = changes[lines[index]] { lines[index + 1] = value }
            index += 2
        }
        return lines.joined(separator: "\n")
    }

    /// INFO output with some fields changed. Redis ends INFO lines with CRLF (one Character in Swift).
    static func info(_ changes: [String: String]) -> String {
        info.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { line in
            let key = line.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
            if let value = changes[key] { return "\(key):\(value)" }
            return String(line)
        }.joined(separator: "\r\n")
    }
}

/// A host and instance as a real collection would record them, for rule tests.
struct SnapshotFixture {
    var address = "10.0.1.15"
    var port = 6379
    /// A BGSAVE has run (the fixture server had `save ""`).
    var info = RealOutput.info(["rdb_last_bgsave_time_sec": "2"])
    var configGet: String? = RealOutput.configGet(["protected-mode": "no", "bind": "* -::*", "port": "6379"])
    var configFile: String? = "port 6379\nprotected-mode no\nbind * -::*\ndatabases 16\n"
    var meminfo = "MemTotal:       16000000 kB\nMemAvailable:   12000000 kB\n"
    var loadavg = "0.20 0.30 0.40 1/300 4242\n"
    var cpuCount = "4\n"
    var thp = "always madvise [never]\n"
    var overcommit = "1\n"
    var ipAddr = "2: eth0    inet 10.0.1.15/24 brd 10.0.1.255 scope global eth0\n"
    var imds: String? = "instance-id=i-0abc\nlocal-ipv4=10.0.1.15\nvpc-id=vpc-0demo\nsecurity-group-ids=sg-0src\n"
    var firewall = "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n"
    var processes = "  1 /sbin/init\n 812 /usr/bin/redis-server *:6379\n"
    var moduleList = RealOutput.moduleList
    var aclList = RealOutput.aclList
    /// What the collector records for Debian's redis-server.service (its ExecStart).
    var commandLine: String? =
        "from systemd redis-server.service\n/usr/bin/redis-server\n/etc/redis/redis.conf\n--supervised\nsystemd\n--daemonize\nno\n"
    /// The collector's reduced `COMMAND` reply; none by default (the rules then read redis.conf).
    var commandTable: String?
    /// The collector's `COMMAND INFO` lookup (`name yes|no` lines); none by default.
    var commandLookup: String?
    var diskFree = "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda 100000000 1000 90000000 1% /\n"
    /// Two write-rate samples 5 s apart of a quiet instance (500 bytes of input), as the collector frames them.
    var writeSample: String? =
        "time 1796000000.0\nserver_time_usec:1796000000000000\ntotal_net_input_bytes:1000\nrepl_backlog_active:0\n"
        + "time 1796000005.0\nserver_time_usec:1796000005000000\ntotal_net_input_bytes:1500\nrepl_backlog_active:0\n"
    /// Key sampling of a small instance, sampled whole, names hidden.
    var keySample: String? =
        "sampled 2 complete yes seconds 2 count 1000 measure memory\n"
        + "key 0 string 72 memory sha256:0123456789ab\nkey 0 hash 80 memory sha256:ba9876543210\n"

    var snapshot: HostSnapshot {
        func section(_ text: String, _ code: Int = 0) -> CapturedSection { CapturedSection(exitCode: code, text: text) }
        var instance = InstanceSnapshot(port: port, origin: .both)
        instance.sections["info"] = section(info)
        if let configGet { instance.sections["config_get"] = section(configGet) }
        instance.sections["client_list"] = section(RealOutput.clientList)
        instance.sections["module_list"] = section(moduleList)
        instance.sections["acl_list"] = section(aclList)
        instance.sections["disk_free"] = section(diskFree)
        if let commandLine { instance.sections["command_line"] = section(commandLine) }
        if let writeSample { instance.sections["write_sample"] = section(writeSample) }
        if let keySample { instance.sections["key_sample"] = section(keySample) }
        if let commandTable { instance.sections["command_table"] = section(commandTable) }
        if let commandLookup { instance.sections["command_lookup"] = section(commandLookup) }
        if let configFile {
            instance.configFile = "/etc/redis/redis.conf"
            instance.configFiles = [ConfigFileCapture(path: "/etc/redis/redis.conf", text: configFile)]
        }
        var host = HostSnapshot(
            host: HostIdentity(name: "cache-1", address: address), collectedAt: Date(timeIntervalSince1970: 0))
        host.sections = [
            "meminfo": section(meminfo), "loadavg": section(loadavg), "cpu_count": section(cpuCount),
            "thp": section(thp), "overcommit_memory": section(overcommit), "ip_addr": section(ipAddr),
            "firewall": section(firewall), "processes": section(processes),
        ]
        if let imds { host.sections["imds"] = section(imds) }
        host.instances = [instance]
        return host
    }
}

extension Target {
    static func demo(_ change: (inout Target) -> Void = { _ in }) -> Target {
        var target = Target(
            name: "demo", engineVersion: "7.1", nodeType: "cache.r6g.large", vpcID: "vpc-0demo",
            subnetCIDRs: ["10.0.1.0/24"], securityGroupIDs: ["sg-0target"], source: "target.yaml")
        target.sourceSecurityGroups = ["sg-0src": [InboundRule(fromPort: 6379, toPort: 6379, cidrs: ["10.0.0.0/16"])]]
        change(&target)
        return target
    }
}

func evaluate(
    _ fixture: SnapshotFixture, target: Target = .demo(), waivers: Waivers = Waivers(),
    now: Date = Date(timeIntervalSince1970: 1_790_000_000)
) -> FleetVerdict {
    Evaluator(target: target, waivers: waivers, now: now).evaluate(
        snapshots: [fixture.snapshot], runID: "test", inventoryDigest: "sha256:x",
        startedAt: Date(timeIntervalSince1970: 0),
        endedAt: nil)
}

extension FleetVerdict {
    func check(_ id: CheckID) -> CheckResult? { hosts.first?.instances.first?.checks.first { $0.id == id } }
    var instanceStatus: ReadinessStatus? { hosts.first?.instances.first?.status }
}
