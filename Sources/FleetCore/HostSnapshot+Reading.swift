import Foundation

extension HostSnapshot {
    /// Reads a stored snapshot (`hosts/<name>.json`): what `JSONDecoder` with the `.iso8601` date strategy reads,
    /// several times faster. The bytes are read through `JSONTree` and mapped by hand with the rules of the
    /// `Codable` conformances (a missing or null optional is nil, unknown keys are ignored, older snapshots without
    /// `unexpectedSections` and `collectionNotes` read with both empty); whatever that path does not take (a number
    /// with a fraction, a date with a time zone other than `Z`, a type mismatch, anything malformed) goes to
    /// `JSONDecoder`, which gives the value or the error.
    public static func read(from data: Data) throws -> HostSnapshot {
        if let snapshot = fastRead(from: data) { return snapshot }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(HostSnapshot.self, from: data)
    }

    /// The fast path alone: nil when the bytes are not in the form it takes (tests compare it with JSONDecoder).
    static func fastRead(from data: Data) -> HostSnapshot? {
        guard case .object(let fields)? = JSONTree.parse(data) else { return nil }
        return try? HostSnapshot(fields: Fields(fields))
    }

    private init(fields: Fields) throws {
        self.init(host: try HostIdentity(fields: fields.object("host")), collectedAt: try fields.date("collectedAt"))
        schema = try fields.string("schema")
        failure = try fields.optionalObject("failure").map(Failure.init(fields:))
        sections = try fields.sections("sections")
        instances = try fields.array("instances").map { tree throws in
            try InstanceSnapshot(fields: Fields.object(tree))
        }
        hostKeyUnverified = try fields.bool("hostKeyUnverified")
        unexpectedSections =
            try fields.optionalArray("unexpectedSections")?.map { tree throws in
                let section = try Fields.object(tree)
                return UnexpectedSection(
                    name: try section.string("name"), reason: try section.string("reason"),
                    text: try section.string("text"), truncated: try section.bool("truncated"))
            } ?? []
        collectionNotes =
            try fields.optionalArray("collectionNotes")?.map { tree throws in
                let note = try Fields.object(tree)
                guard let kind = CollectionNote.Kind(rawValue: try note.string("kind")) else {
                    throw Fields.Mismatch()
                }
                return CollectionNote(kind, try note.string("message"))
            } ?? []
    }
}

extension HostIdentity {
    fileprivate init(fields: Fields) throws {
        self.init(
            name: try fields.string("name"), address: try fields.string("address"), port: try fields.integer("port"),
            tags: try fields.stringDictionary("tags"), groups: try fields.strings("groups"),
            vpcID: try fields.optionalString("vpcID"), securityGroupIDs: try fields.strings("securityGroupIDs"))
    }
}

extension Failure {
    fileprivate init(fields: Fields) throws {
        guard let errorClass = FailureClass(rawValue: try fields.string("errorClass")) else { throw Fields.Mismatch() }
        var phase: SessionPhase?
        if let raw = try fields.optionalString("phase") {
            guard let known = SessionPhase(rawValue: raw) else { throw Fields.Mismatch() }
            phase = known
        }
        self.init(
            errorClass, phase: phase, message: try fields.string("message"), hop: try fields.optionalString("hop"))
    }
}

extension InstanceSnapshot {
    fileprivate init(fields: Fields) throws {
        guard let origin = Origin(rawValue: try fields.string("origin")) else { throw Fields.Mismatch() }
        self.init(
            port: try fields.integer("port"), pid: try fields.optionalInteger("pid"),
            configFile: try fields.optionalString("configFile"), origin: origin,
            sections: try fields.sections("sections"))
        configFiles = try fields.array("configFiles").map { tree throws in
            let file = try Fields.object(tree)
            var capture = ConfigFileCapture(
                path: try file.string("path"), text: try file.string("text"),
                exitCode: try file.optionalInteger("exitCode"), skipped: try file.optionalString("skipped"))
            capture.truncated = try file.optionalBool("truncated")
            capture.refusedToLoginUser = try file.optionalBool("refusedToLoginUser")
            return capture
        }
        reachedOverTLS = try fields.optionalBool("reachedOverTLS")
        sentCredentials = try fields.optionalBool("sentCredentials")
    }
}

