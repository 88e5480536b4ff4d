import FleetCore
import RedisFacts

/// Whether the full sync that starts an online migration can finish (docs/readiness.md#the-full-sync-model).
///
/// ElastiCache becomes a replica of the source: the source forks, writes (or streams) an RDB of its dataset, and
/// from the fork until the replica has loaded that RDB every write is buffered for the replica in its output buffer.
/// When that buffer passes `client-output-buffer-limit replica` (its hard limit at once, its soft limit for its
/// seconds) the source drops the replica, and the replica starts again with a new full sync, for ever under a steady
/// load (redis/redis#2315, #11534). Meanwhile the fork's copy-on-write and the buffer take memory the host must have.
///
/// The model, with the numbers it uses and where they come from:
/// - write rate R: bytes per second between the two samples (`WriteRateSamples.rate`);
/// - RDB size: `used_memory`, an upper bound (an RDB has no allocator overhead and compresses);
/// - fork F: `latest_fork_usec`, else 10 ms per GiB of RSS (Redis's latency documentation measures ~10 ms/GB on
///   modern HVM instances);
/// - save S: disk-based sync writes the RDB first (`rdb_last_bgsave_time_sec`, else as long as the transfer);
///   diskless sync streams it (S = 0);
/// - transfer T: `used_memory` at the policy's bandwidth (`InstanceContext.estimatedSyncSeconds`);
/// - load L: the replica parses the RDB about as fast as the link delivers it (L = T);
/// - buffered B = R × (F + S + T + L), against the replica class's hard limit, and its soft limit: the buffer stays
///   above it for (F + S + T + L) − soft ÷ R seconds;
/// - copy-on-write: `rdb_last_cow_size` when a fork measured it, else R × the child's lifetime × 8 (a write dirties
///   at least a 4 KiB page; 8 is a low amplification for values of a few hundred bytes), at most the RSS; plus B,
///   against MemAvailable (capped by the cgroup limit);
/// - backlog: a reconnect within `repl-timeout` resumes only when `repl-backlog-size` holds R × repl-timeout.
/// Fail when the sync cannot finish at the measured rate; warn when it would not at twice that rate
/// (`rateMargin`): a 5-second sample is one moment of a load that varies, and twice the moment is a modest peak.
public struct FullSyncModel: Sendable {
    /// Warn when the sync would break at this multiple of the measured write rate.
    public static let rateMargin = 2.0
    /// Fork seconds per GiB of RSS when the server has not forked yet.
    public static let forkSecondsPerGiB = 0.01
    /// Bytes of copy-on-write per byte written while the child lives, when no fork measured it.
    public static let copyOnWriteAmplification = 8.0

    /// One part of the verdict (the buffer, memory, the backlog).
    public struct Finding: Sendable, Hashable {
        public var status: CheckStatus
        public var summary: String
    }

    public private(set) var facts = FullSyncFacts()
    public private(set) var evidence: [Evidence] = []
    public private(set) var findings: [Finding] = []
    /// Why the model could not run at all (no write rate, no limits, no dataset size); nil when it ran.
    public private(set) var unknownReason: String?

    /// No model yet: what an `InstanceContext` holds until its facts are read.
    static let empty = FullSyncModel()

    private init() {}

