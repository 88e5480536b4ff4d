import Foundation

/// Writes one JSON document straight from typed values, in the bytes one of Foundation's serializers gives for the
/// same value (the `Style`), at a fraction of the cost: no boxing, no `NSString` key comparisons, no second pass over
/// the text (docs/benchmarks.md#the-offline-pipeline). Every JSON fleet-audit writes goes through it: reports, plans,
/// the history listing and diff, database columns, and stored snapshots.
///
/// Layout when pretty, as Foundation prints it: two spaces per level, `"key" : value`, `,\n` between members, and an
/// empty container as its brackets on two lines (`[\n\n  ]`). Strings escape `"`, `\`, `\b \f \n \r \t` and other C0
/// controls as `\u00xx`. Doubles are written as Swift's shortest round-trip `description` without a trailing `.0`.
///
/// Keys: the caller writes an object's members in the style's key order, which debug builds assert; objects with keys
/// from outside (tags, counts) go through `object(sorting:)`.
public struct JSONWriter {
    /// Which serializer's bytes to write.
    public enum Style: Sendable {
        /// `JSONSerialization` with `[.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]`, then every scalar
        /// `escaping` accepts written as `\uxxxx` escapes (UTF-16 units): the report and plan files, which a person
        /// may `cat` (Reports passes `OutputText.isHidden`). Keys in `JSONSerialization`'s order (`keyPrecedes`).
        case serialization(escaping: @Sendable (Unicode.Scalar) -> Bool)
        /// `JSONEncoder` with its default layout (`{"a":1,"b":[]}`, `/` escaped as `\/`), then the scalars `escaping`
        /// accepts as `\u` escapes, for a database column. Keys in byte order (`JSONEncoder`'s `.sortedKeys`:
        /// `bufferLimitBytes` before `bufferedBytes`).
        case compactEncoder(escaping: @Sendable (Unicode.Scalar) -> Bool)
        /// `JSONEncoder` with `[.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]`, byte for byte: keys in byte
        /// order, every other scalar written as it is (stored snapshots).
        case prettyEncoder
    }

    private var buffer = JSONBytes()
    private let pretty: Bool
    private let escapesSlash: Bool
    /// Scalars at or above DEL written as `\u` escapes; nil: none.
    private let escaping: (@Sendable (Unicode.Scalar) -> Bool)?
    /// Keys compare as bytes (`JSONEncoder`), not as `JSONSerialization` compares them.
    private let keysInByteOrder: Bool
    private var depth = 0
    /// For each open container: whether it has no member yet.
    private var isEmpty: [Bool] = []
    /// A key was just written: the next value belongs to it and takes no separator.
    private var afterKey = false
    #if DEBUG
        private var previousKeys: [String?] = []
    #endif
    /// Where a streaming writer hands its bytes once it holds `chunkSize` of them; nil: they stay in the buffer (`text`, `compactText`, `data`).
    private var drain: ((UnsafeRawBufferPointer) -> Void)?
    private var chunkSize = Int.max

    public init(reservingCapacity capacity: Int = 0, style: Style) {
        switch style {
        case .serialization(let escaping):
            (pretty, escapesSlash, self.escaping, keysInByteOrder) = (true, false, escaping, false)
        case .compactEncoder(let escaping):
            (pretty, escapesSlash, self.escaping, keysInByteOrder) = (false, true, escaping, true)
        case .prettyEncoder:
            (pretty, escapesSlash, escaping, keysInByteOrder) = (true, false, nil, true)
        }
        buffer.reserveCapacity(capacity)
    }

    /// A writer that hands its bytes to `drain` whenever it holds about `chunkSize` of them and then reuses the same
    /// buffer, for a document written to a file as it is made (`finish()` hands over the rest). A report of a
    /// thousand hosts is tens of megabytes: held whole, and copied once into a `String`, its fresh pages cost more
    /// than writing it (docs/benchmarks.md, "Reports written as they are made").
    public init(style: Style, chunkSize: Int = 1 << 20, drain: @escaping (UnsafeRawBufferPointer) -> Void) {
        self.init(reservingCapacity: chunkSize + chunkSize / 4, style: style)
        self.chunkSize = chunkSize
        self.drain = drain
    }

