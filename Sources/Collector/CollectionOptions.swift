/// What a collection samples beyond the fixed reads (docs/collector.md#sampling), from the CLI.
public struct CollectionOptions: Sendable, Hashable {
    /// Seconds between each instance's two write-rate samples (0: no sampling, and source.full-sync is unknown).
    /// 5 s by default: long enough that a steady load of a few writes a second moves the counters by whole
    /// commands and the clock's resolution (a host `date` without nanoseconds has 1 s) costs at most 20%, short
    /// enough to overlap the rest of the collection (about a second per instance) with little extra wait.
    public var syncSampleSeconds: Int
    /// At most this many keys sampled per instance (0: no sampling, and source.big-keys is unknown). 1,000 by
    /// default: about 10 SCAN pages and 2,000 TYPE/MEMORY USAGE round trips on one connection, a few hundred
    /// milliseconds on a LAN, each O(1) on the server (MEMORY USAGE's default SAMPLES 5).
    public var keySampleCount: Int
    /// SCAN stops after this many seconds (2 s by default), whatever the key count; sizing what it found is then
    /// bounded by the time left, at least 2 s.
    public var keySampleSeconds: Int
    /// Keep key names in snapshots and reports (quoted and escaped); otherwise only a hash of each is stored.
    public var showKeyNames: Bool

    public init(
        syncSampleSeconds: Int = 5, keySampleCount: Int = 1_000, keySampleSeconds: Int = 2, showKeyNames: Bool = false
    ) {
        self.syncSampleSeconds = syncSampleSeconds
        self.keySampleCount = keySampleCount
        self.keySampleSeconds = keySampleSeconds
        self.showKeyNames = showKeyNames
    }

    /// The script's SYNC_SAMPLE and KEY_SAMPLE arguments (`COUNT,SECONDS`; `0,0` turns key sampling off).
    var scriptArguments: [String] {
        let keys = keySampleCount > 0 && keySampleSeconds > 0 ? "\(keySampleCount),\(keySampleSeconds)" : "0,0"
        return [String(max(0, syncSampleSeconds)), keys]
    }
}
