import FleetCore

/// The reply of `INFO` (any section set: default, `all`, `everything`), Redis 2.8 to 8.x and Valkey.
///
/// Sections and fields keep their order, and every field is kept, known or not, so a newer server's additions
/// are evidence too. Parsing never fails: lines that are not `key:value` are ignored.
public struct RedisInfo: Sendable, Hashable {
    public struct Section: Sendable, Hashable {
        /// Lowercased section name (`server`, `keyspace`, `commandstats`, ...).
        public var name: String
        public var fields: [(key: String, value: String)]

        public static func == (lhs: Section, rhs: Section) -> Bool {
            lhs.name == rhs.name && lhs.fields.map(\.key) == rhs.fields.map(\.key)
                && lhs.fields.map(\.value) == rhs.fields.map(\.value)
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(name)
            for field in fields {
                hasher.combine(field.key)
                hasher.combine(field.value)
            }
        }

        public subscript(key: String) -> String? { fields.first { $0.key == key }?.value }
    }

    public private(set) var sections: [Section]
    /// Each field name's first occurrence: its value and section. Rules look fields up by name dozens of times per
    /// instance, and `INFO everything` has hundreds of fields, so a scan per look-up was most of evaluating one.
    /// Positions (section, field) rather than the Strings: building it then copies no String.
    private var firstOccurrence: [String: (section: Int, field: Int)] = [:]

    public static func == (lhs: RedisInfo, rhs: RedisInfo) -> Bool { lhs.sections == rhs.sections }

    public func hash(into hasher: inout Hasher) { hasher.combine(sections) }

    public init(parsing text: String) {
        sections = ASCIIBytes.withASCII(text, Self.sections(asciiBytes:)) ?? Self.sections(text)
        // Backwards, each field overwriting: the first occurrence is the one left, with one hash per field.
        firstOccurrence.reserveCapacity(sections.reduce(0) { $0 + $1.fields.count })
        for section in sections.indices.reversed() {
            for field in sections[section].fields.indices.reversed() {
                firstOccurrence[sections[section].fields[field].key] = (section, field)
            }
        }
        // Derived once: rules ask for the version, the engine and the keyspace many times per instance.
        version = self["redis_version"].flatMap(RedisVersion.init)
        valkeyVersion = self["valkey_version"].flatMap(RedisVersion.init)
        if self["valkey_version"] != nil || self["server_name"] == "valkey" {
            engine = .valkey
        } else {
            engine = self["redis_version"] != nil ? .redis : nil
        }
        keyspace = Self.keyspace(of: sections)
    }

    /// The sections of any text: lines split at every kind of newline (CRLF is one Character), trimmed.
    static func sections(_ text: String) -> [Section] {
        var sections: [Section] = []
        var current = Section(name: "", fields: [])
        // CRLF is one Character in Swift; split on both kinds of newline.
        for rawLine in text.newlineSeparatedLines {
            let line = rawLine.trimmed
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                if !current.name.isEmpty || !current.fields.isEmpty { sections.append(current) }
                current = Section(name: line.dropFirst().trimmed.lowercased(), fields: [])
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            current.fields.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
        }
        if !current.name.isEmpty || !current.fields.isEmpty { sections.append(current) }
        return sections
    }

    /// The same sections as `sections(_:)` for ASCII text (every INFO reply in practice), read from its bytes: in
    /// ASCII the newline Characters are LF, VT, FF, CR and CRLF, so splitting at bytes 10-13 and dropping empty
    /// pieces gives the same lines, and trimming, `#` and `:` are single bytes. Several times faster than walking
    /// Characters; RedisInfoTests checks both give the same sections.
    static func sections(ascii bytes: [UInt8]) -> [Section] { bytes.withUnsafeBufferPointer(sections(asciiBytes:)) }

