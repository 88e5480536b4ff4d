import FleetCore

extension JSONReporter {
    /// `facts.full_sync` (docs/report-schema.md), written only when write rates were sampled: reports of runs
    /// without samples keep their bytes.
    static func fullSync(_ facts: FullSyncFacts?, into json: inout JSONWriter) {
        guard let facts else { return }
        json.key("full_sync")
        json.object { json in
            json.field("available_memory_bytes", int: facts.availableMemoryBytes)
            json.field("backlog_bytes", int: facts.backlogBytes)
            json.field("backlog_needed_bytes", int: facts.backlogNeededBytes)
            json.field("buffer_limit_bytes", int: facts.bufferLimitBytes)
            json.field("buffer_soft_limit_bytes", int: facts.bufferSoftLimitBytes)
            json.field("buffer_soft_seconds", int: facts.bufferSoftSeconds)
            json.field("buffered_bytes", int: facts.bufferedBytes)
            json.field("buffered_seconds", double: facts.bufferedSeconds)
            json.field("copy_on_write_bytes", int: facts.copyOnWriteBytes)
            json.field("fork_seconds", double: facts.forkSeconds)
            json.field("load_seconds", double: facts.loadSeconds)
            json.field("rdb_bytes_estimate", int: facts.rdbBytesEstimate)
            json.field("rdb_estimate_source", string: facts.rdbEstimateSource)
            json.key("recommended")
            json.array(facts.recommended) { json, recommendation in
                json.object { json in
                    json.field("because", string: recommendation.because)
                    json.field("setting", string: recommendation.setting)
                }
            }
            json.field("sample_seconds", double: facts.sampleSeconds)
            json.field("save_seconds", double: facts.saveSeconds)
            json.field("transfer_seconds", double: facts.transferSeconds)
            json.field("write_bytes_per_second", int: facts.writeBytesPerSecond)
            json.field("write_rate_source", string: facts.writeRateSource)
        }
    }

    /// `facts.largest_keys`, largest first, written only when keys were sampled.
    static func largestKeys(_ keys: [KeySizeFact]?, into json: inout JSONWriter) {
        guard let keys else { return }
        json.key("largest_keys")
        json.array(keys) { json, key in
            json.object { json in
                json.field("bytes", int: key.bytes)
                json.field("database", int: key.database)
                json.field("elements", int: key.elements)
                json.field("measured_by", string: key.measuredBy)
                json.field("name", string: key.name)
                json.field("type", string: key.type)
            }
        }
    }
}
