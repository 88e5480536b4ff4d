/// Reads a `check_block.outline` column (`[[check_id, title, severity, status], …]`, `CheckBlockJSON.outline`)
/// into its strings, for "since the last run".
///
/// Hand-written because that read is paid by every report: Foundation's JSON parsers took 40–110 ms for the 1,283
/// outlines (41,029 checks) of a 1,000-host run, SQLite's `json_each` with `->>` 58 ms, where reading the same four
/// columns as rows took 13 (docs/benchmarks.md). It accepts exactly the JSON grammar of that shape, whitespace
/// included: the outlines fleet-audit writes (`JSONWriter`) and the ones migration v3 wrote (SQLite's
/// `json_array`, which does not escape `/` or characters past DEL); anything else is `Malformed`, never trapped on.
struct CheckOutlineReader {
    struct Entry: Equatable {
        var checkID: String
        var title: String
        var severity: String
        var status: String
    }

    /// Not an outline: `offset` is the byte where reading stopped.
    struct Malformed: Error, Equatable {
        var offset: Int
    }

    private let bytes: [UInt8]
    private var index = 0

    private init(_ text: String) { bytes = Array(text.utf8) }

    static func entries(_ text: String) throws(Malformed) -> [Entry] {
        var reader = CheckOutlineReader(text)
        return try reader.outline()
    }

    private mutating func outline() throws(Malformed) -> [Entry] {
        var entries: [Entry] = []
        try expect(UInt8(ascii: "["))
        if try peek() == UInt8(ascii: "]") {
            index += 1
        } else {
            repeat {
                try expect(UInt8(ascii: "["))
                let checkID = try string()
                try expect(UInt8(ascii: ","))
                let title = try string()
                try expect(UInt8(ascii: ","))
                let severity = try string()
                try expect(UInt8(ascii: ","))
                let status = try string()
                try expect(UInt8(ascii: "]"))
                entries.append(Entry(checkID: checkID, title: title, severity: severity, status: status))
            } while try nextElement()
        }
        skipWhitespace()
        guard index == bytes.count else { throw Malformed(offset: index) }
        return entries
    }

    /// After an element: `,` (another follows) or `]` (the end of the outline).
    private mutating func nextElement() throws(Malformed) -> Bool {
        switch try peek() {
        case UInt8(ascii: ","):
            index += 1
            return true
        case UInt8(ascii: "]"):
            index += 1
            return false
        default: throw Malformed(offset: index)
        }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A || bytes[index] == 0x0D
        {
            index += 1
        }
    }

    private mutating func peek() throws(Malformed) -> UInt8 {
        skipWhitespace()
        guard index < bytes.count else { throw Malformed(offset: index) }
        return bytes[index]
    }

    private mutating func expect(_ byte: UInt8) throws(Malformed) {
        guard try peek() == byte else { throw Malformed(offset: index) }
        index += 1
    }

    /// A JSON string (RFC 8259 section 7): text without escapes is copied as one run of bytes.
    private mutating func string() throws(Malformed) -> String {
        try expect(UInt8(ascii: "\""))
        let start = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\"),
            bytes[index] >= 0x20
        {
            index += 1
        }
        guard index < bytes.count else { throw Malformed(offset: index) }
        if bytes[index] == UInt8(ascii: "\"") {
            index += 1
            return String(decoding: bytes[start..<(index - 1)], as: UTF8.self)
        }
        var unescaped = Array(bytes[start..<index])
        while true {
            guard index < bytes.count else { throw Malformed(offset: index) }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: unescaped, as: UTF8.self)
            case UInt8(ascii: "\\"):
                index += 1
                try unescape(into: &unescaped)
            case 0..<0x20:
                // Controls must be escaped in JSON text.
                throw Malformed(offset: index)
            default:
                unescaped.append(byte)
                index += 1
            }
        }
    }

    /// The escape after a backslash, appended as UTF-8.
    private mutating func unescape(into unescaped: inout [UInt8]) throws(Malformed) {
        guard index < bytes.count else { throw Malformed(offset: index) }
        let letter = bytes[index]
        index += 1
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): unescaped.append(letter)
        case UInt8(ascii: "b"): unescaped.append(0x08)
        case UInt8(ascii: "f"): unescaped.append(0x0C)
        case UInt8(ascii: "n"): unescaped.append(0x0A)
        case UInt8(ascii: "r"): unescaped.append(0x0D)
        case UInt8(ascii: "t"): unescaped.append(0x09)
        case UInt8(ascii: "u"):
            var value = UInt32(try hexUnit())
            if (0xD800..<0xDC00).contains(value) {
                // A scalar past U+FFFF is two escapes, a high then a low surrogate (UTF-16).
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                else { throw Malformed(offset: index) }
                index += 2
                let low = UInt32(try hexUnit())
                guard (0xDC00..<0xE000).contains(low) else { throw Malformed(offset: index) }
                value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(value) else { throw Malformed(offset: index) }
            unescaped.append(contentsOf: String(scalar).utf8)
        default: throw Malformed(offset: index - 1)
        }
    }

    /// Four hex digits of a `\u` escape.
    private mutating func hexUnit() throws(Malformed) -> UInt16 {
        guard index + 4 <= bytes.count else { throw Malformed(offset: index) }
        var unit: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Malformed(offset: index)
            }
            unit = unit << 4 | UInt16(digit)
            index += 1
        }
        return unit
    }
}
