extension CapturedSection {
    /// True only when `firstLineFailure` is nil, decided from the UTF-8 bytes: it trims the first line with
    /// Foundation, although nearly every text settles it with its first bytes. `firstLineFailure` skips blank lines
    /// (spaces and tabs, the `.whitespaces` of ASCII) and trims the first line with something on it; when that line
    /// begins with an ASCII byte and none of `errorPrefixes` matches its bytes, none matches its Characters either
    /// (an ASCII prefix matches only the same bytes), so it is nil. A non-ASCII first byte (U+00A0 is trimmed there,
    /// U+2028 ends a line) or a byte match leaves it to `firstLineFailure`.
    var isCertainlyContent: Bool {
        guard exitCode == 0 else { return false }
        var text = text
        return text.withUTF8 { bytes in
            var index = 0
            // Tab, LF, VT, FF, CR and space: blank lines and the whitespace before the first line's first byte.
            while index < bytes.count, bytes[index] == 0x20 || (0x09...0x0D).contains(bytes[index]) { index += 1 }
            guard index < bytes.count else { return true }
            guard bytes[index] < 0x80 else { return false }
            let rest = bytes[index...]
            return !Self.errorPrefixBytes.contains { rest.starts(with: $0) }
        }
    }

    private static let errorPrefixBytes: [[UInt8]] = errorPrefixes.map { Array($0.utf8) }
}
