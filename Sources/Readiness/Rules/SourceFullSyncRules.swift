import FleetCore
import RedisFacts

extension CheckID {
    /// The migration's full sync can finish (FullSyncModel).
    public static let sourceFullSync: CheckID = "source.full-sync"
    /// No key too big for the replica output buffer.
    public static let sourceBigKeys: CheckID = "source.big-keys"
}

/// source.full-sync: the writes buffered for the replica during fork, transfer and load stay under the replica
/// output-buffer limit, the fork's copy-on-write and that buffer fit in free memory, and the backlog holds a
/// reconnect within repl-timeout. It supersedes source.output-buffer's estimate (instantaneous input over the
/// transfer alone) with a measured rate over the whole sync; both read the same limit and the same bandwidth.
struct SourceFullSyncRule: InstanceRule {
    let id = CheckID.sourceFullSync
    let title = "The full sync can finish"
    let severity = Severity.blocker

    func evaluate(_ context: InstanceContext) -> CheckResult {
        guard context.answered else { return silent(context) }
        let model = context.fullSync
        if let reason = model.unknownReason {
            return result(
                .unknown, "Cannot tell: \(reason).", model.evidence,
                remediation:
                    "Audit again with write-rate sampling on (--sync-sample-seconds, default 5) and the instance answering INFO and CONFIG GET."
            )
        }
        let status = model.status
        let relevant = model.findings.filter { $0.status == status }
        let summary = relevant.map(\.summary).joined(separator: "; ")
        let settings = model.facts.recommended.map { "CONFIG SET \(Self.configSet($0.setting)) (\($0.because))" }
        switch status {
        case .pass:
            return result(
                .pass,
                "At \(Format.bytes(model.facts.writeBytesPerSecond ?? 0))/s the sync buffers \(Format.bytes(model.facts.bufferedBytes ?? 0)) over \(Format.number(model.facts.bufferedSeconds ?? 0)) s: it fits the limits and memory.",
                model.evidence)
        case .fail, .warn:
            var remediation = settings.joined(separator: "; ")
            if model.findings.contains(where: { $0.status != .pass && $0.summary.contains("available") }) {
                remediation +=
                    (remediation.isEmpty ? "" : "; ")
                    + "free memory on the host (or move the instance) before the sync, or run it when writes are low"
            }
            return result(
                status, "Full sync: \(summary).", model.evidence,
                remediation: remediation + ". No restart needed; write the same lines in redis.conf.")
        default:
            return result(
                .unknown, "Cannot tell: \(summary).", model.evidence,
                remediation: "Make the values in the evidence readable to the audit.")
        }
    }

    /// `client-output-buffer-limit replica 1mb 1mb 60` as CONFIG SET takes it (the value quoted).
    static func configSet(_ line: String) -> String {
        guard let space = line.firstIndex(of: " ") else { return line }
        return "\(line[..<space]) \"\(line[line.index(after: space)...])\""
    }
}

/// source.big-keys: a key at or above the replica output-buffer hard limit loops the sync: the buffer holding it
/// passes the limit, the replica is dropped, reconnects, and the same key passes it again (redis/redis#11667, fixed
/// in 7.0.8 for the backlog's share, still true of a key bigger than the limit). Measured by bounded sampling.
struct SourceBigKeysRule: InstanceRule {
    let id = CheckID.sourceBigKeys
    let title = "No key too big for the replica output buffer"
    let severity = Severity.blocker
    /// Warn from half the hard limit: a key that grows (a list, a stream) or a buffer already holding other writes
    /// reaches the limit with less than its own size.
    static let warnShare = 0.5

    func evaluate(_ context: InstanceContext) -> CheckResult {
        guard context.answered else { return silent(context) }
        let sample: KeySample
        switch context.keySample {
        case .success(let value): sample = value
        case .failure(let failure):
            return result(
                .unknown, "Cannot tell: keys were not sampled (\(failure.reason)).", [],
                remediation: "Audit again with key sampling on (--key-sampling N, default 1000).")
        }
        guard let (value, limitEvidence) = context.setting("client-output-buffer-limit") else {
            return hiddenSetting("client-output-buffer-limit", context)
        }
        guard let limit = ClientOutputBufferLimit.replica(in: value), limit.hardBytes >= 0 else {
            return result(
                .unknown, "client-output-buffer-limit has no readable replica class.", [limitEvidence],
                remediation: "Check the setting on the host.")
        }
        let total = InstanceContext.total(context.info.keyspace.map(\.keys))
        let coverage =
            sample.complete
            ? "all \(sample.sampled) keys" : "\(sample.sampled) sampled of \(total.map(String.init) ?? "?") keys"
        var evidence = [
            limitEvidence,
            Evidence(
                source: "key sampling (SCAN, TYPE, \(sample.measure == "memory" ? "MEMORY USAGE" : "length commands"))",
                observed: coverage),
        ]
        let largest = sample.keys.prefix(5)
        evidence += largest.map { key in
            Evidence(
                source: "key db\(key.database) \(key.name.prefix(80))",
                observed: key.bytes.map(Format.bytes) ?? "\(key.elements ?? 0) elements",
                note: "\(key.type), \(key.measuredBy)")
        }
        guard limit.hardBytes > 0 else {
            return result(.pass, "The replica buffer has no hard limit (\(coverage)).", evidence)
        }
        let hard = limit.hardBytes
        let sized = sample.keys.compactMap { key in key.bytes.map { (key, $0) } }
        let biggest = sized.max { $0.1 < $1.1 }
        // The limit to set: above twice the biggest key (Int64 is checked: a hostile size gives no advice).
        let advice = biggest.flatMap { $0.1.multipliedChecked(by: 2) }.map {
            "CONFIG SET client-output-buffer-limit \"replica \(FullSyncModel.mebibytes(Double($0)))mb \(FullSyncModel.mebibytes(Double($0)) / 2)mb 60\" for the migration (no restart), or split the key"
        }
        if let (key, bytes) = biggest, bytes >= hard {
            return result(
                .fail,
                "Key \(key.name.prefix(40)) (\(key.type), \(Format.bytes(bytes))) is at or above the replica hard limit \(Format.bytes(hard)): the sync would loop.",
                evidence, remediation: advice ?? "Split the key, or raise the replica hard limit above it.")
        }
        if let (key, bytes) = biggest, Double(bytes) >= Double(hard) * Self.warnShare {
            return result(
                .warn,
                "Key \(key.name.prefix(40)) (\(key.type), \(Format.bytes(bytes))) is over half the replica hard limit \(Format.bytes(hard)).",
                evidence, remediation: advice ?? "Split the key, or raise the replica hard limit.")
        }
        // An aggregate sized only by its length (Redis before 4.0) could be big: its bytes were not read.
        if let unsized = sample.keys.first(where: { $0.bytes == nil }) {
            return result(
                .unknown,
                "Cannot tell: \(unsized.type) \(unsized.name.prefix(40)) has \(unsized.elements.map(String.init) ?? "?") elements and no byte size (MEMORY USAGE needs Redis 4.0).",
                evidence, remediation: "Measure the key's serialized size on the host (DEBUG OBJECT serializedlength).")
        }
        return result(
            .pass,
            "The largest key\(sample.complete ? "" : " sampled") is \(biggest.map { Format.bytes($0.1) } ?? "none"), under the replica hard limit \(Format.bytes(hard)) (\(coverage)).",
            evidence)
    }
}
