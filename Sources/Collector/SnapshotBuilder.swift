import FleetCore
import Foundation
import Inventory
import RedisFacts

/// Turns one host's collector output into a `HostSnapshot`, redacting every secret before anything is kept.
public struct SnapshotBuilder {
    let host: InventoryHost
    /// Passwords the auditor sent to this host: scrubbed from every text, wherever they appear.
    let knownSecrets: [String]
    /// The ports the auditor sent a password for; nil when the caller does not say (then no instance records
    /// whether it was sent).
    let credentialPorts: Set<Int>?
    /// Keep sampled key names (`--show-key-names`); by default each is replaced by a hash before anything is stored.
    let showKeyNames: Bool

    public init(
        host: InventoryHost, knownSecrets: [String], credentialPorts: Set<Int>? = nil, showKeyNames: Bool = false
    ) {
        self.host = host
        self.knownSecrets = knownSecrets
        self.credentialPorts = credentialPorts
        self.showKeyNames = showKeyNames
    }

    public func snapshot(from result: CommandResult, token: String, collectedAt: Date) -> HostSnapshot {
        var snapshot = HostSnapshot(
            host: host.identity, collectedAt: collectedAt, hostKeyUnverified: result.hostKeyUnverified)
        // A collector that ran keeps what it printed: one that exited non-zero, one cut at the output cap and one
        // stopped by its deadline all delivered sections before. Only a host it never ran on fails outright.
        var notes: [CollectionNote] = []
        if let failure = result.failure {
            switch failure.errorClass {
            case .exit: break
            case .outputLimit: notes.append(CollectionNote(.outputCut, failure.message))
            case .timeout where !result.stdout.isEmpty: notes.append(CollectionNote(.timedOut, failure.message))
            default:
                snapshot.failure = failure
                return snapshot
            }
        }
        let parsed = SectionStream.parse([UInt8](result.stdout), token: token)
        if parsed.sections.isEmpty {
            let stderr = redact(String(decoding: result.stderr.prefix(2_000), as: UTF8.self), section: "stderr")
            // The class says why when the engine cut the session (output cap, deadline); else the collector failed.
            let cause = result.failure.flatMap { notes.isEmpty ? nil : $0 }
            snapshot.failure = Failure(
                cause?.errorClass ?? .exit, phase: cause?.phase ?? .command,
                message:
                    "the collector printed no sections\(cause.map { " (\($0.message))" } ?? "") (stderr: \(stderr))")
            return snapshot
        }
        notes += Self.notes(for: parsed)
        snapshot.collectionNotes = notes
        snapshot.unexpectedSections = parsed.unexpected.map { section in
            var kept = section
            kept.text = redact(section.text, section: "unexpected")
            return kept
        }
        var instances: [Int: InstanceSnapshot] = [:]
        var order: [Int] = []
        for section in parsed.sections {
            let text = section.name == .keySample && !showKeyNames ? KeyNames.hidden(in: section.text) : section.text
            let captured = CapturedSection(
                exitCode: section.exitCode, text: redact(text, section: section.name.rawValue),
                truncated: section.truncated)
            guard let port = section.port else {
                // The collector frames each host section once; a repeat is not allowed to replace the first.
                if snapshot.sections[section.name.rawValue] == nil {
                    snapshot.sections[section.name.rawValue] = captured
                }
                continue
            }
            if instances[port] == nil {
                let listed = host.redis.contains { $0.port == port }
                instances[port] = InstanceSnapshot(port: port, origin: listed ? .both : .discovered)
                order.append(port)
            }
            if section.overTLS { instances[port]?.reachedOverTLS = true }
            switch section.name {
            case .configFile, .configFileSkipped:
                let path = section.path ?? ""
                let skipped =
                    section.name == .configFileSkipped
                    ? captured.text.trimmingCharacters(in: .whitespacesAndNewlines) : nil
                var capture = ConfigFileCapture(
                    path: path, text: skipped == nil ? captured.text : "", exitCode: section.exitCode,
                    skipped: skipped, truncated: section.truncated)
                if !capture.wasRead && ConfigFileCapture.saysPermissionDenied(skipped ?? section.text) {
                    capture.refusedToLoginUser = true
                }
                instances[port]?.configFiles.append(capture)
                if instances[port]?.configFile == nil { instances[port]?.configFile = path }
            default:
                if instances[port]?.sections[section.name.rawValue] == nil {
                    instances[port]?.sections[section.name.rawValue] = captured
                }
            }
        }
        // What needed privilege and what could not be read: a note every report shows beside the host.
        if let access = snapshot[.access], let note = AccessLog(parsing: access.text).note {
            snapshot.collectionNotes.append(CollectionNote(.access, note))
        }
        let listening = snapshot[.listeningSockets]?.text ?? ""
        for (port, instance) in instances {
            // Two fields of INFO, found as `RedisInfo(parsing:)` would find them, without parsing the rest.
            let info = RedisInfo.firstValues(
                of: ["process_id", "redis_version"], in: instance.sections[SectionName.info.rawValue]?.text ?? "")
            instances[port]?.pid = info["process_id"].flatMap { Int64($0) }.flatMap { Int(exactly: $0) }
            instances[port]?.sentCredentials = credentialPorts.map { $0.contains(port) }
            // Listed but neither answering nor listening: the inventory expects an instance that is not running.
            let isListening = Self.holds(listening, ":\(port) ") || Self.holds(listening, ":\(port)\t")
            if info["redis_version"].flatMap(RedisVersion.init) == nil && !isListening && instance.origin == .both {
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
        let listedSet = Set(listedPorts)
        let discoveredPorts = order.filter { !listedSet.contains($0) }
        snapshot.instances = (listedPorts + discoveredPorts).compactMap { instances[$0] }
        return snapshot
    }

    /// The auditor's own account of what the parser left out; numbers only, no remote text.
    static func notes(for parsed: SectionStream.Parsed) -> [CollectionNote] {
        var notes: [CollectionNote] = []
        let unexpected = parsed.unexpected.count + parsed.unexpectedDropped
        if unexpected > 0 {
            notes.append(
                CollectionNote(
                    .unexpectedSections,
                    "\(unexpected) frame(s) not written by the collector (forged or corrupted output); "
                        + "\(parsed.unexpected.count) kept as data"))
        }
        if parsed.sectionsDropped > 0 || parsed.instancesDropped > 0 {
            notes.append(
                CollectionNote(
                    .sectionsDropped,
                    "more than the per-host bounds (\(CollectorScript.maximumSections) sections, "
                        + "\(CollectorScript.maximumInstances) instances): \(parsed.sectionsDropped) section(s) and "
                        + "\(parsed.instancesDropped) section(s) of further instances dropped"))
        }
        if parsed.unterminated > 0 {
            notes.append(
                CollectionNote(
                    .unterminatedSections, "\(parsed.unterminated) section(s) began and never ended (output cut)"))
        }
        return notes
    }

    /// Whether `text` holds `needle` (ASCII), as Foundation's `contains` answers. In ASCII text that is a search of
    /// bytes; other text keeps Foundation's comparison, whose rules for combining marks are not bytes'.
    static func holds(_ text: String, _ needle: String) -> Bool {
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else { return text.contains(needle) }
        return text.holdsBytes(of: needle)
    }

    /// Secrets never leave this function: one entry point in RedisFacts scrubs known passwords everywhere and removes
    /// secret values from config-shaped outputs and command lines by rule.
    func redact(_ text: String, section: String) -> String {
        SecretRedaction.redact(text, section: section, knownSecrets: knownSecrets)
    }
}