    /// Ends a streaming document: its final newline (as `text` ends it), then every byte not yet handed over.
    public mutating func finish() {
        buffer.append(UInt8(ascii: "\n"))
        handOver()
    }

    private mutating func handOver() {
        guard let drain else { return }
        buffer.withUnsafeBytes(drain)
        buffer.removeAll()
    }

    /// The document as text without a final newline (for a database column).
    public var compactText: String { buffer.withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }

    /// The document as `Data`, without a final newline (a stored snapshot).
    public var data: Data { buffer.withUnsafeBytes { Data($0) } }

    /// The document as text, ended by a newline (as `JSONReporter.serialize` always ended it).
    public var text: String {
        // One copy into the string (a report's JSON is tens of megabytes at a thousand hosts), not a copy of the
        // bytes with the newline and then another.
        buffer.withUnsafeBytes { bytes in
            String(unsafeUninitializedCapacity: bytes.count + 1) { text in
                let (_, end) = text.initialize(from: bytes)
                text[end] = UInt8(ascii: "\n")
                return end + 1
            }
        }
    }

    // MARK: Containers

    public mutating func object(_ members: (inout JSONWriter) -> Void) {
        open(UInt8(ascii: "{"))
        members(&self)
        close(UInt8(ascii: "}"))
    }

    public mutating func array(_ elements: (inout JSONWriter) -> Void) {
        open(UInt8(ascii: "["))
        elements(&self)
        close(UInt8(ascii: "]"))
    }

    /// An array with one element per item, each written by `element`.
    public mutating func array<Items: Sequence>(_ items: Items, _ element: (inout JSONWriter, Items.Element) -> Void) {
        open(UInt8(ascii: "["))
        for item in items { element(&self, item) }
        close(UInt8(ascii: "]"))
    }

    /// An array of strings.
    public mutating func array(_ strings: [String]) { array(strings) { $0.string($1) } }

    /// An object whose keys come from data (tags, counts by status): sorted here as `JSONSerialization` sorts them.
    public mutating func object<Value>(
        sorting dictionary: [String: Value], _ value: (inout JSONWriter, Value) -> Void
    ) {
        let keys =
            keysInByteOrder
            ? dictionary.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            : dictionary.keys.sorted(by: Self.keyPrecedes)
        object { writer in
            for key in keys {
                writer.key(key)
                // Every key was taken from the dictionary: the look-up cannot miss.
                if let member = dictionary[key] { value(&writer, member) }
            }
        }
    }

    /// `{"key" : "value", ...}` with sorted keys.
    public mutating func object(sorting dictionary: [String: String]) { object(sorting: dictionary) { $0.string($1) } }

    /// `{"key" : n, ...}` with sorted keys.
    public mutating func object(sorting dictionary: [String: Int]) { object(sorting: dictionary) { $0.int($1) } }

    /// Starts an object member: the separator, the indentation and `"key" : `. Its value comes next.
    public mutating func key(_ key: String) {
        #if DEBUG
            if let previous = previousKeys[previousKeys.count - 1] {
                assert(
                    keysInByteOrder
                        ? previous.utf8.lexicographicallyPrecedes(key.utf8) : Self.keyPrecedes(previous, key),
                    "JSON keys out of order: \(previous) before \(key)")
            }
            previousKeys[previousKeys.count - 1] = key
        #endif
        member()
        writeString(key)
        if pretty {
            buffer.append(contentsOf: [UInt8(ascii: " "), UInt8(ascii: ":"), UInt8(ascii: " ")])
        } else {
            buffer.append(UInt8(ascii: ":"))
        }
        afterKey = true
    }

    // MARK: Members (a key and its scalar value in one call)

