import FleetCore

#if canImport(Glibc)
    import Glibc
#endif

/// Byte-level helpers for the parsers' fast paths. A parser whose old reading walked `Character`s takes its fast path
/// only for ASCII text: there every Character but CRLF is one byte (and lines are cut at CR and LF before CRLF could
/// be inside one), so splitting, comparing and counting bytes is doing the same to Characters, and the other texts
/// keep the Character reading, so their results do not change. Parsers that read `TextLine`s cut at bytes already.
enum ASCIIBytes {
    /// `body` over the UTF-8 bytes of `text` when every byte is ASCII; nil for any other text.
    static func withASCII<Result>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
        var text = text
        return text.withUTF8 { bytes in isASCII(bytes[...]) ? body(bytes) : nil }
    }

    static func isASCII(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        ASCIIText.isASCII(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes)))
    }

    static func string(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes), as: UTF8.self)
    }

    /// `lowercased()` of the text the bytes spell, valid UTF-8: ASCII's by bytes (A-Z only), any other by
    /// `String.lowercased` (whose Unicode mappings can even give ASCII: the Kelvin sign becomes `k`).
    static func lowercased(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> String {
        let source = UnsafeBufferPointer(rebasing: bytes)
        var combined: UInt8 = 0
        var upper = false
        for offset in 0..<source.count {
            combined |= source[offset]
            upper = upper || (source[offset] >= 0x41 && source[offset] <= 0x5A)
        }
        guard combined < 0x80 else { return string(bytes).lowercased() }
        guard upper else { return string(bytes) }
        return String(unsafeUninitializedCapacity: source.count) { buffer in
            for offset in 0..<source.count {
                let byte = source[offset]
                buffer[offset] = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            }
            return source.count
        }
    }

    /// What `T(String(bytes))` gives (the standard library's radix-10 parse): an optional `+` or `-`, then at least
    /// one digit 0-9, nothing else; nil on overflow.
    static func integer<T: FixedWidthInteger>(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, as: T.Type = T.self) -> T? {
        var index = bytes.startIndex
        guard index < bytes.endIndex else { return nil }
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative || bytes[index] == UInt8(ascii: "+") { index += 1 }
        guard index < bytes.endIndex else { return nil }
        var value: T = 0
        while index < bytes.endIndex {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (shifted, overflowMultiplying) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowAdding) =
                negative
                ? shifted.subtractingReportingOverflow(T(digit)) : shifted.addingReportingOverflow(T(digit))
            guard !overflowMultiplying, !overflowAdding else { return nil }
            value = next
            index += 1
        }
        return value
    }

    /// `bytes.firstIndex(of: byte)` through memchr(3): the parsers look for the end of every line and the colon or
    /// equals sign of every field this way, and the generic search on a slice cost several instructions a byte.
    static func firstIndex(of byte: UInt8, in bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Int? {
        guard let base = bytes.base.baseAddress, !bytes.isEmpty,
            let found = memchr(base + bytes.startIndex, Int32(byte), bytes.count)
        else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// Whether `bytes` holds `needle` anywhere.
    static func contains(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, _ needle: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = needle.first, bytes.count >= needle.count else { return false }
        let base = bytes.base
        var index = bytes.startIndex
        let last = bytes.endIndex - needle.count
        while index <= last {
            if base[index] == first {
                var offset = 1
                while offset < needle.count, base[index + offset] == needle[offset] { offset += 1 }
                if offset == needle.count { return true }
            }
            index += 1
        }
        return false
    }

    /// Byte ranges of the pieces between `separator`s, empty ones dropped: `split(separator:)` of ASCII text.
    static func pieces(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, separator: UInt8) -> [Range<Int>] {
        pieces(bytes) { $0 == separator }
    }

    /// `text.split(separator: " ").map(String.init)`, cut at the bytes when the text is ASCII.
    static func spaceSeparatedWords(_ text: String) -> [String] {
        withASCII(text) { bytes in pieces(bytes[...], separator: 0x20).map { string(bytes[$0]) } }
            ?? text.split(separator: " ").map(String.init)
    }

    /// The first two pieces between `separator`s (empty ones dropped), whatever follows, without an array: what
    /// `pieces(_:separator:).prefix(2)` gives.
    static func leadingPieces(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, separator: UInt8)
        -> (first: Range<Int>?, second: Range<Int>?)
    {
        var found: (first: Range<Int>?, second: Range<Int>?) = (nil, nil)
        let base = bytes.base
        var index = bytes.startIndex
        while index < bytes.endIndex, found.second == nil {
            while index < bytes.endIndex, base[index] == separator { index += 1 }
            guard index < bytes.endIndex else { break }
            let start = index
            while index < bytes.endIndex, base[index] != separator { index += 1 }
            if found.first == nil { found.first = start..<index } else { found.second = start..<index }
        }
        return found
    }

    /// The two pieces between `separator`s (empty ones dropped) when there are exactly two, without an array.
    static func twoPieces(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, separator: UInt8) -> (Range<Int>, Range<Int>)? {
        var found: [Range<Int>?] = [nil, nil]
        var count = 0
        let base = bytes.base
        var index = bytes.startIndex
        while index < bytes.endIndex {
            while index < bytes.endIndex, base[index] == separator { index += 1 }
            guard index < bytes.endIndex else { break }
            let start = index
            while index < bytes.endIndex, base[index] != separator { index += 1 }
            guard count < 2 else { return nil }
            found[count] = start..<index
            count += 1
        }
        guard count == 2, let first = found[0], let second = found[1] else { return nil }
        return (first, second)
    }

    /// Byte ranges of the pieces between separator bytes, empty ones dropped.
    static func pieces(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, isSeparator: (UInt8) -> Bool) -> [Range<Int>] {
        var pieces: [Range<Int>] = []
        let base = bytes.base
        var start = bytes.startIndex
        var index = start
        while index < bytes.endIndex {
            if isSeparator(base[index]) {
                if start < index { pieces.append(start..<index) }
                start = index + 1
            }
            index += 1
        }
        if start < bytes.endIndex { pieces.append(start..<bytes.endIndex) }
        return pieces
    }
}

/// Substring search as the parsers and rules have always done it (`contains` of a StringProtocol, Foundation's),
/// on the bytes when the text is ASCII (then a match of Characters is a match of bytes, and only then).
public enum TextSearch {
    public static func contains(_ text: Substring, _ needle: String) -> Bool {
        var text = text
        var needleText = needle
        let fast = text.withUTF8 { bytes -> Bool? in
            needleText.withUTF8 { needleBytes in
                guard !needleBytes.isEmpty, ASCIIBytes.isASCII(bytes[...]), ASCIIBytes.isASCII(needleBytes[...])
                else { return nil }
                return ASCIIBytes.contains(bytes[...], needleBytes)
            }
        }
        return fast ?? text.contains(needle)
    }

    public static func contains(_ text: String, _ needle: String) -> Bool { contains(text[...], needle) }
}
