import Foundation

/// Writes one JSON document straight from typed values, in the exact bytes `JSONSerialization` gives for the same
/// value with `[.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]` followed by `OutputText.jsonEscapingHidden`:
/// every JSON file fleet-audit writes (report, plan, history listing, diff) keeps the bytes it had when it was built
/// from `[String: Any]`, at a fraction of the cost (no boxing, no `NSString` key comparisons, no second pass over
/// the text; docs/benchmarks.md#the-offline-pipeline).
///
/// Layout, as swift-corelibs-foundation's `JSONWriter` prints it: two spaces per level, `"key" : value`, `,\n`
/// between members, and an empty container as its brackets on two lines (`[\n\n  ]`). Strings escape `"`, `\`,
/// `\b \f \n \r \t` and other C0 controls as `\u00xx`; the hidden scalars `OutputText` names (DEL, C1, bidi,
/// zero-width...) are written as `\uxxxx` escapes (UTF-16 units) so the file is safe on a terminal. Doubles are
/// written as Swift's shortest round-trip `description` without a trailing `.0`.
///
/// `compact` writes JSON as `JSONEncoder` does by default, for a database column: no layout (`{"a":1,"b":[]}`) and
/// `/` escaped as `\/`; the other escapes stay the same, and the caller writes keys in byte order (`JSONEncoder`'s
/// `.sortedKeys` order: `bufferLimitBytes` before `bufferedBytes`).
///
/// Keys: the caller writes an object's members in sorted order (`keyPrecedes` decides it, as `JSONSerialization`
/// does), which debug builds assert; objects with keys from outside (tags, counts) go through `object(sorting:)`.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    private let pretty: Bool
    private var depth = 0
    /// For each open container: whether it has no member yet.
    private var isEmpty: [Bool] = []
    /// A key was just written: the next value belongs to it and takes no separator.
    private var afterKey = false
    #if DEBUG
        private var previousKeys: [String?] = []
    #endif

    public init(reservingCapacity capacity: Int = 0, compact: Bool = false) {
        pretty = !compact
        bytes.reserveCapacity(capacity)
    }

    /// The document as text without a final newline (for a database column).
    public var compactText: String { String(decoding: bytes, as: UTF8.self) }

    /// The document as text, ended by a newline (as `JSONReporter.serialize` always ended it).
    public var text: String {
        // One copy into the string (a report's JSON is tens of megabytes at a thousand hosts), not a copy of the
        // bytes with the newline and then another.
        String(unsafeUninitializedCapacity: bytes.count + 1) { buffer in
            let (_, end) = buffer.initialize(from: bytes)
            buffer[end] = UInt8(ascii: "\n")
            return end + 1
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
        let keys = dictionary.keys.sorted(by: Self.keyPrecedes)
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
                    pretty ? Self.keyPrecedes(previous, key) : previous.utf8.lexicographicallyPrecedes(key.utf8),
                    "JSON keys out of order: \(previous) before \(key)")
            }
            previousKeys[previousKeys.count - 1] = key
        #endif
        member()
        writeString(key)
        if pretty {
            bytes.append(contentsOf: [UInt8(ascii: " "), UInt8(ascii: ":"), UInt8(ascii: " ")])
        } else {
            bytes.append(UInt8(ascii: ":"))
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
        bytes.append(contentsOf: String(value).utf8)
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
        bytes.append(contentsOf: digits.utf8)
    }

    /// The number, or `null`.
    public mutating func double(_ value: Double?) {
        guard let value else { return null() }
        double(value)
    }

    public mutating func bool(_ value: Bool) {
        beginValue()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    public mutating func null() {
        beginValue()
        bytes.append(contentsOf: "null".utf8)
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
        bytes.append(bracket)
        if pretty { bytes.append(UInt8(ascii: "\n")) }
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
            bytes.append(UInt8(ascii: "\n"))
            indent()
        }
        bytes.append(bracket)
    }

    /// A new member of the innermost container: `,\n` after the first, then the indentation.
    private mutating func member() {
        if isEmpty[isEmpty.count - 1] {
            isEmpty[isEmpty.count - 1] = false
        } else {
            bytes.append(UInt8(ascii: ","))
            if pretty { bytes.append(UInt8(ascii: "\n")) }
        }
        if pretty { indent() }
    }

    private mutating func beginValue() {
        if afterKey {
            afterKey = false
        } else if depth > 0 {
            member()
        }
    }

    private mutating func indent() {
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: depth * 2))
    }

    // MARK: Strings

    private mutating func writeString(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            // Fast path: printable ASCII other than `"` and `\` is written as it is (nearly every string).
            if utf8.allSatisfy({
                $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\")
                    && (pretty || $0 != UInt8(ascii: "/"))
            }) {
                bytes.append(contentsOf: utf8)
                return
            }
            for scalar in String(decoding: utf8, as: UTF8.self).unicodeScalars { writeScalar(scalar) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func writeScalar(_ scalar: Unicode.Scalar) {
        switch scalar {
        case "\"": bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case "\\": bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case "/" where !pretty: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "/")])
        case "\u{8}": bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
        case "\u{c}": bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
        case "\n": bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case "\r": bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case "\t": bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        default:
            // C0 controls as the serializer escapes them; DEL and above when hidden, as jsonEscapingHidden did.
            if scalar.value < 0x20 || (scalar.value >= 0x7F && OutputText.isHidden(scalar)) {
                for unit in String(scalar).utf16 {
                    bytes.append(contentsOf: "\\u".utf8)
                    let hex = String(unit, radix: 16)
                    for _ in hex.utf8.count..<4 { bytes.append(UInt8(ascii: "0")) }
                    bytes.append(contentsOf: hex.utf8)
                }
            } else {
                bytes.append(contentsOf: String(scalar).utf8)
            }
        }
    }
}
