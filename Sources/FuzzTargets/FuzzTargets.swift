import Collector
import FleetCore
import Foundation
import Inventory
import Planning
import Readiness
import RedisFacts
import Reports
import RunComparison
import SSHClient

/// The entry points libFuzzer drives (Fuzz/, one executable per target) and the regression tests replay
/// (Tests/FuzzRegressionTests): every parser of remote output or input file, and the evaluator with every renderer.
///
/// Each takes arbitrary bytes and must return without trapping; what it computes is thrown away. They live in the
/// main package, not in Fuzz/, so that a crash the fuzzer found is replayed by `swift test` through the very same
/// code path. See docs/security.md.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case sectionStream = "section-stream"
    case info
    case redisConf = "redis-conf"
    case configGet = "config-get"
    case clientList = "client-list"
    case aclList = "acl-list"
    case knownHosts = "known-hosts"
    case inventory
    case ansibleInventory = "ansible-inventory"
    case ec2Instances = "ec2-instances"
    case target
    case evaluator
    /// The evaluator's input, through the rules only: the renderers cost nine tenths of an `evaluator` run, and the
    /// rules are where a host's numbers are computed with, so this target tries many more of them per second.
    case rules

    /// Runs one input through the target.
    public func run(_ data: Data) {
        let text = String(decoding: data, as: UTF8.self)
        switch self {
        case .sectionStream: FuzzEntryPoints.sectionStream(data)
        case .info: FuzzEntryPoints.info(text)
        case .redisConf: FuzzEntryPoints.redisConf(text)
        case .configGet: FuzzEntryPoints.configGet(text)
        case .clientList: FuzzEntryPoints.clientList(text)
        case .aclList: FuzzEntryPoints.aclList(text)
        case .knownHosts: FuzzEntryPoints.knownHosts(text)
        case .inventory: FuzzEntryPoints.inventory(text)
        case .ansibleInventory: FuzzEntryPoints.inventorySource(data, key: "ansible_inventory", fileName: "hosts.yml")
        case .ec2Instances: FuzzEntryPoints.inventorySource(data, key: "ec2_instances", fileName: "instances.json")
        case .target: FuzzEntryPoints.target(data)
        case .evaluator: FuzzEntryPoints.evaluator(data)
        case .rules: FuzzEntryPoints.evaluator(data, render: false)
        }
    }
}

enum FuzzEntryPoints {
    /// The token the seeds frame their sections with (Fuzz/seeds.sh writes it); a real run draws a random one.
    static let token = "fuzz0token"

    static func sectionStream(_ data: Data) {
        var limits = SectionStream.Limits.standard
        limits.sectionBytes = 4096
        let parsed = SectionStream.parse([UInt8](data), token: token, limits: limits)
        for section in parsed.sections { _ = (section.port, section.path, section.name.scope) }
        let result = CommandResult(host: "fuzz", address: "10.0.0.1", port: 22, status: .ok, stdout: data)
        let snapshot = SnapshotBuilder(host: host, knownSecrets: ["hunter22"]).snapshot(
            from: result, token: token, collectedAt: Date(timeIntervalSince1970: 0))
        evaluateAndRender([snapshot])
    }

    static func info(_ text: String) {
        let info = RedisInfo(parsing: text)
        _ = (info.version, info.valkeyVersion, info.isValkey, info.role, info.isClusterEnabled, info.tcpPort)
        _ = (info.usedMemory, info.usedMemoryRSS, info.maxmemory, info.connectedClients, info.configFile)
        _ = (info.rdbLastBgsaveStatus, info.rdbLastBgsaveTimeSeconds, info.keyspace, info.commandStats)
        // Every lookup scans all sections: a few dozen fields keep one input fast (execs per second are coverage).
        for section in info.sections.prefix(16) {
            for field in section.fields.prefix(16) {
                _ = (info.double(field.key), info.unusableCount(field.key), info.source(of: field.key))
                _ = ByteSize.parse(field.value)
            }
        }
        _ = info.version.map { $0 < RedisVersion(major: 7) }
    }