    public mutating func field(_ key: String, string value: String?) {
        self.key(key)
        string(value)
    }

    public mutating func field<Integer: BinaryInteger>(_ key: String, int value: Integer?) {
        self.key(key)
        int(value)
    }

    public mutating func field(_ key: String, double value: Double?) {
        self.key(key)
        double(value)
    }

    public mutating func field(_ key: String, bool value: Bool) {
        self.key(key)
        bool(value)
    }

    public mutating func field(_ key: String, strings value: [String]) {
        self.key(key)
        array(value)
    }

    // MARK: Values

    public mutating func string(_ value: String) {
        beginValue()
        writeString(value)
    }

    /// The string, or `null`.
    public mutating func string(_ value: String?) {
        guard let value else { return null() }
        string(value)
    }

    public mutating func int<Integer: BinaryInteger>(_ value: Integer) {
        beginValue()
        buffer.append(contentsOf: String(value).utf8)
    }

    /// The number, or `null`.
    public mutating func int<Integer: BinaryInteger>(_ value: Integer?) {
        guard let value else { return null() }
        int(value)
    }

    /// Shortest round-trip digits, without `.0` (`100`, `0.25`, `1e-05`). `JSONSerialization` refuses NaN and
    /// infinities, which then emptied the whole document; one value that is not a number is written as `null`.
    public mutating func double(_ value: Double) {
        guard value.isFinite else { return null() }
        beginValue()
        var digits = value.description
        if digits.hasSuffix(".0") { digits.removeLast(2) }
        buffer.append(contentsOf: digits.utf8)
    }

    /// The number, or `null`.
    public mutating func double(_ value: Double?) {
        guard let value else { return null() }
        double(value)
    }

    public mutating func bool(_ value: Bool) {
        beginValue()
        buffer.append(contentsOf: (value ? "true" : "false").utf8)
    }

    public mutating func null() {
        beginValue()
        buffer.append(contentsOf: "null".utf8)
    }

    // MARK: Key order

    /// `JSONSerialization`'s `.sortedKeys` order: `compare(_:options: [.numeric, .caseInsensitive,
    /// .forcedOrdering], locale: NSLocale.system)`. Keys of lower-case ASCII letters and `_` only (every key
    /// fleet-audit names itself) order as their bytes under those options, so they skip the costly `NSString`
    /// comparison; any other key (a tag from an inventory) takes it.
    public static func keyPrecedes(_ left: String, _ right: String) -> Bool {
        if isPlainKey(left) && isPlainKey(right) { return left.utf8.lexicographicallyPrecedes(right.utf8) }
        return left.compare(
            right, options: [.numeric, .caseInsensitive, .forcedOrdering], range: left.startIndex..<left.endIndex,
            locale: NSLocale.system) == .orderedAscending
    }

    private static func isPlainKey(_ key: String) -> Bool {
        key.utf8.allSatisfy { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || $0 == UInt8(ascii: "_") }
    }

    // MARK: Layout

    private mutating func open(_ bracket: UInt8) {
        beginValue()
        buffer.append(bracket)
        if pretty { buffer.append(UInt8(ascii: "\n")) }
        depth += 1
        isEmpty.append(true)
        #if DEBUG
            previousKeys.append(nil)
        #endif
    }

    private mutating func close(_ bracket: UInt8) {
        isEmpty.removeLast()
        #if DEBUG
            previousKeys.removeLast()
        #endif
        depth -= 1
        if pretty {
            buffer.append(UInt8(ascii: "\n"))
            indent()
        }
        buffer.append(bracket)
    }

    /// A new member of the innermost container: `,\n` after the first, then the indentation.
    private mutating func member() {
        if isEmpty[isEmpty.count - 1] {
            isEmpty[isEmpty.count - 1] = false
        } else {
            buffer.append(UInt8(ascii: ","))
            if pretty { buffer.append(UInt8(ascii: "\n")) }
        }
        if pretty { indent() }
    }