    private static func sections(asciiBytes bytes: UnsafeBufferPointer<UInt8>) -> [Section] {
        func text(_ slice: Slice<UnsafeBufferPointer<UInt8>>) -> String { ASCIIBytes.string(slice) }
        var sections: [Section] = []
        var current = Section(name: "", fields: [])
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, !(10...13).contains(bytes[end]) { end += 1 }
            // `trimmed` removes spaces, tabs, CR and LF; the last two cannot be inside a line here.
            var low = start
            var high = end
            while low < high, bytes[low] == 0x20 || bytes[low] == 0x09 { low += 1 }
            while high > low, bytes[high - 1] == 0x20 || bytes[high - 1] == 0x09 { high -= 1 }
            start = end + 1
            guard low < high else { continue }
            if bytes[low] == UInt8(ascii: "#") {
                if !current.name.isEmpty || !current.fields.isEmpty { sections.append(current) }
                current = Section(name: text(bytes[(low + 1)..<high]).trimmed.lowercased(), fields: [])
                continue
            }
            guard let colon = ASCIIBytes.firstIndex(of: UInt8(ascii: ":"), in: bytes[low..<high]) else { continue }
            current.fields.append((text(bytes[low..<colon]), text(bytes[(colon + 1)..<high])))
        }
        if !current.name.isEmpty || !current.fields.isEmpty { sections.append(current) }
        return sections
    }

    /// `RedisInfo(parsing: text)[field]` for each of `fields`, without keeping the other fields: the snapshot
    /// builder needs two of an instance's hundreds. ASCII text is read as `sections(ascii:)` reads it (a field is
    /// a line that is no `#` header, up to its first `:`); any other text is parsed whole.
    public static func firstValues(of fields: Set<String>, in text: String) -> [String: String] {
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else {
            let info = RedisInfo(parsing: text)
            return Dictionary(uniqueKeysWithValues: fields.compactMap { field in info[field].map { (field, $0) } })
        }
        var found: [String: String] = [:]
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            while start < bytes.count, found.count < fields.count {
                var end = start
                while end < bytes.count, !(10...13).contains(bytes[end]) { end += 1 }
                var low = start
                var high = end
                while low < high, bytes[low] == 0x20 || bytes[low] == 0x09 { low += 1 }
                while high > low, bytes[high - 1] == 0x20 || bytes[high - 1] == 0x09 { high -= 1 }
                start = end + 1
                guard low < high, bytes[low] != UInt8(ascii: "#"),
                    let colon = ASCIIBytes.firstIndex(of: UInt8(ascii: ":"), in: bytes[low..<high])
                else { continue }
                let key = String(decoding: UnsafeBufferPointer(rebasing: bytes[low..<colon]), as: UTF8.self)
                guard fields.contains(key), found[key] == nil else { continue }
                found[key] = String(decoding: UnsafeBufferPointer(rebasing: bytes[(colon + 1)..<high]), as: UTF8.self)
            }
        }
        return found
    }

    public func section(_ name: String) -> Section? { sections.first { $0.name == name.lowercased() } }

    /// A field from any section (the first one that has it).
    public subscript(field: String) -> String? {
        firstOccurrence[field].map { sections[$0.section].fields[$0.field].value }
    }

    /// `section.field` for evidence, e.g. `INFO replication.role`.
    public func source(of field: String) -> String {
        "INFO \(firstOccurrence[field].map { sections[$0.section].name } ?? "?").\(field)"
    }

    public func integer(_ field: String) -> Int64? { self[field].flatMap { Int64($0) } }
    /// A finite number: `Double("nan")`, `"inf"` and `"1e999"` parse, but no check can reason with them.
    public func double(_ field: String) -> Double? {
        self[field].flatMap { Double($0) }.flatMap { $0.isFinite ? $0 : nil }
    }
    /// A byte count or a count of things: a whole number from 0 to Int64.max; nil when absent or out of that range.
    public func count(_ field: String) -> Int64? { integer(field).flatMap { $0 >= 0 ? $0 : nil } }

    /// Why a field meant to be a count cannot be used, when it is present but not a whole number in
    /// 0...Int64.max (`used_memory:-1`, `used_memory:99999999999999999999`); nil when it is absent or usable.
    /// Rules put this in their `unknown` summary, so a hostile or broken INFO reply is named, not mistaken for
    /// an instance that did not answer.
    public func unusableCount(_ field: String) -> String? {
        guard let text = self[field], count(field) == nil else { return nil }
        return "\(source(of: field)) is '\(text.prefix(40))', not a whole number from 0 to \(Int64.max)"
    }

    // MARK: Well-known fields

    /// `redis_version` (Valkey also reports it, for compatibility: 7.2.4 on Valkey 8 and 9).
    public private(set) var version: RedisVersion?
    /// Valkey's own version, when the server is Valkey.
    public private(set) var valkeyVersion: RedisVersion?
    public var isValkey: Bool { engine == .valkey }

    /// Valkey when INFO says `server_name:valkey` or has a `valkey_version` field, Redis when it has only
    /// `redis_version`; nil when INFO did not answer (no version field at all).
    public private(set) var engine: ServerEngine?

    /// The version of the engine that answered: `valkey_version` on Valkey (its `redis_version` stays 7.2.4 from
    /// Valkey 8 on), else `redis_version`. A Valkey without `valkey_version` reports its own version as
    /// `redis_version`, so that is the fallback there too.
    public var engineVersion: RedisVersion? {
        switch engine {
        case .valkey: valkeyVersion ?? version
        case .redis: version
        case nil: nil
        }
    }
    public var role: String? { self["role"] }
    /// `cluster_enabled:1`; nil when the server does not report the cluster section.
    public var isClusterEnabled: Bool? { self["cluster_enabled"].map { $0 == "1" } }
    // Byte counts and client counts are never negative: a negative one is out of range, so nil (see `count`).
    public var usedMemory: Int64? { count("used_memory") }
    public var usedMemoryRSS: Int64? { count("used_memory_rss") }
    public var maxmemory: Int64? { count("maxmemory") }
    public var connectedClients: Int64? { count("connected_clients") }
    public var rdbLastBgsaveStatus: String? { self["rdb_last_bgsave_status"] }
    public var rdbLastBgsaveTimeSeconds: Int64? { integer("rdb_last_bgsave_time_sec") }
    public var configFile: String? { self["config_file"].flatMap { $0.isEmpty ? nil : $0 } }
    public var tcpPort: Int? { self["tcp_port"].flatMap { Int($0) } }

    /// Databases that hold keys (`# Keyspace`: `db0:keys=1,expires=0,avg_ttl=0`).
    public private(set) var keyspace: [KeyspaceDatabase] = []

    private static func keyspace(of sections: [Section]) -> [KeyspaceDatabase] {
        guard let section = sections.first(where: { $0.name == "keyspace" }) else { return [] }
        return section.fields.compactMap { field in
            guard field.key.hasPrefix("db"), let index = Int(field.key.dropFirst(2)) else { return nil }
            let values = Self.commaFields(field.value)
            return KeyspaceDatabase(
                index: index, keys: values["keys"].flatMap(Self.count), expires: values["expires"].flatMap(Self.count),
                averageTTL: values["avg_ttl"].flatMap { Int64($0) })
        }
    }

    /// Per-command statistics (`# Commandstats`: `cmdstat_get:calls=3,usec=5,...`), keyed by lowercased command
    /// (`config|get` for Redis 7 subcommands).
    public var commandStats: [String: CommandStat] {
        guard let section = section("commandstats") else { return [:] }
        var stats: [String: CommandStat] = [:]
        stats.reserveCapacity(section.fields.count)
        for field in section.fields where field.key.hasPrefix("cmdstat_") {
            func value(_ name: String) -> Int64? { Self.commaField(name, in: field.value).flatMap { Int64($0) } }
            stats[String(field.key.dropFirst("cmdstat_".count)).lowercased()] = CommandStat(
                calls: value("calls") ?? 0, microseconds: value("usec"), rejectedCalls: value("rejected_calls"),
                failedCalls: value("failed_calls"))
        }
        return stats
    }

    /// A whole number from 0 to Int64.max, else nil.
    static func count(_ text: String) -> Int64? { Int64(text).flatMap { $0 >= 0 ? $0 : nil } }

    /// `commaFields(text)[name]` without building the dictionary: the last pair of that name, read on the bytes of
    /// ASCII text (a count or statistics line is read for a few names only).
    static func commaField(_ name: String, in text: String) -> String? {
        var name = name
        let fast = name.withUTF8 { nameBytes in
            ASCIIBytes.withASCII(text) { bytes -> String? in
                var found: Range<Int>?
                for pair in ASCIIBytes.pieces(bytes[...], separator: UInt8(ascii: ",")) {
                    guard let (key, value) = commaPair(bytes, pair), bytes[key].elementsEqual(nameBytes) else {
                        continue
                    }
                    found = value
                }
                return found.map { ASCIIBytes.string(bytes[$0]) }
            }
        }
        return fast ?? commaFields(text)[name]
    }

    /// The name and value of one `name=value` pair, cut as `split(separator: "=", maxSplits: 1)` cuts it.
    private static func commaPair(_ bytes: UnsafeBufferPointer<UInt8>, _ pair: Range<Int>) -> (Range<Int>, Range<Int>)?
    {
        var nameStart = pair.lowerBound
        while nameStart < pair.upperBound, bytes[nameStart] == UInt8(ascii: "=") { nameStart += 1 }
        guard let equals = ASCIIBytes.firstIndex(of: UInt8(ascii: "="), in: bytes[nameStart..<pair.upperBound]),
            equals + 1 < pair.upperBound
        else { return nil }
        return (nameStart..<equals, (equals + 1)..<pair.upperBound)
    }

    static func commaFields(_ text: String) -> [String: String] {
        if let fields = ASCIIBytes.withASCII(text, commaFields(ascii:)) { return fields }
        var result: [String: String] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { result[String(parts[0])] = String(parts[1]) }
        }
        return result
    }

    /// The same fields of ASCII text, on its bytes (there every Character is one byte): pairs between commas, each
    /// cut at its first `=` after any leading ones (`split(separator: "=", maxSplits: 1)` drops empty pieces).
    private static func commaFields(ascii bytes: UnsafeBufferPointer<UInt8>) -> [String: String] {
        var result: [String: String] = [:]
        for pair in ASCIIBytes.pieces(bytes[...], separator: UInt8(ascii: ",")) {
            guard let (name, value) = commaPair(bytes, pair) else { continue }
            result[ASCIIBytes.string(bytes[name])] = ASCIIBytes.string(bytes[value])
        }
        return result
    }
}

