import FleetCore
import Foundation
import Inventory
import RedisFacts

/// Turns one host's collector output into a `HostSnapshot`, redacting every secret before anything is kept.
public struct SnapshotBuilder {
    let host: InventoryHost
    /// Passwords the auditor sent to this host: scrubbed from every text, wherever they appear.
    let knownSecrets: [String]

    public init(host: InventoryHost, knownSecrets: [String]) {
        self.host = host
        self.knownSecrets = knownSecrets
    }

    public func snapshot(from result: CommandResult, token: String, collectedAt: Date) -> HostSnapshot {
        var snapshot = HostSnapshot(
            host: host.identity, collectedAt: collectedAt, hostKeyUnverified: result.hostKeyUnverified)
        // A collector that ran but exited non-zero still printed what it could; only a host it never ran on fails.
        if let failure = result.failure, failure.errorClass != .exit {
            snapshot.failure = failure
            return snapshot
        }
        let output = String(decoding: result.stdout, as: UTF8.self)
        let sections = SectionStream.parse(output, token: token, limit: CollectorScript.sectionLimit)
        if sections.isEmpty {
            let stderr = redact(String(decoding: result.stderr.prefix(2_000), as: UTF8.self), section: "stderr")
            snapshot.failure = Failure(
                .exit, phase: .command, message: "the collector printed no sections (stderr: \(stderr))")
            return snapshot
        }
        var instances: [Int: InstanceSnapshot] = [:]
        var order: [Int] = []
        for section in sections {
            let captured = CapturedSection(
                exitCode: section.exitCode, text: redact(section.text, section: section.name),
                truncated: section.truncated)
            guard let port = section.attributes["port"].flatMap(Int.init) else {
                snapshot.sections[section.name] = captured
                continue
            }
            if instances[port] == nil {
                let listed = host.redis.contains { $0.port == port }
                instances[port] = InstanceSnapshot(port: port, origin: listed ? .both : .discovered)
                order.append(port)
            }
            if section.attributes["transport"] == "tls" { instances[port]?.reachedOverTLS = true }
            if section.name == "config_file", let path = section.attributes["path"] {
                instances[port]?.configFiles.append(ConfigFileCapture(path: path, text: captured.text))
                if instances[port]?.configFile == nil { instances[port]?.configFile = path }
            } else {
                instances[port]?.sections[section.name] = captured
            }
        }
        let listening = snapshot[.listeningSockets]?.text ?? ""
        for (port, instance) in instances {
            let parsed = RedisInfo(parsing: instance.sections[SectionName.info.rawValue]?.text ?? "")
            instances[port]?.pid = parsed.integer("process_id").map { Int($0) }
            // Listed but neither answering nor listening: the inventory expects an instance that is not running.
            let isListening = listening.contains(":\(port) ") || listening.contains(":\(port)\t")
            if parsed.version == nil && !isListening && instance.origin == .both {
                instances[port]?.origin = .inventory
            }
        }
        // Listed instances the collector never found stay visible: "listed but not running" is a finding.
        for spec in host.redis where instances[spec.port] == nil {
            instances[spec.port] = InstanceSnapshot(port: spec.port, origin: .inventory)
            order.append(spec.port)
        }
        // The inventory's instances first, in its order, then discovered ones: reports read in the order users wrote.
        let listedPorts = host.redis.map(\.port)
        let discoveredPorts = order.filter { !listedPorts.contains($0) }
        snapshot.instances = (listedPorts + discoveredPorts).compactMap { instances[$0] }
        return snapshot
    }

    /// Secrets never leave this function: known passwords are scrubbed everywhere, and config-shaped outputs lose
    /// their secret values by rule.
    func redact(_ text: String, section: String) -> String {
        let scrubbed = SecretRedaction.scrub(text, secrets: knownSecrets)
        switch section {
        case "config_file": return SecretRedaction.redactConfig(scrubbed)
        case SectionName.configGet.rawValue: return SecretRedaction.redactConfigGet(scrubbed)
        case SectionName.aclList.rawValue: return SecretRedaction.redactACLList(scrubbed)
        // The process list may show a password a server was started with (`redis-server --requirepass x`).
        case SectionName.processes.rawValue: return redactCommandLines(scrubbed)
        default: return scrubbed
        }
    }

    private func redactCommandLines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var words = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            for index in words.indices.dropLast()
            where ["--requirepass", "--masterauth", "-a", "--pass"].contains(words[index]) {
                words[index + 1] = SecretRedaction.placeholder
            }
            return words.joined(separator: " ")
        }.joined(separator: "\n")
    }
}
