import FleetCore
import Reports

/// The `instance.facts` column: an instance's facts as `JSONEncoder` with `.sortedKeys` writes them (the text the
/// Codable record stored, and what `InstanceRow` decodes), written by a compact `JSONWriter` instead. A 1,000-host
/// run has about 1,300 instances of nearly 2 KB of facts each, and the encoder spent about 90 µs on each
/// (docs/benchmarks.md#the-offline-pipeline).
///
/// Keys are in byte order, as that encoder sorts them; an absent optional has no key. The one difference: hidden
/// scalars (bidi controls, zero-width...) in a string become `\u` escapes, which decode to the same string.
/// `InstanceFactsJSONTests` holds every field to the encoder's bytes.
enum InstanceFactsJSON {
    static func text(_ facts: InstanceFacts) -> String {
        var json = JSONWriter.databaseColumn(reservingCapacity: 512 + (facts.largestKeys?.count ?? 0) * 128)
        json.object { json in
            json.field("clientAddresses", strings: facts.clientAddresses)
            json.optionalField("connectedClients", int: facts.connectedClients)
            json.key("databasesWithKeys")
            json.array(facts.databasesWithKeys) { $0.int($1) }
            json.optionalField("estimatedSyncSeconds", double: facts.estimatedSyncSeconds)
            if let fullSync = facts.fullSync {
                json.key("fullSync")
                write(fullSync, into: &json)
            }
            json.optionalField("keys", int: facts.keys)
            json.optionalField("keysWithExpiry", int: facts.keysWithExpiry)
            if let largestKeys = facts.largestKeys {
                json.key("largestKeys")
                json.array(largestKeys) { json, key in
                    json.object { json in
                        json.optionalField("bytes", int: key.bytes)
                        json.field("database", int: key.database)
                        json.optionalField("elements", int: key.elements)
                        json.field("measuredBy", string: key.measuredBy)
                        json.field("name", string: key.name)
                        json.field("type", string: key.type)
                    }
                }
            }
            json.optionalField("maxmemoryBytes", int: facts.maxmemoryBytes)
            json.optionalField("redisVersion", string: facts.redisVersion)
            json.optionalField("role", string: facts.role)
            json.optionalField("smallestFittingNodeType", string: facts.smallestFittingNodeType)
            json.optionalField("usedMemoryBytes", int: facts.usedMemoryBytes)
        }
        return json.compactText
    }

    private static func write(_ sync: FullSyncFacts, into json: inout JSONWriter) {
        json.object { json in
            json.optionalField("availableMemoryBytes", int: sync.availableMemoryBytes)
            json.optionalField("backlogBytes", int: sync.backlogBytes)
            json.optionalField("backlogNeededBytes", int: sync.backlogNeededBytes)
            json.optionalField("bufferLimitBytes", int: sync.bufferLimitBytes)
            json.optionalField("bufferSoftLimitBytes", int: sync.bufferSoftLimitBytes)
            json.optionalField("bufferSoftSeconds", int: sync.bufferSoftSeconds)
            json.optionalField("bufferedBytes", int: sync.bufferedBytes)
            json.optionalField("bufferedSeconds", double: sync.bufferedSeconds)
            json.optionalField("copyOnWriteBytes", int: sync.copyOnWriteBytes)
            json.optionalField("forkSeconds", double: sync.forkSeconds)
            json.optionalField("loadSeconds", double: sync.loadSeconds)
            json.optionalField("rdbBytesEstimate", int: sync.rdbBytesEstimate)
            json.optionalField("rdbEstimateSource", string: sync.rdbEstimateSource)
            json.key("recommended")
            json.array(sync.recommended) { json, recommendation in
                json.object { json in
                    json.field("because", string: recommendation.because)
                    json.field("setting", string: recommendation.setting)
                }
            }
            json.optionalField("sampleSeconds", double: sync.sampleSeconds)
            json.optionalField("saveSeconds", double: sync.saveSeconds)
            json.optionalField("transferSeconds", double: sync.transferSeconds)
            json.optionalField("writeBytesPerSecond", int: sync.writeBytesPerSecond)
            json.optionalField("writeRateSource", string: sync.writeRateSource)
        }
    }
}
