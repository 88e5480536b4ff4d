/// One framed section of the collector's output.
public struct CollectedSection: Sendable, Hashable {
    public var name: String
    /// `port`, `path`, ... from the BEGIN line.
    public var attributes: [String: String]
    public var exitCode: Int?
    public var text: String
    /// The command printed more than the collector's per-section limit.
    public var truncated: Bool
}

/// Reads the collector's framed output: `==FA:TOKEN:BEGIN name k=v...==`, the text, `==FA:TOKEN:END rc=N bytes=N==`.
///
/// Only lines carrying this run's random token frame sections, so nothing a host prints can forge or close one.
/// Text outside sections, unterminated sections and malformed frames are dropped or kept as far as they are whole.
public enum SectionStream {
    public static func parse(_ output: String, token: String, limit: Int) -> [CollectedSection] {
        let begin = "==FA:\(token):BEGIN "
        let end = "==FA:\(token):END "
        var sections: [CollectedSection] = []
        var current: CollectedSection?
        var body: [Substring] = []
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(begin) && line.hasSuffix("==") {
                let header = line.dropFirst(begin.count).dropLast(2)
                let words = header.split(separator: " ", maxSplits: 1)
                guard let name = words.first else { continue }
                current = CollectedSection(
                    name: String(name), attributes: attributes(words.count > 1 ? String(words[1]) : ""),
                    exitCode: nil, text: "", truncated: false)
                body = []
            } else if line.hasPrefix(end) && line.hasSuffix("=="), var section = current {
                let values = attributes(String(line.dropFirst(end.count).dropLast(2)))
                section.exitCode = values["rc"].flatMap { Int($0) }
                // The collector adds one newline before END, so a text without a final newline stays exact.
                section.text = body.joined(separator: "\n")
                section.truncated = (values["bytes"].flatMap { Int($0) } ?? 0) > limit
                sections.append(section)
                current = nil
            } else if current != nil {
                body.append(line)
            }
        }
        return sections
    }

    /// `port=6379 path=/etc/redis/redis.conf`; `path` takes the rest of the line (paths may hold spaces).
    static func attributes(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        var rest = Substring(text)
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let key = String(rest[..<equals])
            let afterEquals = rest[rest.index(after: equals)...]
            if key == "path" {
                result[key] = String(afterEquals)
                break
            }
            let value = afterEquals.prefix { $0 != " " }
            result[key] = String(value)
            rest = afterEquals.dropFirst(value.count)
        }
        return result
    }
}