    public init(_ context: InstanceContext) {
        guard context.answered else {
            unknownReason = context.silenceReason
            return
        }
        let samples: WriteRateSamples
        switch context.writeSamples {
        case .success(let value): samples = value
        case .failure(let failure):
            unknownReason = "no write rate was measured (\(failure.reason))"
            return
        }
        let rate: WriteRateSamples.Rate
        switch samples.rate() {
        case .success(let value): rate = value
        case .failure(let failure):
            unknownReason = "no write rate: \(failure.reason)"
            return
        }
        facts.writeBytesPerSecond = Int64(checked: rate.bytesPerSecond)
        facts.writeRateSource = rate.counter
        facts.sampleSeconds = rate.seconds
        evidence.append(
            Evidence(
                source: "write_sample \(rate.counter)", observed: "\(Format.bytes(facts.writeBytesPerSecond ?? 0))/s",
                note: "+\(rate.delta) bytes in \(Format.number(rate.seconds)) s (\(rate.clock))"
                    + (rate.counter == "total_net_input_bytes"
                        ? "; no backlog, so all client input: an upper bound" : "")
            ))
        guard let used = context.usedMemory, let transfer = context.estimatedSyncSeconds, transfer.isFinite else {
            unknownReason = context.info.unusableCount("used_memory") ?? "INFO has no used_memory"
            return
        }
        facts.rdbBytesEstimate = used
        facts.rdbEstimateSource = "used_memory"
        evidence.append(context.infoEvidence("used_memory"))
        guard let (limitValue, limitEvidence) = context.setting("client-output-buffer-limit"),
            let limit = ClientOutputBufferLimit.replica(in: limitValue), limit.hardBytes >= 0, limit.softBytes >= 0,
            limit.softSeconds >= 0
        else {
            unknownReason =
                "client-output-buffer-limit is not readable (\(context.settingGap("client-output-buffer-limit")))"
            return
        }
        evidence.append(limitEvidence)
        facts.bufferLimitBytes = limit.hardBytes
        facts.bufferSoftLimitBytes = limit.softBytes
        facts.bufferSoftSeconds = limit.softSeconds

        // The phases, in seconds.
        let rss = context.info.usedMemoryRSS ?? used
        let fork: Double
        if let usec = context.info.count("latest_fork_usec"), usec > 0 {
            fork = Double(usec) / 1_000_000
            evidence.append(context.infoEvidence("latest_fork_usec"))
        } else {
            fork = Double(rss) / 1_073_741_824 * Self.forkSecondsPerGiB
        }
        let diskless = context.setting("repl-diskless-sync")
        let isDiskless = diskless?.value.lowercased() == "yes"
        if let diskless { evidence.append(diskless.evidence) }
        let save: Double
        if isDiskless {
            save = 0
        } else if let seconds = context.info.rdbLastBgsaveTimeSeconds, seconds >= 0 {
            save = Double(seconds)
        } else {
            save = transfer
        }
        let load = transfer
        let duration = fork + save + transfer + load
        facts.forkSeconds = fork
        facts.saveSeconds = save
        facts.transferSeconds = transfer
        facts.loadSeconds = load
        facts.bufferedSeconds = duration
        let phases =
            "fork \(Format.number(fork)) s + save \(Format.number(save)) s + transfer \(Format.number(transfer)) s"
            + " + load \(Format.number(load)) s"
        guard let buffered = Int64(checked: rate.bytesPerSecond * duration) else {
            unknownReason =
                "the bytes buffered during the sync (write rate × \(Format.number(duration)) s) are out of range"
            return
        }
        facts.bufferedBytes = buffered
        evidence.append(
            Evidence(source: "model", observed: "\(Format.bytes(buffered)) buffered", note: phases))

        bufferFinding(limit, rate: rate.bytesPerSecond, duration: duration, buffered: buffered, phases: phases)
        memoryFinding(
            context, rss: rss, rate: rate.bytesPerSecond,
            childSeconds: fork + (isDiskless ? transfer : save), buffered: buffered)
        backlogFinding(context, rate: rate.bytesPerSecond)
    }

    /// The worst finding, or unknown when the model could not run or a part of it could not tell.
    public var status: CheckStatus {
        if unknownReason != nil { return .unknown }
        let statuses = findings.map(\.status)
        if statuses.contains(.fail) { return .fail }
        if statuses.contains(.unknown) { return .unknown }
        if statuses.contains(.warn) { return .warn }
        return .pass
    }

