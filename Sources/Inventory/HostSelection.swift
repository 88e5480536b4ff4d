#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A `--limit` expression: which inventory hosts to act on.
///
/// Terms are separated by commas. A plain term selects hosts by name (shell globs allowed: `cache-prod-*`) or by
/// group; `group:NAME` only by group; `tag:KEY=VALUE` (or `KEY=VALUE`) by tag. Plain terms add hosts (union);
/// a term starting with `&` keeps only hosts that also match it; a term starting with `!` removes hosts.
/// Example: `prod,staging,&app=checkout,!cache-prod-3`.
public struct HostSelection: Sendable, Hashable {
    enum Atom: Sendable, Hashable {
        case nameOrGroup(String)
        case group(String)
        case tag(key: String, value: String)
    }

    enum Term: Sendable, Hashable {
        case add(Atom)
        case require(Atom)
        case remove(Atom)
    }

    let terms: [Term]

    /// A description of what is wrong with an expression.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public init(parsing expression: String) throws(ParseError) {
        var terms: [Term] = []
        for rawTerm in expression.split(separator: ",", omittingEmptySubsequences: false) {
            var text = rawTerm.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { throw ParseError(description: "empty term in '\(expression)'") }
            let marker = text.first
            if marker == "!" || marker == "&" { text.removeFirst() }
            let atom = try Self.atom(text, in: expression)
            switch marker {
            case "!": terms.append(.remove(atom))
            case "&": terms.append(.require(atom))
            default: terms.append(.add(atom))
            }
        }
        self.terms = terms
    }

    private static func atom(_ text: String, in expression: String) throws(ParseError) -> Atom {
        guard !text.isEmpty else {
            throw ParseError(description: "a '!' or '&' with nothing after it in '\(expression)'")
        }
        if text.hasPrefix("group:") {
            let group = String(text.dropFirst("group:".count))
            guard !group.isEmpty else { throw ParseError(description: "'group:' needs a group name") }
            return .group(group)
        }
        let tagText = text.hasPrefix("tag:") ? String(text.dropFirst("tag:".count)) : text
        if let equals = tagText.firstIndex(of: "=") {
            let key = String(tagText[..<equals])
            let value = String(tagText[tagText.index(after: equals)...])
            guard !key.isEmpty else { throw ParseError(description: "'\(text)' has no tag key before '='") }
            return .tag(key: key, value: value)
        }
        if text.hasPrefix("tag:") { throw ParseError(description: "'\(text)' needs the form tag:KEY=VALUE") }
        return .nameOrGroup(text)
    }

    /// Whether the selection includes `host`.
    public func matches(_ host: InventoryHost) -> Bool {
        let hasPositiveTerm = terms.contains { if case .add = $0 { true } else { false } }
        var selected = !hasPositiveTerm
        for case .add(let atom) in terms where Self.atom(atom, matches: host) { selected = true }
        for term in terms {
            switch term {
            case .require(let atom) where !Self.atom(atom, matches: host): return false
            case .remove(let atom) where Self.atom(atom, matches: host): return false
            default: continue
            }
        }
        return selected
    }

    private static func atom(_ atom: Atom, matches host: InventoryHost) -> Bool {
        switch atom {
        case .nameOrGroup(let pattern):
            return glob(pattern, host.name) || host.groups.contains { glob(pattern, $0) }
        case .group(let pattern):
            return host.groups.contains { glob(pattern, $0) }
        case .tag(let key, let pattern):
            return host.tags[key].map { glob(pattern, $0) } ?? false
        }
    }

    private static func glob(_ pattern: String, _ text: String) -> Bool {
        fnmatch(pattern, text, 0) == 0
    }
}
