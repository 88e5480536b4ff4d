/// What the full-sync model (source.full-sync, docs/readiness.md#the-full-sync-model) measured and concluded for one
/// instance: report.json's `facts.full_sync`. Every number is nil when its inputs were missing or out of range.
public struct FullSyncFacts: Sendable, Hashable, Codable {
    /// Replicated bytes written per second, measured between the two samples.
    public var writeBytesPerSecond: Int64?
    /// Which counter measured it: `master_repl_offset` (a backlog exists) or `total_net_input_bytes` (all input).
    public var writeRateSource: String?
    /// Seconds between the two samples (the server's clock when it reports one, else the host's).
    public var sampleSeconds: Double?
    public var rdbBytesEstimate: Int64?
    /// Where the RDB estimate came from (`used_memory`, an upper bound).
    public var rdbEstimateSource: String?
    public var forkSeconds: Double?
    /// Seconds the RDB is written to disk before the transfer (disk-based sync; 0 when diskless).
    public var saveSeconds: Double?
    public var transferSeconds: Double?
    /// Seconds the replica takes to load the RDB (assumed equal to the transfer).
    public var loadSeconds: Double?
    /// Seconds the replica's output buffer fills: fork + save + transfer + load.
    public var bufferedSeconds: Double?
    /// Writes buffered for the replica during those seconds.
    public var bufferedBytes: Int64?
    /// The replica class's hard limit (0: none).
    public var bufferLimitBytes: Int64?
    public var bufferSoftLimitBytes: Int64?
    public var bufferSoftSeconds: Int64?
    /// `repl-backlog-size`.
    public var backlogBytes: Int64?
    /// Writes during `repl-timeout`: what a reconnect within it needs the backlog to hold.
    public var backlogNeededBytes: Int64?
    public var copyOnWriteBytes: Int64?
    /// Memory the host has for copy-on-write and the replica's buffer (MemAvailable, or the cgroup's room).
    public var availableMemoryBytes: Int64?
    /// Settings that would let the sync finish, each with the numbers that justify it.
    public var recommended: [Recommendation]

    public init(recommended: [Recommendation] = []) { self.recommended = recommended }

    /// One setting to change, and why.
    public struct Recommendation: Sendable, Hashable, Codable {
        /// The redis.conf line (also valid after CONFIG SET), e.g. `client-output-buffer-limit replica 1024mb 512mb 60`.
        public var setting: String
        public var because: String

        public init(setting: String, because: String) {
            self.setting = setting
            self.because = because
        }
    }
}

/// One of the largest keys the bounded sampling found (source.big-keys): report.json's `facts.largest_keys`.
public struct KeySizeFact: Sendable, Hashable, Codable {
    /// The Redis type as TYPE named it (`string`, `hash`, ...; `unknown` when it did not answer).
    public var type: String
    /// Bytes: MEMORY USAGE's estimate, or STRLEN for a string on a server without MEMORY; nil when only an element
    /// count is known.
    public var bytes: Int64?
    /// Elements, when a length command (LLEN, HLEN, ...) measured an aggregate.
    public var elements: Int64?
    /// `memory`, `strlen`, `llen`, `hlen`, `scard`, `zcard`, `xlen`.
    public var measuredBy: String
    public var database: Int
    /// `sha256:<first 12 hex digits>` of the name's bytes, or, with --show-key-names, the name as redis-cli quotes
    /// it (printable ASCII, escapes for everything else), at most 512 characters.
    public var name: String

    public init(type: String, bytes: Int64?, elements: Int64?, measuredBy: String, database: Int, name: String) {
        self.type = type
        self.bytes = bytes
        self.elements = elements
        self.measuredBy = measuredBy
        self.database = database
        self.name = name
    }
}