public struct KeyspaceDatabase: Sendable, Hashable {
    public var index: Int
    /// nil when the count is missing or not a whole number from 0 to Int64.max: unknown, never counted as 0.
    public var keys: Int64?
    public var expires: Int64?
    public var averageTTL: Int64?
}

public struct CommandStat: Sendable, Hashable {
    public var calls: Int64
    public var microseconds: Int64?
    public var rejectedCalls: Int64?
    public var failedCalls: Int64?
}

/// A Redis version, compared numerically (`2.8.21 < 5.0.6 < 7.0.15`).
public struct RedisVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var components: [Int]

    public init?(_ text: String) {
        let numeric = text.split(separator: "-").first.map(String.init) ?? text
        let parts = numeric.split(separator: ".").map { Int($0) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
        components = parts.compactMap { $0 }
    }

    public init(major: Int, minor: Int = 0, patch: Int = 0) { components = [major, minor, patch] }

    /// The release line (`7.2.4` → `7.2`): RDB formats and migration ranges change with minor releases, not patches.
    public var majorMinor: RedisVersion {
        RedisVersion(major: components.first ?? 0, minor: components.count > 1 ? components[1] : 0)
    }

    public static func < (lhs: RedisVersion, rhs: RedisVersion) -> Bool {
        for index in 0..<max(lhs.components.count, rhs.components.count) {
            let left = index < lhs.components.count ? lhs.components[index] : 0
            let right = index < rhs.components.count ? rhs.components[index] : 0
            if left != right { return left < right }
        }
        return false
    }

    /// `7.0` and `7.0.0` are the same version.
    public static func == (lhs: RedisVersion, rhs: RedisVersion) -> Bool { !(lhs < rhs) && !(rhs < lhs) }

    public func hash(into hasher: inout Hasher) {
        var significant = components
        while significant.last == 0 { significant.removeLast() }
        hasher.combine(significant)
    }

    public var major: Int { components.first ?? 0 }
    public var description: String { components.map(String.init).joined(separator: ".") }
}

