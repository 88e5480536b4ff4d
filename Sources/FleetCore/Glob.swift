/// Shell-style `*` and `?` matching, as OpenSSH's known_hosts patterns and Redis 7's `include` globs use it.
public enum Glob {
    /// Whether `text` matches `pattern`; `caseInsensitive` for host names.
    public static func matches(_ pattern: String, _ text: String, caseInsensitive: Bool = false) -> Bool {
        let pattern = Array((caseInsensitive ? pattern.lowercased() : pattern).utf8)
        let text = Array((caseInsensitive ? text.lowercased() : text).utf8)
        var (p, t, star, mark) = (0, 0, -1, 0)
        while t < text.count {
            if p < pattern.count && (pattern[p] == UInt8(ascii: "?") || pattern[p] == text[t]) {
                p += 1
                t += 1
            } else if p < pattern.count && pattern[p] == UInt8(ascii: "*") {
                star = p
                mark = t
                p += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                t = mark
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}

/// Byte counts for people: `1.5 GiB`.
public enum ByteCount {
    public static func format(_ value: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var amount = Double(value)
        var unit = 0
        while amount >= 1024 && unit < units.count - 1 {
            amount /= 1024
            unit += 1
        }
        guard unit > 0 else { return "\(value) B" }
        let rounded = (amount * 10).rounded() / 10
        return (rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)) + " " + units[unit]
    }
}
