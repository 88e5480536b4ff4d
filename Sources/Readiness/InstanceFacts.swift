import FleetCore
import Foundation
import RedisFacts

/// Everything the rules read about one instance and its host, parsed once from the snapshot.
public struct InstanceContext: Sendable {
    public let host: HostSnapshot
    public let instance: InstanceSnapshot
    public let target: Target
    public let info: RedisInfo
    public let configGet: ConfigGetReply?
    public let configuration: RedisConfiguration?

    init(host: HostSnapshot, instance: InstanceSnapshot, target: Target) {
        self.host = host
        self.instance = instance
        self.target = target
        info = RedisInfo(parsing: instance[.info]?.text ?? "")
        // CONFIG GET answered only when the reply has name/value pairs (a renamed CONFIG prints an error line).
        let reply = instance[.configGet].map { ConfigGetReply(parsing: $0.text) }
        configGet = (reply?.values.count ?? 0) > 1 ? reply : nil
        if let main = instance.configFile, !instance.configFiles.isEmpty {
            configuration = RedisConfiguration(
                files: instance.configFiles.map { ConfigSourceFile(path: $0.path, text: $0.text) }, mainFile: main)
        } else {
            configuration = nil
        }
    }

    /// Whether INFO answered at all (false: instance down, NOAUTH, or redis-cli missing).
    public var answered: Bool { info.version != nil }

    /// Why INFO did not answer, in the server's words, for `unknown` results.
    public var silenceReason: String {
        guard let section = instance[.info] else { return "the collector did not reach this instance" }
        let text = section.text.trimmed
        return text.isEmpty ? "no INFO reply (exit \(section.exitCode ?? -1))" : "INFO said: \(text.prefix(120))"
    }

    /// A setting's effective value: the running value (CONFIG GET) when readable, else redis.conf's last
    /// occurrence, else nil. The evidence says which.
    public func setting(_ name: String) -> (value: String, evidence: Evidence)? {
        if let value = configGet?[name] {
            return (value, Evidence(source: "CONFIG GET \(name)", observed: value.isEmpty ? "\"\"" : value))
        }
        if let directive = configuration?.effective(name) {
            return (
                directive.value, Evidence(source: directive.location, observed: "\(directive.name) \(directive.value)")
            )
        }
        return nil
    }

    public func infoEvidence(_ field: String) -> Evidence {
        Evidence(source: info.source(of: field), observed: info[field] ?? "absent")
    }

    // Host facts
    public var memInfo: MemInfo? { host[.meminfo].map { MemInfo(parsing: $0.text) } }
    public var loadAverage: LoadAverage? { host[.loadavg].flatMap { LoadAverage(parsing: $0.text) } }
    public var cpuCount: Int? { host[.cpuCount].flatMap { Int($0.text.trimmed) } }
    public var metadata: InstanceMetadata? {
        guard let section = host[.instanceMetadata], section.succeeded else { return nil }
        let parsed = InstanceMetadata(parsing: section.text)
        return parsed.values.isEmpty ? nil : parsed
    }
    public var interfaceAddresses: [String] { host[.ipAddr].map { InterfaceAddresses.ipv4(parsing: $0.text) } ?? [] }

    public var usedMemory: Int64? { info.usedMemory }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
