import Foundation

/// A strict JSON reader into a small tree, for the documents fleet-audit writes itself and reads back in bulk (a
/// stored run's snapshots: `report --run` of 1,000 hosts reads 1,000 of them, and Foundation's `JSONDecoder` spent
/// more time there than any rule).
///
/// It accepts less than JSON allows, never more: integers only (no fraction or exponent), no duplicate keys, valid
/// UTF-8, at most `maximumDepth` levels. Anything else is `nil`, and the caller decodes the same bytes with
/// `JSONDecoder`, which then gives the authoritative value or error. So a document read here is one `JSONDecoder`
/// would have read the same way, and the fast path can only be slower to fail, never different. The history reads
/// its check blocks' outlines with it too (`CheckOutlineReader`).
public enum JSONTree: Equatable, Sendable {
    case null
    case bool(Bool)
    case integer(Int)
    case string(String)
    case array([JSONTree])
    case object([String: JSONTree])

    static let maximumDepth = 32

    public static func parse(_ data: Data) -> JSONTree? {
        data.withUnsafeBytes { raw in parse(raw.bindMemory(to: UInt8.self)) }
    }

    /// The text's own UTF-8, read without a copy into `Data`.
    public static func parse(_ text: String) -> JSONTree? {
        var text = text
        return text.withUTF8 { parse($0) }
    }

    /// Reads `text` piece by piece with `body`, as `parse` reads it (the same strings, the same strictness), for a
    /// reader of one known shape that need not build a tree: the history's check outlines, forty thousand arrays
    /// of four strings per 1,000-host run, where a tree cost eight times the scan.
    public static func scan<Result>(_ text: String, _ body: (inout Scanner) -> Result?) -> Result? {
        var text = text
        return text.withUTF8 { bytes in
            var scanner = Scanner(reader: Reader(bytes: bytes))
            return body(&scanner)
        }
    }

    /// A position in JSON text (`scan`): each read skips the whitespace before it and moves past what it read
    /// only when it is there. It points into the text, so it is valid only inside `scan`'s body, which must not
    /// keep it.
    public struct Scanner {
        fileprivate var reader: Reader

        /// Reads `byte` (a bracket, comma or colon) if it comes next.
        public mutating func take(_ byte: UInt8) -> Bool {
            reader.skipWhitespace()
            guard reader.index < reader.bytes.count, reader.bytes[reader.index] == byte else { return false }
            reader.index += 1
            return true
        }

        /// The string that comes next, or nil (no string, or one `parse` refuses).
        public mutating func string() -> String? {
            reader.skipWhitespace()
            guard reader.index < reader.bytes.count, reader.bytes[reader.index] == UInt8(ascii: "\"") else {
                return nil
            }
            return reader.string()
        }

        /// Whether nothing but whitespace is left.
        public mutating func isAtEnd() -> Bool {
            reader.skipWhitespace()
            return reader.index == reader.bytes.count
        }
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> JSONTree? {
        var reader = Reader(bytes: bytes)
        guard let value = reader.value(depth: 0) else { return nil }
        reader.skipWhitespace()
        return reader.index == reader.bytes.count ? value : nil
    }

