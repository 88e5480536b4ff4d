import Foundation

extension HostSnapshot {
    /// The stored form (`hosts/<name>.json`): byte for byte what `JSONEncoder` with `[.prettyPrinted, .sortedKeys,
    /// .withoutEscapingSlashes]` and the `.iso8601` date strategy writes for the `Codable` conformances (members in
    /// byte order, an absent optional without its key), written by a `JSONWriter` in one pass. A snapshot holds
    /// every section's text (30 KB a host in the lab), and the encoder's boxing of each value cost more than
    /// collecting it (docs/benchmarks.md#the-offline-pipeline). `HostSnapshotWritingTests` holds it to the encoder.
    public func storedJSON() -> Data {
        var json = JSONWriter(reservingCapacity: 4_096 + Self.textBytes(of: self) * 11 / 10, style: .prettyEncoder)
        json.object { json in
            json.field("collectedAt", string: collectedAt.formatted(.iso8601))
            json.key("collectionNotes")
            json.array(collectionNotes) { json, note in
                json.object { json in
                    json.field("kind", string: note.kind.rawValue)
                    json.field("message", string: note.message)
                }
            }
            if let failure {
                json.key("failure")
                json.object { json in
                    json.field("errorClass", string: failure.errorClass.rawValue)
                    json.optionalField("hop", string: failure.hop)
                    json.field("message", string: failure.message)
                    json.optionalField("phase", string: failure.phase?.rawValue)
                }
            }
            json.key("host")
            Self.write(host, into: &json)
            json.field("hostKeyUnverified", bool: hostKeyUnverified)
            json.key("instances")
            json.array(instances) { json, instance in Self.write(instance, into: &json) }
            json.field("schema", string: schema)
            json.key("sections")
            Self.write(sections, into: &json)
            json.key("unexpectedSections")
            json.array(unexpectedSections) { json, section in
                json.object { json in
                    json.field("name", string: section.name)
                    json.field("reason", string: section.reason)
                    json.field("text", string: section.text)
                    json.field("truncated", bool: section.truncated)
                }
            }
        }
        return json.data
    }

    private static func write(_ host: HostIdentity, into json: inout JSONWriter) {
        json.object { json in
            json.field("address", string: host.address)
            json.field("groups", strings: host.groups)
            json.field("name", string: host.name)
            json.field("port", int: host.port)
            json.field("securityGroupIDs", strings: host.securityGroupIDs)
            json.key("tags")
            json.object(sorting: host.tags)
            json.optionalField("vpcID", string: host.vpcID)
        }
    }

    private static func write(_ instance: InstanceSnapshot, into json: inout JSONWriter) {
        json.object { json in
            json.optionalField("configFile", string: instance.configFile)
            json.key("configFiles")
            json.array(instance.configFiles) { json, file in
                json.object { json in
                    json.optionalField("exitCode", int: file.exitCode)
                    json.field("path", string: file.path)
                    json.optionalField("refusedToLoginUser", bool: file.refusedToLoginUser)
                    json.optionalField("skipped", string: file.skipped)
                    json.field("text", string: file.text)
                    json.optionalField("truncated", bool: file.truncated)
                }
            }
            json.field("origin", string: instance.origin.rawValue)
            json.optionalField("pid", int: instance.pid)
            json.field("port", int: instance.port)
            json.optionalField("reachedOverTLS", bool: instance.reachedOverTLS)
            json.key("sections")
            write(instance.sections, into: &json)
            json.optionalField("sentCredentials", bool: instance.sentCredentials)
        }
    }

    private static func write(_ sections: [String: CapturedSection], into json: inout JSONWriter) {
        json.object(sorting: sections) { json, section in
            json.object { json in
                json.optionalField("exitCode", int: section.exitCode)
                json.field("text", string: section.text)
                json.field("truncated", bool: section.truncated)
            }
        }
    }

    /// The bytes of every section's and file's text: nearly all of the document.
    private static func textBytes(of snapshot: HostSnapshot) -> Int {
        func sum(_ sections: [String: CapturedSection]) -> Int { sections.values.reduce(0) { $0 + $1.text.utf8.count } }
        return snapshot.instances.reduce(sum(snapshot.sections)) { total, instance in
            instance.configFiles.reduce(total + sum(instance.sections)) { $0 + $1.text.utf8.count }
        }
    }
}

extension JSONWriter {
    /// A member only when the value is there (`JSONEncoder`'s `encodeIfPresent`).
    public mutating func optionalField<Integer: BinaryInteger>(_ key: String, int value: Integer?) {
        if let value { field(key, int: value) }
    }

    public mutating func optionalField(_ key: String, double value: Double?) {
        if let value { field(key, double: value) }
    }

    public mutating func optionalField(_ key: String, string value: String?) {
        if let value { field(key, string: value) }
    }

    public mutating func optionalField(_ key: String, bool value: Bool?) {
        if let value { field(key, bool: value) }
    }
}