    /// What part of the limit breaks at `rate`: `hard`, `soft`, or nil.
    static func breaks(_ limit: ClientOutputBufferLimit, rate: Double, duration: Double) -> String? {
        if limit.hardBytes > 0 && rate * duration >= Double(limit.hardBytes) { return "hard" }
        // Above the soft limit from soft ÷ rate seconds on, until the replica has loaded the RDB.
        if limit.softBytes > 0, rate > 0, duration - Double(limit.softBytes) / rate >= Double(limit.softSeconds) {
            return "soft"
        }
        return nil
    }

    private mutating func bufferFinding(
        _ limit: ClientOutputBufferLimit, rate: Double, duration: Double, buffered: Int64, phases: String
    ) {
        let limits = "replica \(Format.bytes(limit.hardBytes)) \(Format.bytes(limit.softBytes)) \(limit.softSeconds)"
        if let part = Self.breaks(limit, rate: rate, duration: duration) {
            findings.append(
                Finding(
                    status: .fail,
                    summary:
                        "\(Format.bytes(buffered)) of writes buffered during the \(Format.number(duration)) s sync pass the \(part) limit of \(limits)"
                ))
        } else if let part = Self.breaks(limit, rate: rate * Self.rateMargin, duration: duration) {
            findings.append(
                Finding(
                    status: .warn,
                    summary:
                        "at \(Format.number(Self.rateMargin))× the measured write rate the buffer would pass the \(part) limit of \(limits)"
                ))
        } else {
            findings.append(Finding(status: .pass, summary: "the replica buffer holds the sync's writes"))
            return
        }
        // The recommended limits hold twice the buffered bytes: hard and soft (half the hard, when that is enough).
        let hardMiB = Self.mebibytes(Double(buffered) * Self.rateMargin)
        let hard = max(hardMiB, Self.mebibytes(Double(limit.hardBytes)))
        var soft = max(1, hard / 2)
        let candidate = ClientOutputBufferLimit(
            hardBytes: Int64(clamping: hard) << 20, softBytes: Int64(clamping: soft) << 20, softSeconds: 60)
        if Self.breaks(candidate, rate: rate * Self.rateMargin, duration: duration) != nil { soft = hard }
        facts.recommended.append(
            FullSyncFacts.Recommendation(
                setting: "client-output-buffer-limit replica \(hard)mb \(soft)mb 60",
                because:
                    "\(Format.number(Self.rateMargin)) × \(Format.bytes(buffered)) buffered at \(Format.bytes(Int64(checked: rate) ?? 0))/s for \(phases)"
            ))
    }

    private mutating func memoryFinding(
        _ context: InstanceContext, rss: Int64, rate: Double, childSeconds: Double, buffered: Int64
    ) {
        guard var available = context.memInfo?.available else {
            findings.append(Finding(status: .unknown, summary: "free memory is unknown (/proc/meminfo not read)"))
            return
        }
        if let limit = context.hostFacts.cgroupMemoryLimit, limit < (context.memInfo?.total ?? .max) {
            available = min(available, limit)
        }
        facts.availableMemoryBytes = available
        let measured = context.info.count("rdb_last_cow_size").flatMap { $0 > 0 ? $0 : nil }
        func need(_ rate: Double, _ buffered: Double) -> Double {
            let copyOnWrite =
                measured.map(Double.init) ?? min(Double(rss), rate * childSeconds * Self.copyOnWriteAmplification)
            return copyOnWrite + buffered
        }
        let copyOnWrite = need(rate, 0)
        guard let copyOnWriteBytes = Int64(checked: copyOnWrite) else {
            findings.append(Finding(status: .unknown, summary: "the copy-on-write estimate is out of range"))
            return
        }
        facts.copyOnWriteBytes = copyOnWriteBytes
        evidence.append(
            measured != nil
                ? context.infoEvidence("rdb_last_cow_size")
                : Evidence(
                    source: "model", observed: "\(Format.bytes(copyOnWriteBytes)) copy-on-write",
                    note:
                        "write rate × \(Format.number(childSeconds)) s × \(Format.number(Self.copyOnWriteAmplification)), at most used_memory_rss"
                ))
        evidence.append(
            Evidence(source: "/proc/meminfo MemAvailable (or the cgroup limit)", observed: Format.bytes(available)))
        let needed = need(rate, Double(buffered))
        let summary = "copy-on-write \(Format.bytes(copyOnWriteBytes)) + buffer \(Format.bytes(buffered))"
        if needed > Double(available) {
            findings.append(
                Finding(status: .fail, summary: "\(summary) exceed the \(Format.bytes(available)) available"))
        } else if need(rate * Self.rateMargin, Double(buffered) * Self.rateMargin) > Double(available) {
            findings.append(
                Finding(
                    status: .warn,
                    summary:
                        "at \(Format.number(Self.rateMargin))× the write rate, \(summary) would exceed the \(Format.bytes(available)) available"
                ))
        } else {
            findings.append(Finding(status: .pass, summary: "\(summary) fit in \(Format.bytes(available))"))
        }
    }