    fileprivate struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        /// The decoded bytes of the string being read, reused from one escaped string to the next (a snapshot holds
        /// tens of thousands, each config file and INFO reply one): an array per string was a malloc and a free each.
        var scratch = JSONBytes()

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) -> JSONTree? {
            skipWhitespace()
            guard index < bytes.count, depth < JSONTree.maximumDepth else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "{"): return object(depth: depth)
            case UInt8(ascii: "["): return array(depth: depth)
            case UInt8(ascii: "\""): return string().map(JSONTree.string)
            case UInt8(ascii: "t"): return literal("true", .bool(true))
            case UInt8(ascii: "f"): return literal("false", .bool(false))
            case UInt8(ascii: "n"): return literal("null", .null)
            default: return integer()
            }
        }

        mutating func literal(_ word: StaticString, _ value: JSONTree) -> JSONTree? {
            let count = word.utf8CodeUnitCount
            guard bytes.count - index >= count else { return nil }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return nil }
            index += count
            return value
        }

        /// `-?(0|[1-9][0-9]*)` that fits an `Int`; a fraction or exponent is left to JSONDecoder.
        mutating func integer() -> JSONTree? {
            var negative = false
            if bytes[index] == UInt8(ascii: "-") {
                negative = true
                index += 1
            }
            let start = index
            var magnitude = 0
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                let (times, overflow) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(Int(bytes[index] - UInt8(ascii: "0")))
                guard !overflow, !overflow2 else { return nil }
                magnitude = sum
                index += 1
            }
            let digits = index - start
            guard digits > 0, !(digits > 1 && bytes[start] == UInt8(ascii: "0")) else { return nil }
            if index < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index]) {
                return nil
            }
            return .integer(negative ? -magnitude : magnitude)
        }

        mutating func array(depth: Int) -> JSONTree? {
            index += 1
            var elements: [JSONTree] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                guard let element = value(depth: depth + 1) else { return nil }
                elements.append(element)
                guard let closed = endOfMember(closer: UInt8(ascii: "]")) else { return nil }
                if closed { return .array(elements) }
            }
        }

        /// After an element or member: true at the container's closing byte, false at a comma, nil otherwise.
        mutating func endOfMember(closer: UInt8) -> Bool? {
            skipWhitespace()
            guard index < bytes.count else { return nil }
            let separator = bytes[index]
            index += 1
            if separator == closer { return true }
            return separator == UInt8(ascii: ",") ? false : nil
        }

        mutating func object(depth: Int) -> JSONTree? {
            index += 1
            var members: [String: JSONTree] = [:]
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = string() else { return nil }
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                guard let member = value(depth: depth + 1), members.updateValue(member, forKey: key) == nil else {
                    return nil
                }
                guard let closed = endOfMember(closer: UInt8(ascii: "}")) else { return nil }
                if closed { return .object(members) }
            }
        }

        /// A string at `index` (its opening quote). Runs without escapes are copied as they are; the result must be
        /// valid UTF-8 (what JSONDecoder requires), and a `\u` escape must not leave a surrogate unpaired.
        mutating func string() -> String? {
            index += 1
            let start = index
            index = JSONTree.plainRunEnd(bytes, from: index)
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "\"") {
                let text = JSONTree.validatedString(UnsafeBufferPointer(rebasing: bytes[start..<index]))
                index += 1
                return text
            }
            // Escapes (the newlines of a config file or INFO reply): the runs between them are copied whole.
            scratch.removeAll()
            scratch.reserveCapacity(min(bytes.count - start, 4 * (index - start) + 64))
            var run = start
            while true {
                index = JSONTree.plainRunEnd(bytes, from: index)
                guard index < bytes.count else { return nil }
                let byte = bytes[index]
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<index]))
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return scratch.withUnsafeBytes { JSONTree.validatedString($0.assumingMemoryBound(to: UInt8.self)) }
                }
                // A control byte: not allowed raw in a JSON string.
                guard byte == UInt8(ascii: "\\") else { return nil }
                index += 1
                guard index < bytes.count else { return nil }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(escape)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "u"):
                    guard let scalar = unicodeEscape() else { return nil }
                    UTF8.encode(scalar) { scratch.append($0) }
                default: return nil
                }
                run = index
            }
        }

        /// The scalar of `\uXXXX` (the `\u` already read), joining a surrogate pair.
        mutating func unicodeEscape() -> Unicode.Scalar? {
            guard let unit = hex4() else { return nil }
            switch unit {
            case 0xD800...0xDBFF:
                guard bytes.count - index >= 2, bytes[index] == UInt8(ascii: "\\"),
                    bytes[index + 1] == UInt8(ascii: "u")
                else { return nil }
                index += 2
                guard let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
                return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
            case 0xDC00...0xDFFF: return nil
            default: return Unicode.Scalar(unit)
            }
        }

        mutating func hex4() -> UInt32? {
            guard bytes.count - index >= 4 else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }
    }
}

extension JSONTree {
    /// The index of the first byte at or after `start` that ends a run a string copies as it is: `"`, `\` or a
    /// control byte (below 0x20); `bytes.count` if none. Eight bytes at a time while none of the eight can be
    /// one (the usual has-zero-byte test on the word, which may flag a byte after a real match but never
    /// misses one; a flagged word is then read byte by byte).
    static func plainRunEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var index = start
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while index + 8 <= bytes.count {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                let controls = (word &- ones &* 0x20) & ~word & highs
                let quotes = ((word ^ (ones &* 0x22)) &- ones) & ~(word ^ (ones &* 0x22)) & highs
                let backslashes = ((word ^ (ones &* 0x5C)) &- ones) & ~(word ^ (ones &* 0x5C)) & highs
                if controls | quotes | backslashes != 0 { break }
                index += 8
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { return index }
            index += 1
        }
        return index
    }

    /// `String(validating: bytes, as: UTF8.self)`, with ASCII (nearly every string fleet-audit stores) taken at
    /// once: ASCII is valid UTF-8, so `String(decoding:)` gives the same string, where the generic initializer cost
    /// about a thousand instructions a string.
    static func validatedString(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard !ASCIIText.isASCII(UnsafeRawBufferPointer(bytes)) else { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self)
    }
}