/// Redis memory units in config files and CONFIG SET: `1k` = 1000, `1kb` = 1024, likewise m/mb and g/gb.
public enum ByteSize {
    static let units: [(String, Int64)] = [
        ("gb", 1 << 30), ("mb", 1 << 20), ("kb", 1 << 10), ("g", 1_000_000_000), ("m", 1_000_000), ("k", 1_000),
        ("b", 1),
    ]

    public static func parse(_ text: String) -> Int64? {
        if let size = ASCIIBytes.withASCII(text, parse(ascii:)) { return size }
        let lowered = text.trimmed.lowercased()
        for (suffix, multiplier) in units where lowered.hasSuffix(suffix) {
            guard let number = Int64(lowered.dropLast(suffix.count)) else { return nil }
            // `maxmemory 99999999999gb` does not fit in Int64: unknown, not a trap.
            return number.multipliedChecked(by: multiplier)
        }
        return Int64(lowered)
    }

    /// The same for ASCII text, on its bytes (there every Character is one byte, and `lowercased` maps A-Z only).
    private static func parse(ascii text: UnsafeBufferPointer<UInt8>) -> Int64? {
        func isTrimmed(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        var low = 0
        var high = text.count
        while low < high, isTrimmed(text[low]) { low += 1 }
        while high > low, isTrimmed(text[high - 1]) { high -= 1 }
        func lowered(_ index: Int) -> UInt8 {
            text[index] >= 0x41 && text[index] <= 0x5A ? text[index] | 0x20 : text[index]
        }
        for (suffix, multiplier) in units {
            let suffixBytes = Array(suffix.utf8)
            guard high - low >= suffixBytes.count,
                suffixBytes.indices.allSatisfy({ lowered(high - suffixBytes.count + $0) == suffixBytes[$0] })
            else { continue }
            // Digits, signs and the unit letters: lowercasing cannot change what the number reads.
            guard let number = ASCIIBytes.integer(text[low..<(high - suffixBytes.count)], as: Int64.self) else {
                return nil
            }
            return number.multipliedChecked(by: multiplier)
        }
        return ASCIIBytes.integer(text[low..<high], as: Int64.self)
    }
}