    /// The input is the main file; a line `--8<-- PATH` starts another captured file (an include's target).
    static func redisConf(_ text: String) {
        var files: [ConfigSourceFile] = []
        var path = "/etc/redis/redis.conf"
        var lines: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("--8<-- ") {
                files.append(ConfigSourceFile(path: path, text: lines.joined(separator: "\n")))
                path = String(line.dropFirst("--8<-- ".count))
                lines = []
            } else {
                lines.append(line)
            }
        }
        files.append(ConfigSourceFile(path: path, text: lines.joined(separator: "\n")))
        let configuration = RedisConfiguration(files: files, mainFile: "/etc/redis/redis.conf")
        for directive in configuration.directives {
            _ = ByteSize.parse(directive.value)
            _ = ClientOutputBufferLimit.replica(in: directive.value)
        }
        _ = (configuration.renamedCommands, configuration.problems, configuration.effective("maxmemory"))
        _ = SecretRedaction.redactConfig(text)
    }

    static func configGet(_ text: String) {
        let reply = ConfigGetReply(parsing: text)
        for value in reply.values.values {
            _ = ByteSize.parse(value)
            _ = ClientOutputBufferLimit.replica(in: value)
        }
        _ = SecretRedaction.redactConfigGet(text)
    }

    static func clientList(_ text: String) {
        for client in ClientList(parsing: text).clients {
            _ = (client.ip, client.name, client.isReplica, client.lastCommand)
        }
        _ = ModuleList(parsing: text).modules
    }

    static func aclList(_ text: String) {
        _ = ACLList(parsing: text).user("default")
        _ = SecretRedaction.redactACLList(text)
    }

    static func knownHosts(_ text: String) {
        let knownHosts = KnownHosts.parse(text, path: "known_hosts")
        for entry in knownHosts.entries.prefix(8) {
            _ = knownHosts.verify(host: "10.0.0.1", port: 22, key: entry.key)
            _ = knownHosts.keyTypes(forHost: "cache-1.example", port: 2222)
        }
        _ = knownHosts.verify(host: "cache-1", port: 22, key: HostKey(type: "ssh-ed25519", blob: [0, 1, 2]))
    }

    static func inventory(_ text: String) {
        guard let inventory = try? Inventory.parse(text, file: "fuzz.yaml", baseDirectory: scratch) else { return }
        _ = try? inventory.select(limit: "tag_env=prod:!cache-*")
        for host in inventory.hosts { _ = host.identity }
    }

    /// An Ansible inventory or an `aws ec2 describe-instances` JSON, read through the inventory loader as a user
    /// would name it: these sources read files, so the input is written to a scratch file first.
    static func inventorySource(_ data: Data, key: String, fileName: String) {
        let path = scratch + "/" + fileName
        guard FileManager.default.createFile(atPath: path, contents: data) else { return }
        inventory("\(key):\n  - file: \(fileName)\n")
    }

    static func target(_ data: Data) {
        let path = scratch + "/target.yaml"
        guard FileManager.default.createFile(atPath: path, contents: data),
            let target = try? Target.load(path: path)
        else { return }
        let snapshot = HostSnapshot(host: HostIdentity(name: "cache-1", address: "10.0.0.1"), collectedAt: Date())
        _ = Evaluator(target: target).evaluate(
            snapshots: [snapshot], runID: "fuzz", inventoryDigest: "", startedAt: Date(timeIntervalSince1970: 0),
            endedAt: nil)
    }

    /// A HostSnapshot as JSON (a stored run's host file), or sections as `@@ h:NAME` (host), `@@ i:NAME`
    /// (instance), `@@ conf:PATH` (a config file) and `@@ port N` (a new instance) lines followed by their text.
    static func evaluator(_ data: Data, render: Bool = true) {
        let snapshots: [HostSnapshot]
        if data.first == UInt8(ascii: "{") {
            guard let snapshot = try? JSONDecoder.snapshots.decode(HostSnapshot.self, from: data) else { return }
            snapshots = [snapshot]
        } else {
            snapshots = SectionedSnapshot.parse(String(decoding: data, as: UTF8.self))
        }
        evaluateAndRender(snapshots, render: render)
    }

    /// Every rule, and unless `render` is false every report format and every plan format, on the snapshots.
    static func evaluateAndRender(_ snapshots: [HostSnapshot], render: Bool = true) {
        let verdict = Evaluator(target: fuzzTarget, now: Date(timeIntervalSince1970: 1_800_000_000)).evaluate(
            snapshots: snapshots, runID: "20260101T000000Z", inventoryDigest: "sha256:fuzz",
            startedAt: Date(timeIntervalSince1970: 1_800_000_000), endedAt: nil)
        guard render else { return }
        let model = ReportModel(
            verdict: verdict, generatedAt: Date(timeIntervalSince1970: 1_800_000_000),
            trend: [TrendPoint(verdict: verdict), TrendPoint(verdict: verdict)])
        for reporter in Reporters.all { _ = reporter.render(model) }
        _ = TerminalReporter(colour: true).render(model)
        // Tight limits, so instances with huge datasets and sync estimates exercise every packing branch.
        let constraints = PlanConstraints(
            maxInstancesPerWave: 2, maxDatasetBytesPerWave: 1 << 30, maxSyncSecondsPerWave: 600,
            keepTogetherTag: "app")
        let plan = WavePlanner(constraints: constraints).plan(verdict, generatedAt: Date(timeIntervalSince1970: 0))
        for renderer in PlanRenderers.all { _ = renderer.render(plan) }
        _ = PlanTerminalRenderer().render(plan)
    }

    static let fuzzTarget = Target(
        name: "fuzz", engineVersion: "7.1", nodeType: "cache.r6g.large", vpcID: "vpc-0demo",
        subnetCIDRs: ["10.0.1.0/24"], securityGroupIDs: ["sg-0target"], source: "fuzz")

    /// The host SnapshotBuilder attributes sections to: two listed instances, so listed/discovered both occur.
    static let host: InventoryHost = {
        let text = """
            hosts:
              - name: cache-1
                address: 10.0.0.1
                tags: {app: shop}
                redis: [{port: 6379}, {port: 6380}]
            """
        // The text is fixed and valid; a failure here is a bug in this file, found by the first test run.
        guard let inventory = try? Inventory.parse(text, file: "fuzz", baseDirectory: "/"),
            let host = inventory.hosts.first
        else { preconditionFailure("FuzzTargets' built-in inventory does not parse") }
        return host
    }()

    /// A per-process scratch directory for the loaders that read files.
    static let scratch: String = {
        let path = NSTemporaryDirectory() + "/fleet-audit-fuzz-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()
}

