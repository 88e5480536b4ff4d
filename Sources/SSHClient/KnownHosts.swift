import FleetCore
import Foundation

/// An OpenSSH known_hosts file, parsed in Swift.
///
/// libssh2's own known-hosts reader stops at the first malformed line (dropping every entry after it) and reads
/// `@revoked` markers as host names, so revocations would silently not apply (shared/notes/libssh2.md). This parser
/// skips malformed lines, honours `@revoked`, ignores `@cert-authority` (certificates are not supported), and matches
/// plain patterns (with `*`, `?`, `!` negation, comma lists), `[host]:port` forms and hashed `|1|salt|hash` entries.
public struct KnownHosts: Sendable {
    public struct Entry: Sendable, Hashable {
        public enum Marker: Sendable, Hashable {
            case none
            case revoked
        }

        public var marker: Marker
        /// The host field as written (patterns or a hashed name).
        public var hosts: String
        public var key: HostKey
        /// 1-based line in the file, for messages.
        public var line: Int

        public init(marker: Marker, hosts: String, key: HostKey, line: Int) {
            self.marker = marker
            self.hosts = hosts
            self.key = key
            self.line = line
        }
    }

    /// The result of looking a server's key up.
    public enum Verdict: Sendable, Hashable {
        /// A non-revoked entry for this host has exactly this key.
        case match(line: Int)
        /// The key is listed as `@revoked`.
        case revoked(line: Int)
        /// The host is known, with other keys: the key changed (or someone is in the middle).
        case mismatch(knownTypes: [String], line: Int)
        /// No entry names this host.
        case unknown
    }

    public var path: String
    public private(set) var entries: [Entry] = []
    /// Lines that were not understood; reported, never fatal.
    public var skippedLines: [Int]
    /// Where to look a host up without matching it against every line: a fleet's known_hosts has a line per host,
    /// and a scan per session would make a run quadratic in hosts.
    private var index = HostIndex()

    public init(path: String, entries: [Entry] = [], skippedLines: [Int] = []) {
        self.path = path
        self.skippedLines = skippedLines
        for entry in entries { append(entry) }
    }

    /// Adds an entry (a key accepted during the run) to the list and to the index.
    public mutating func append(_ entry: Entry) {
        index.add(entry, at: entries.count)
        entries.append(entry)
    }

    /// Reads a known_hosts file. A missing file is an empty list (every host is then unknown).
    public static func load(path: String) -> KnownHosts {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return KnownHosts(path: path) }
        return parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) -> KnownHosts {
        var result = KnownHosts(path: path)
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            var marker = Entry.Marker.none
            if let first = fields.first, first.hasPrefix("@") {
                guard first == "@revoked" else { continue }  // @cert-authority: certificates are not supported.
                marker = .revoked
                fields.removeFirst()
            }
            guard fields.count >= 3, let blob = Data(base64Encoded: fields[2]), !blob.isEmpty,
                HostKey.typeName(inBlob: [UInt8](blob)) == fields[1]
            else {
                result.skippedLines.append(index + 1)
                continue
            }
            result.append(
                Entry(
                    marker: marker, hosts: fields[0], key: HostKey(type: fields[1], blob: [UInt8](blob)),
                    line: index + 1))
        }
        return result
    }

    /// The name OpenSSH records for a host: `host` on port 22, `[host]:port` otherwise.
    public static func hostName(_ host: String, port: Int) -> String {
        port == 22 ? host : "[\(host)]:\(port)"
    }

    /// Entries whose host field names `host` on `port`, in file order.
    public func entries(forHost host: String, port: Int) -> [Entry] {
        let name = Self.hostName(host, port: port)
        let literal = index.literal[name.lowercased()] ?? []
        let matched = index.patterned.filter { Self.hostField(entries[$0].hosts, matches: name, index: index) }
        let positions = matched.isEmpty ? literal : Array(Set(literal + matched)).sorted()
        return positions.map { entries[$0] }
    }

    /// Key types recorded for the host, so the client can ask the server for a key it can verify.
    public func keyTypes(forHost host: String, port: Int) -> [String] {
        var types: [String] = []
        for entry in entries(forHost: host, port: port) where entry.marker == .none && !types.contains(entry.key.type) {
            types.append(entry.key.type)
        }
        return types
    }

    public func verify(host: String, port: Int, key: HostKey) -> Verdict {
        let candidates = entries(forHost: host, port: port)
        // A revoked key is refused wherever it appears, whatever host field the line has.
        if let revoked = index.revoked.first(where: { entries[$0].key == key }) {
            return .revoked(line: entries[revoked].line)
        }
        if let match = candidates.first(where: { $0.marker == .none && $0.key == key }) {
            return .match(line: match.line)
        }
        let known = candidates.filter { $0.marker == .none }
        guard let first = known.first else { return .unknown }
        return .mismatch(knownTypes: Array(Set(known.map(\.key.type))).sorted(), line: first.line)
    }

    /// The line `accept-new` appends for a newly seen key.
    public static func line(host: String, port: Int, key: HostKey) -> String {
        "\(hostName(host, port: port)) \(key.type) \(key.base64)"
    }

    static func hostField(_ field: String, matches name: String) -> Bool {
        hostField(field, matches: name, index: nil)
    }

    private static func hostField(_ field: String, matches name: String, index: HostIndex?) -> Bool {
        if field.hasPrefix("|1|") {
            guard let hashed = index?.hashed[field] ?? HashedName(field) else { return false }
            return hashed.matches(name)
        }
        var matched = false
        for pattern in field.split(separator: ",") {
            if pattern.hasPrefix("!") {
                if Glob.matches(String(pattern.dropFirst()), name, caseInsensitive: true) { return false }
            } else if Glob.matches(String(pattern), name, caseInsensitive: true) {
                matched = true
            }
        }
        return matched
    }

}

/// `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, as OpenSSH's HashKnownHosts writes it; decoded once per file.
private struct HashedName: Sendable {
    let salt: [UInt8]
    let hash: [UInt8]

    init?(_ field: String) {
        let parts = field.split(separator: "|", omittingEmptySubsequences: true)
        guard parts.count == 3, parts[0] == "1", let salt = Data(base64Encoded: String(parts[1])),
            let hash = Data(base64Encoded: String(parts[2]))
        else { return nil }
        self.salt = [UInt8](salt)
        self.hash = [UInt8](hash)
    }

    func matches(_ name: String) -> Bool { HMACSHA1.authenticationCode(key: salt, message: Array(name.utf8)) == hash }
}

/// Positions of the entries of a known_hosts file by how they are looked up.
private struct HostIndex: Sendable {
    /// Lower-cased plain names (no `*`, `?` or `!` in the host field) to the entries listing them.
    var literal: [String: [Int]] = [:]
    /// Entries matched one by one: hashed names, wildcards, negations.
    var patterned: [Int] = []
    /// `@revoked` entries: refused whatever their host field.
    var revoked: [Int] = []
    var hashed: [String: HashedName] = [:]

    mutating func add(_ entry: KnownHosts.Entry, at position: Int) {
        if entry.marker == .revoked { revoked.append(position) }
        let field = entry.hosts
        if field.hasPrefix("|1|") {
            patterned.append(position)
            if hashed[field] == nil { hashed[field] = HashedName(field) }
            return
        }
        let patterns = field.split(separator: ",")
        guard patterns.allSatisfy({ !$0.hasPrefix("!") && !$0.contains("*") && !$0.contains("?") }) else {
            patterned.append(position)
            return
        }
        for pattern in Set(patterns.map { $0.lowercased() }) { literal[pattern, default: []].append(position) }
    }
}
