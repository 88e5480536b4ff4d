/// The two write-rate samples of the `write_sample` section: each a `time SECONDS` line (the host's clock) followed
/// by INFO fields (`master_repl_offset`, `total_net_input_bytes`, `server_time_usec`, ...).
///
/// The numbers are the host's word: every one is validated here (whole, non-negative, within Int64), and the rate
/// is computed with checked arithmetic, so a hostile or restarted server gives no rate (nil, with why), never a trap.
public struct WriteRateSamples: Sendable, Hashable {
    public struct Sample: Sendable, Hashable {
        /// The host's clock, in seconds (fractional where `date` gave nanoseconds).
        public var hostTime: Double?
        public var fields: [String: String]

        public func count(_ name: String) -> Int64? {
            fields[name].flatMap { Int64($0) }.flatMap { $0 >= 0 ? $0 : nil }
        }
    }

    public var first: Sample
    public var second: Sample

    /// Nil unless the text holds exactly two samples (a failed or skipped sampling prints one, or a reason).
    public init?(parsing text: String) {
        let samples = ASCIIBytes.withASCII(text, Self.samples(ascii:)) ?? Self.samples(text)
        guard samples.count == 2 else { return nil }
        first = samples[0]
        second = samples[1]
    }

    /// The samples of ASCII text, on its bytes: the same lines as `newlineSeparatedLines` (cut at bytes 10-13,
    /// empty ones dropped), and every Character one byte.
    private static func samples(ascii bytes: UnsafeBufferPointer<UInt8>) -> [Sample] {
        var samples: [Sample] = []
        for line in ASCIIBytes.pieces(bytes[...], isSeparator: { (10...13).contains($0) }).prefix(64) {
            if bytes[line].starts(with: "time ".utf8) {
                let value = Double(ASCIIBytes.string(bytes[(line.lowerBound + 5)..<line.upperBound])).flatMap {
                    $0.isFinite && $0 >= 0 ? $0 : nil
                }
                samples.append(Sample(hostTime: value, fields: [:]))
            } else if let colon = bytes[line].firstIndex(of: UInt8(ascii: ":")), !samples.isEmpty {
                let name = ASCIIBytes.string(bytes[line.lowerBound..<colon])
                guard colon - line.lowerBound <= 40, samples[samples.count - 1].fields[name] == nil else { continue }
                let value = bytes[(colon + 1)..<line.upperBound].prefix(64)
                samples[samples.count - 1].fields[name] = ASCIIBytes.string(value)
            }
        }
        return samples
    }

    private static func samples(_ text: String) -> [Sample] {
        var samples: [Sample] = []
        for line in text.newlineSeparatedLines.prefix(64) {
            if line.hasPrefix("time ") {
                let value = Double(line.dropFirst(5)).flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
                samples.append(Sample(hostTime: value, fields: [:]))
            } else if let colon = line.firstIndex(of: ":"), !samples.isEmpty {
                let name = String(line[..<colon])
                guard name.count <= 40, samples[samples.count - 1].fields[name] == nil else { continue }
                samples[samples.count - 1].fields[name] = String(line[line.index(after: colon)...].prefix(64))
            }
        }
        return samples
    }

    /// A measured write rate.
    public struct Rate: Sendable, Hashable {
        public var bytesPerSecond: Double
        /// `master_repl_offset` or `total_net_input_bytes`.
        public var counter: String
        public var seconds: Double
        /// `server_time_usec` or `host clock`.
        public var clock: String
        public var delta: Int64
    }

    /// The replicated bytes per second between the samples: the replication offset's growth when both samples had a
    /// backlog (only writes move it), else all client input (`total_net_input_bytes`: reads count too, so an upper
    /// bound). `.failure` says why there is no rate: a restart between the samples (another run_id, or a counter
    /// that went down), an interval under 1 s or over an hour, a number out of range.
    public func rate() -> Result<Rate, WriteRateError> {
        if let a = first.fields["run_id"], let b = second.fields["run_id"], a != b {
            return .failure(WriteRateError(reason: "the server restarted between the samples (run_id changed)"))
        }
        let seconds: Double
        let clock: String
        if let a = first.count("server_time_usec"), let b = second.count("server_time_usec"),
            let delta = b.subtractingChecked(a), delta > 0
        {
            seconds = Double(delta) / 1_000_000
            clock = "server_time_usec"
        } else if let a = first.hostTime, let b = second.hostTime, b > a {
            seconds = b - a
            clock = "host clock"
        } else {
            return .failure(WriteRateError(reason: "the samples carry no increasing clock"))
        }
        guard seconds >= 1, seconds <= 3_600 else {
            return .failure(WriteRateError(reason: "the samples are \(seconds) s apart (1 s to 1 h is usable)"))
        }
        let backlog = first.fields["repl_backlog_active"] == "1" && second.fields["repl_backlog_active"] == "1"
        let counter = backlog ? "master_repl_offset" : "total_net_input_bytes"
        guard let a = first.count(counter), let b = second.count(counter) else {
            return .failure(WriteRateError(reason: "\(counter) is missing or not a whole number from 0 to Int64.max"))
        }
        guard let delta = b.subtractingChecked(a), delta >= 0 else {
            return .failure(WriteRateError(reason: "\(counter) went down between the samples (a restart or a reset)"))
        }
        return .success(
            Rate(
                bytesPerSecond: Double(delta) / seconds, counter: counter, seconds: seconds, clock: clock, delta: delta)
        )
    }
}

/// Why no write rate could be measured.
public struct WriteRateError: Error, Sendable, Hashable {
    public let reason: String
}
