import Foundation

@testable import FleetCore

/// Foundation's coders configured as RunStore configured them before the hand-written reader and writer: the
/// reference both are held to.
enum FoundationSnapshotCoding {
    static func encode(_ snapshot: HostSnapshot) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(snapshot)
    }

    static func decode(_ data: Data) throws -> HostSnapshot {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(HostSnapshot.self, from: data)
    }
}
