// RedisFacts stays free of Foundation: parsing needs only these few string helpers.
extension StringProtocol {
    /// Without leading and trailing spaces, tabs, carriage returns and newlines: what Redis's
    /// `sdstrim(line, " \t\r\n")` removes from each config line (config.c loadServerConfigFromString).
    var trimmed: String {
        func isTrimmed(_ scalar: Unicode.Scalar) -> Bool {
            scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\n"
        }
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, isTrimmed(first) { scalars.removeFirst() }
        while let last = scalars.last, isTrimmed(last) { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
