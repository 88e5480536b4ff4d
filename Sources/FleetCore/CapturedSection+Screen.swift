extension CapturedSection {
    /// `content`, the same value, without `failure`'s cost where the first bytes already settle it.
    public var screenedContent: String? { isCertainlyContent ? text : content }

    /// `failure`, the same value, without its cost where the first bytes already settle it.
    public var screenedFailure: String? { isCertainlyContent ? nil : failure }

    /// True only when `failure` is nil, decided from the UTF-8 bytes: `failure` trims the first line with
    /// Foundation (microseconds a section, for every section of every host of a run), although nearly every text
    /// settles it with its first bytes. `failure` skips blank lines (spaces and tabs, the `.whitespaces` of ASCII)
    /// and trims the first line with something on it; when that line begins with an ASCII byte and none of
    /// `errorPrefixes` matches its bytes, none matches its Characters either (an ASCII prefix matches only the same
    /// bytes), so `failure` is nil. A non-ASCII first byte (U+00A0 is trimmed there, U+2028 ends a line) or a byte
    /// match leaves it to `failure`.
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
