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
