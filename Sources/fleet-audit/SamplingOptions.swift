import ArgumentParser
import Collector

/// What a collection samples on each instance beyond the fixed reads (docs/collector.md#sampling).
struct SamplingOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Seconds between each instance's two write-rate samples, for source.full-sync (0: off).", valueName: "s"))
    var syncSampleSeconds = CollectionOptions().syncSampleSeconds

    @Option(
        help: ArgumentHelp(
            "Keys sampled per instance (SCAN + MEMORY USAGE, at most 2 s), for source.big-keys: N, or off.",
            valueName: "N|off"))
    var keySampling = String(CollectionOptions().keySampleCount)

    @Flag(help: "Keep sampled key names in snapshots and reports (escaped); by default only a hash of each is kept.")
    var showKeyNames = false

    func validate() throws {
        guard (0...60).contains(syncSampleSeconds) else {
            throw ValidationError("--sync-sample-seconds must be 0 to 60")
        }
        guard keySampling == "off" || Int(keySampling).map({ (1...100_000).contains($0) }) == true else {
            throw ValidationError("--key-sampling must be off or a number of keys from 1 to 100000")
        }
    }

    var collectionOptions: CollectionOptions {
        var options = CollectionOptions()
        options.syncSampleSeconds = syncSampleSeconds
        options.keySampleCount = keySampling == "off" ? 0 : Int(keySampling) ?? options.keySampleCount
        options.showKeyNames = showKeyNames
        return options
    }
}