extension JSONDecoder {
    /// Decodes stored snapshots as RunStore does (ISO 8601 dates).
    static var snapshots: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

/// Builds snapshots from the line format of `FuzzEntryPoints.evaluator`, so the fuzzer mutates section texts
/// (INFO, meminfo, CONFIG GET, ...) directly instead of JSON syntax.
enum SectionedSnapshot {
    static func parse(_ text: String) -> [HostSnapshot] {
        var host = HostSnapshot(
            host: HostIdentity(name: "cache-1", address: "10.0.1.15", tags: ["app": "shop"]),
            collectedAt: Date(timeIntervalSince1970: 0))
        var instances: [InstanceSnapshot] = []
        var current: (kind: Substring, name: String)?
        var body: [Substring] = []
        func flush() {
            guard let (kind, name) = current else { return }
            let section = CapturedSection(exitCode: 0, text: body.joined(separator: "\n"))
            if instances.isEmpty, kind != "h" { instances.append(InstanceSnapshot(port: 6379, origin: .both)) }
            switch kind {
            case "h": host.sections[name] = section
            case "conf":
                instances[instances.count - 1].configFiles.append(ConfigFileCapture(path: name, text: section.text))
                if instances[instances.count - 1].configFile == nil { instances[instances.count - 1].configFile = name }
            default: instances[instances.count - 1].sections[name] = section
            }
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("@@ ") else {
                body.append(line)
                continue
            }
            flush()
            current = nil
            body = []
            let header = line.dropFirst(3)
            if header.hasPrefix("port ") {
                instances.append(InstanceSnapshot(port: Int(header.dropFirst(5)) ?? 0, origin: .discovered))
            } else if let colon = header.firstIndex(of: ":") {
                current = (header[..<colon], String(header[header.index(after: colon)...]))
            }
        }
        flush()
        host.instances = instances
        // A second host with the same data, so sums and rankings across hosts and instances are exercised.
        var twin = host
        twin.host.name = "cache-2"
        return [host, twin]
    }
}