    private mutating func backlogFinding(_ context: InstanceContext, rate: Double) {
        guard let (value, backlogEvidence) = context.setting("repl-backlog-size"), let backlog = ByteSize.parse(value),
            backlog >= 0
        else {
            findings.append(Finding(status: .unknown, summary: "repl-backlog-size is not readable"))
            return
        }
        let timeoutSetting = context.setting("repl-timeout")
        guard let timeout = Int64(timeoutSetting?.value ?? "60"), timeout > 0 else {
            findings.append(Finding(status: .unknown, summary: "repl-timeout is not a positive whole number"))
            return
        }
        evidence.append(backlogEvidence)
        if let timeoutSetting { evidence.append(timeoutSetting.evidence) }
        facts.backlogBytes = backlog
        guard let needed = Int64(checked: rate * Double(timeout)) else {
            findings.append(Finding(status: .unknown, summary: "the writes during repl-timeout are out of range"))
            return
        }
        facts.backlogNeededBytes = needed
        if Double(backlog) >= Double(needed) * Self.rateMargin {
            findings.append(Finding(status: .pass, summary: "the backlog holds a reconnect within repl-timeout"))
            return
        }
        findings.append(
            Finding(
                status: .warn,
                summary:
                    "repl-backlog-size \(Format.bytes(backlog)) holds less than \(Format.number(Self.rateMargin)) × the \(Format.bytes(needed)) written in repl-timeout \(timeout) s: a reconnect would need a new full sync"
            ))
        let wanted = max(Self.mebibytes(Double(needed) * Self.rateMargin), 1)
        facts.recommended.append(
            FullSyncFacts.Recommendation(
                setting: "repl-backlog-size \(wanted)mb",
                because:
                    "\(Format.number(Self.rateMargin)) × \(Format.bytes(Int64(checked: rate) ?? 0))/s × repl-timeout \(timeout) s"
            ))
    }

    /// Whole mebibytes holding `bytes` (rounded up), saturated far below Int64's range.
    static func mebibytes(_ bytes: Double) -> Int64 {
        guard bytes.isFinite, bytes > 0 else { return 0 }
        return Int64(checked: min((bytes / 1_048_576).rounded(.up), 1e12)) ?? 0
    }
}

extension FullSyncModel {
    /// report.json's `facts.full_sync`: nil when no write-rate samples were collected (older runs, sampling off).
    static func facts(_ context: InstanceContext) -> FullSyncFacts? {
        guard case .success = context.writeSamples else { return nil }
        return context.fullSync.facts
    }
}

/// report.json's `facts.largest_keys`.
enum SourceBigKeysFacts {
    static func largestKeys(_ context: InstanceContext) -> [KeySizeFact]? {
        guard case .success(let sample) = context.keySample else { return nil }
        return sample.keys.prefix(10).map { key in
            KeySizeFact(
                type: key.type, bytes: key.bytes, elements: key.elements, measuredBy: key.measuredBy,
                database: key.database, name: key.nameCut ? key.name + " (cut)" : key.name)
        }
    }
}