/// One JSON object's members, read with the rules of synthesized `Decodable`.
private struct Fields {
    struct Mismatch: Error {}

    let members: [String: JSONTree]

    init(_ members: [String: JSONTree]) { self.members = members }

    static func object(_ tree: JSONTree) throws -> Fields {
        guard case .object(let members) = tree else { throw Mismatch() }
        return Fields(members)
    }

    /// A required member: missing or null is a mismatch, as for `decode`.
    private func required(_ key: String) throws -> JSONTree {
        guard let tree = members[key], tree != .null else { throw Mismatch() }
        return tree
    }

    /// An optional member: missing or null is nil, as for `decodeIfPresent`.
    private func optional(_ key: String) -> JSONTree? {
        guard let tree = members[key], tree != .null else { return nil }
        return tree
    }

    func string(_ key: String) throws -> String { try Self.string(required(key)) }
    func optionalString(_ key: String) throws -> String? { try optional(key).map(Self.string) }
    func integer(_ key: String) throws -> Int { try Self.integer(required(key)) }
    func optionalInteger(_ key: String) throws -> Int? { try optional(key).map(Self.integer) }
    func bool(_ key: String) throws -> Bool { try Self.bool(required(key)) }
    func optionalBool(_ key: String) throws -> Bool? { try optional(key).map(Self.bool) }
    func object(_ key: String) throws -> Fields { try Self.object(required(key)) }
    func optionalObject(_ key: String) throws -> Fields? { try optional(key).map(Self.object) }

    func array(_ key: String) throws -> [JSONTree] {
        guard case .array(let elements) = try required(key) else { throw Mismatch() }
        return elements
    }

    func optionalArray(_ key: String) throws -> [JSONTree]? {
        guard let tree = optional(key) else { return nil }
        guard case .array(let elements) = tree else { throw Mismatch() }
        return elements
    }

    func strings(_ key: String) throws -> [String] {
        try array(key).map { tree throws in try Self.string(tree) }
    }

    func stringDictionary(_ key: String) throws -> [String: String] {
        try object(key).members.mapValues { tree throws in try Self.string(tree) }
    }

    func sections(_ key: String) throws -> [String: CapturedSection] {
        try object(key).members.mapValues { tree throws in
            let section = try Self.object(tree)
            return CapturedSection(
                exitCode: try section.optionalInteger("exitCode"), text: try section.string("text"),
                truncated: try section.bool("truncated"))
        }
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, the form `JSONEncoder`'s `.iso8601` writes; any other form is a mismatch (and
    /// JSONDecoder reads it).
    func date(_ key: String) throws -> Date {
        let text = Array(try string(key).utf8)
        guard text.count == 20, text[4] == UInt8(ascii: "-"), text[7] == UInt8(ascii: "-"),
            text[10] == UInt8(ascii: "T"), text[13] == UInt8(ascii: ":"), text[16] == UInt8(ascii: ":"),
            text[19] == UInt8(ascii: "Z")
        else { throw Mismatch() }
        func number(_ range: Range<Int>) throws -> Int {
            var value = 0
            for byte in text[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { throw Mismatch() }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        let (year, month, day) = (try number(0..<4), try number(5..<7), try number(8..<10))
        let (hour, minute, second) = (try number(11..<13), try number(14..<16), try number(17..<19))
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard year >= 1970, (1...12).contains(month), (1...monthDays[month - 1]).contains(day), hour < 24,
            minute < 60, second < 60
        else { throw Mismatch() }
        // Days from 1970-01-01 to the date (proleptic Gregorian, the civil-from-days inverse).
        let shifted = month <= 2 ? year - 1 : year
        let era = shifted / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Date(timeIntervalSince1970: Double(days * 86_400 + hour * 3_600 + minute * 60 + second))
    }

    static func string(_ tree: JSONTree) throws -> String {
        guard case .string(let text) = tree else { throw Mismatch() }
        return text
    }

    static func integer(_ tree: JSONTree) throws -> Int {
        guard case .integer(let value) = tree else { throw Mismatch() }
        return value
    }

    static func bool(_ tree: JSONTree) throws -> Bool {
        guard case .bool(let value) = tree else { throw Mismatch() }
        return value
    }
}
