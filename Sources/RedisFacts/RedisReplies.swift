import FleetCore

/// `CONFIG GET *` as redis-cli prints it when piped: name and value on alternating lines (a value may be empty).
/// Lines are split as everywhere else (`TextLine`), so a reply with CRLF line ends reads the same.
public struct ConfigGetReply: Sendable, Hashable {
    public var values: [String: String]

    public init(parsing text: String) {
        var lines = TextLine.split(text).map { $0.content.trimmed }
        if lines.last == "" { lines.removeLast() }
        var values: [String: String] = [:]
        var index = 0
        while index + 1 < lines.count {
            values[lines[index].lowercased()] = lines[index + 1]
            index += 2
        }
        self.values = values
    }

    public subscript(name: String) -> String? { values[name.lowercased()] }
}

/// `CLIENT LIST`: one client per line, `key=value` fields separated by spaces.
public struct ClientList: Sendable, Hashable {
    public struct Client: Sendable, Hashable {
        public var fields: [String: String]
        public var address: String? { fields["addr"] }
        /// The client's IP without the port (`127.0.0.1:5678` → `127.0.0.1`, `[::1]:5678` → `::1`).
        public var ip: String? {
            guard let address, let colon = address.lastIndex(of: ":") else { return nil }
            return String(address[..<colon]).trimmingBrackets
        }
        public var name: String? { fields["name"].flatMap { $0.isEmpty ? nil : $0 } }
        public var flags: String { fields["flags"] ?? "" }
        public var lastCommand: String? { fields["cmd"] }
        /// Replicas show flag `S`, masters seen by a replica `M`.
        public var isReplica: Bool { flags.contains("S") }
    }

    public var clients: [Client]

    public init(parsing text: String) {
        clients = TextLine.split(text).compactMap { textLine in
            let line = textLine.content.trimmed
            var fields: [String: String] = [:]
            for pair in line.split(separator: " ") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
            }
            return fields.isEmpty ? nil : Client(fields: fields)
        }
    }
}

extension String {
    fileprivate var trimmingBrackets: String {
        hasPrefix("[") && hasSuffix("]") ? String(dropFirst().dropLast()) : self
    }
}

/// `MODULE LIST` as redis-cli prints it when piped: `name`, value, `ver`, value, ... for each module.
public struct ModuleList: Sendable, Hashable {
    public struct Module: Sendable, Hashable {
        public var name: String
        public var version: String?
    }

    public var modules: [Module]

    public init(parsing text: String) {
        let lines = TextLine.split(text).map { $0.content.trimmed }.filter { !$0.isEmpty }
        var modules: [Module] = []
        var index = 0
        while index < lines.count {
            if lines[index] == "name", index + 1 < lines.count {
                var module = Module(name: lines[index + 1], version: nil)
                if index + 3 < lines.count, lines[index + 2] == "ver" { module.version = lines[index + 3] }
                modules.append(module)
                index += 2
            } else {
                index += 1
            }
        }
        self.modules = modules
    }
}

/// `ACL LIST` rules, reduced to what the checks need (no secret survives this type).
public struct ACLList: Sendable, Hashable {
    public struct User: Sendable, Hashable {
        public var name: String
        public var isEnabled: Bool
        public var allowsNoPassword: Bool
        public var hasPasswords: Bool
    }

    public var users: [User]

    public init(parsing text: String) {
        users = TextLine.split(text).compactMap { line in
            let words = line.content.unicodeScalars.split(whereSeparator: RedisArguments.isSpace).map {
                String(String.UnicodeScalarView($0))
            }
            guard words.count >= 2, words[0] == "user" else { return nil }
            // ACL rules apply left to right: the last on/off and nopass/resetpass win.
            var enabled = false
            var noPassword = false
            var passwords = false
            for word in words.dropFirst(2) {
                switch word {
                case "on": enabled = true
                case "off": enabled = false
                case "nopass": noPassword = true
                case "resetpass":
                    noPassword = false
                    passwords = false
                default:
                    if word.hasPrefix(">") || word.hasPrefix("#") { passwords = true }
                }
            }
            return User(name: words[1], isEnabled: enabled, allowsNoPassword: noPassword, hasPasswords: passwords)
        }
    }

    public func user(_ name: String) -> User? { users.first { $0.name == name } }
}