    private mutating func beginValue() {
        if buffer.count >= chunkSize { handOver() }
        if afterKey {
            afterKey = false
        } else if depth > 0 {
            member()
        }
    }

    private mutating func indent() {
        // Copied from a row of spaces: appending a `repeatElement` went through the generic path byte by byte, and
        // a report writes an indentation per line (half of report.json's bytes).
        var count = depth * 2
        while count > 0 {
            let piece = min(count, Self.spaces.count)
            Self.spaces.withUnsafeBufferPointer {
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: $0[..<piece]))
            }
            count -= piece
        }
    }

    private static let spaces = [UInt8](repeating: UInt8(ascii: " "), count: 64)

    /// Whether every byte is printable ASCII other than `"` and `\\` (and `/` where it is escaped): such a string
    /// is written as it is. Eight bytes at a time (the has-zero-byte tests, exact for "some byte is one of these").
    static func needsNoEscape(_ bytes: UnsafeBufferPointer<UInt8>, escapesSlash: Bool) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func has(_ byte: UInt8, in word: UInt64) -> Bool {
            let matched = word ^ (ones &* UInt64(byte))
            return (matched &- ones) & ~matched & highs != 0
        }
        var index = 0
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while index + 8 <= bytes.count {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                let controls = (word &- ones &* 0x20) & ~word & highs
                // At or past DEL: the high bit, or low seven bits of 0x7F (adding one carries into the high bit
                // without reaching the next byte).
                let delOrHigh = (word | ((word & ~highs) &+ ones)) & highs
                if controls | delOrHigh != 0 || has(0x22, in: word) || has(0x5C, in: word)
                    || (escapesSlash && has(0x2F, in: word))
                {
                    return false
                }
                index += 8
            }
        }
        while index < bytes.count {
            if !isPlain(bytes[index], escapesSlash: escapesSlash) { return false }
            index += 1
        }
        return true
    }

    /// For each byte value, whether a string copies it as it is: printable ASCII except `"` and `\`, and `/` where
    /// the style leaves it unescaped. Looked up per byte instead of five comparisons.
    private static let plainKeepingSlash: [Bool] = (0..<256).map { isPlain(UInt8($0), escapesSlash: false) }
    private static let plainEscapingSlash: [Bool] = (0..<256).map { isPlain(UInt8($0), escapesSlash: true) }

    private static func isPlain(_ byte: UInt8, escapesSlash: Bool) -> Bool {
        byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
            && (byte != UInt8(ascii: "/") || !escapesSlash)
    }

    // MARK: Strings

    private mutating func writeString(_ value: String) {
        var value = value
        // Nearly every string (every key, most values) needs no escape at all: one check of its bytes, then one copy.
        let escapesSlash = escapesSlash
        let written = value.withUTF8 { utf8 -> Bool in
            guard Self.needsNoEscape(utf8, escapesSlash: escapesSlash) else { return false }
            buffer.append(UInt8(ascii: "\""))
            buffer.append(contentsOf: utf8)
            buffer.append(UInt8(ascii: "\""))
            return true
        }
        if written { return }
        buffer.append(UInt8(ascii: "\""))
        let plainBytes = escapesSlash ? Self.plainEscapingSlash : Self.plainKeepingSlash
        plainBytes.withUnsafeBufferPointer { plain in
            value.withUTF8 { utf8 in
                // Runs of bytes that need no escape are copied whole; a scalar at or above DEL is decoded only when some
                // of them are escaped.
                var run = 0
                var index = 0
                while index < utf8.count {
                    let byte = utf8[index]
                    if plain[Int(byte)] {
                        index += 1
                        continue
                    }
                    if byte >= 0x7F {
                        let length = Self.scalarLength(leading: byte)
                        guard let escaping, index + length <= utf8.count,
                            let scalar = Self.scalar(utf8, at: index, length: length), escaping(scalar)
                        else {
                            index += max(length, 1)
                            continue
                        }
                        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<index]))
                        for unit in String(scalar).utf16 { appendUnicodeEscape(unit) }
                        index += length
                        run = index
                        continue
                    }
                    buffer.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<index]))
                    switch byte {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"):
                        buffer.append(UInt8(ascii: "\\"))
                        buffer.append(byte)
                    case 0x08: buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
                    case 0x0C: buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
                    case 0x0A: buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                    case 0x0D: buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                    case 0x09: buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                    default: appendUnicodeEscape(UInt16(byte))
                    }
                    index += 1
                    run = index
                }
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<utf8.count]))
            }
        }
        buffer.append(UInt8(ascii: "\""))
    }

    /// `\uxxxx`, lower-case hex, as Foundation writes it.
    private mutating func appendUnicodeEscape(_ unit: UInt16) {
        let hex = Self.hexDigits
        buffer.append(contentsOf: [
            UInt8(ascii: "\\"), UInt8(ascii: "u"), hex[Int(unit >> 12)], hex[Int((unit >> 8) & 0xF)],
            hex[Int((unit >> 4) & 0xF)], hex[Int(unit & 0xF)],
        ])
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The length of the UTF-8 sequence a leading byte starts (a String's bytes are valid UTF-8).
    private static func scalarLength(leading byte: UInt8) -> Int {
        switch byte {
        case 0..<0x80: 1
        case 0xC0..<0xE0: 2
        case 0xE0..<0xF0: 3
        default: 4
        }
    }

    private static func scalar(_ utf8: UnsafeBufferPointer<UInt8>, at index: Int, length: Int) -> Unicode.Scalar? {
        var value = UInt32(utf8[index])
        switch length {
        case 1: return Unicode.Scalar(value)
        case 2: value &= 0x1F
        case 3: value &= 0x0F
        default: value &= 0x07
        }
        for offset in 1..<length { value = value << 6 | UInt32(utf8[index + offset] & 0x3F) }
        return Unicode.Scalar(value)
    }
}

/// `JSONWriter`'s bytes (and `JSONTree`'s decoded strings): an array used up to `count`, the rest zeroed room to write into. `Array.append(contentsOf:)`
/// cost about 100 instructions a call, and a 1,000-host `report --run` appends some five million runs of a few
/// bytes (strings between escapes, indentations, keys); writing them into room the buffer already has is a copy.
struct JSONBytes {
    private var storage: [UInt8] = []
    private(set) var count = 0

    mutating func reserveCapacity(_ capacity: Int) {
        if capacity > storage.count { grow(minimum: capacity) }
    }

    /// Empties the buffer and keeps its room.
    mutating func removeAll() { count = 0 }

    func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        storage.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        if count == storage.count { grow(minimum: count + 1) }
        storage[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func append(contentsOf source: UnsafeBufferPointer<UInt8>) {
        guard let base = source.baseAddress, !source.isEmpty else { return }
        let start = count
        let end = start + source.count
        if end > storage.count { grow(minimum: end) }
        storage.withUnsafeMutableBufferPointer { room in
            // swift-format-ignore: NeverForceUnwrap
            (room.baseAddress! + start).update(from: base, count: source.count)
        }
        count = end
    }

    @inline(__always)
    mutating func append<Bytes: Collection<UInt8>>(contentsOf bytes: Bytes) {
        if bytes.withContiguousStorageIfAvailable({ append(contentsOf: $0) }) == nil {
            for byte in bytes { append(byte) }
        }
    }

    /// At least doubles the room, so appends stay amortized constant.
    private mutating func grow(minimum: Int) {
        var grown = [UInt8](repeating: 0, count: Swift.max(minimum, storage.count * 2, 256))
        let used = count
        grown.withUnsafeMutableBufferPointer { room in
            storage.withUnsafeBufferPointer { old in
                if let from = old.baseAddress, let to = room.baseAddress, used > 0 {
                    to.update(from: from, count: used)
                }
            }
        }
        storage = grown
    }
}
