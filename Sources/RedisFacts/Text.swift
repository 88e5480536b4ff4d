// RedisFacts stays free of Foundation: parsing needs only these few string helpers.
extension StringProtocol {
    /// Without leading and trailing spaces, tabs, carriage returns and newlines: what Redis's
    /// `sdstrim(line, " \t\r\n")` removes from each config line (config.c loadServerConfigFromString).
    var trimmed: String {
        // The four are ASCII, so trimming bytes of the UTF-8 view is trimming scalars, without copying them one by one.
        func isTrimmed(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        let substring = Substring(self)
        let utf8 = substring.utf8
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, isTrimmed(utf8[start]) { utf8.formIndex(after: &start) }
        while start < end {
            let before = utf8.index(before: end)
            guard isTrimmed(utf8[before]) else { break }
            end = before
        }
        // Sliced as scalars: a space before a combining mark is trimmed although the two make one Character.
        return String(substring.unicodeScalars[start..<end])
    }
}

extension String {
    /// `split(whereSeparator: \.isNewline)`, the same Substrings, found faster in ASCII text: there the newline
    /// Characters are LF, VT, FF, CR and CRLF, so lines end at bytes 10-13 and empty pieces are dropped (a cut
    /// between the CR and LF of a CRLF only ever bounds an empty piece). Other text is split by Characters.
    public var newlineSeparatedLines: [Substring] {
        guard utf8.allSatisfy({ $0 < 0x80 }) else { return split(whereSeparator: \.isNewline) }
        var lines: [Substring] = []
        var start = utf8.startIndex
        var index = start
        while index < utf8.endIndex {
            if (10...13).contains(utf8[index]) {
                if start < index { lines.append(self[start..<index]) }
                start = utf8.index(after: index)
            }
            utf8.formIndex(after: &index)
        }
        if start < utf8.endIndex { lines.append(self[start..<utf8.endIndex]) }
        return lines
    }
}

extension String {
    /// Whether `needle`'s UTF-8 bytes occur in this string's, found by a plain scan (the generic `firstRange(of:)`
    /// sets up a searcher per call, which costs more than the search in the short texts hosts return). In valid
    /// UTF-8 the bytes of a scalar sequence occur exactly where its scalars do (UTF-8 is self-synchronising).
    public func holdsBytes(of needle: String) -> Bool {
        var text = self
        var needle = needle
        return text.withUTF8 { haystack in
            needle.withUTF8 { needle in
                guard let first = needle.first else { return true }
                guard needle.count <= haystack.count else { return false }
                var start = 0
                while start <= haystack.count - needle.count {
                    if haystack[start] == first,
                        UnsafeBufferPointer(rebasing: haystack[start..<(start + needle.count)]).elementsEqual(needle)
                    {
                        return true
                    }
                    start += 1
                }
                return false
            }
        }
    }
}
