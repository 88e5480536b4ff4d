// RedisFacts stays free of Foundation: parsing needs only these few string helpers.
extension StringProtocol {
    /// Without leading and trailing spaces, tabs and carriage returns.
    var trimmed: String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first == " " || first == "\t" || first == "\r" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" || last == "\r" { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
