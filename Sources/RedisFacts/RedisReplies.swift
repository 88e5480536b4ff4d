import FleetCore

/// `CONFIG GET *` as redis-cli prints it when piped: name and value on alternating lines (a value may be empty).
/// Lines are split as everywhere else (`TextLine`), so a reply with CRLF line ends reads the same.
public struct ConfigGetReply: Sendable, Hashable {
    public var values: [String: String]

    public init(parsing text: String) {
        // Read on the bytes: `TextLine.split` cuts at LF, `trimmed` removes spaces, tabs, CR and LF at both ends (the
        // CR of a CRLF with them), all single bytes, so trimming a line's bytes and then decoding them gives the
        // String that decoding and then trimming gave; names are lowercased as `lowercased()` does.
        var text = text
        values = text.withUTF8 { bytes in
            func isTrimmed(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
            var values: [String: String] = [:]
            values.reserveCapacity(256)
            // Lines in pairs as they come; the last line is left out when it is empty once trimmed, as before.
            var name: Range<Int>?
            var start = 0
            while start <= bytes.count {
                let end = ASCIIBytes.firstIndex(of: 0x0A, in: bytes[start...]) ?? bytes.count
                var low = start
                var high = end
                while low < high, isTrimmed(bytes[low]) { low += 1 }
                while high > low, isTrimmed(bytes[high - 1]) { high -= 1 }
                start = end + 1
                if end == bytes.count && low == high { break }
                if let pending = name {
                    values[ASCIIBytes.lowercased(bytes[pending])] = ASCIIBytes.string(bytes[low..<high])
                    name = nil
                } else {
                    name = low..<high
                }
            }
            return values
        }
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
        if let clients = ASCIIBytes.withASCII(text, Self.clients(ascii:)) {
            self.clients = clients
            return
        }
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

    /// The clients of ASCII text, read on its bytes (there every Character is one byte): lines cut at LF as
    /// `TextLine.split` cuts them (a CR before it is trimmed with the line's ends).
    private static func clients(ascii bytes: UnsafeBufferPointer<UInt8>) -> [Client] {
        var clients: [Client] = []
        var start = 0
        while start <= bytes.count {
            let end = ASCIIBytes.firstIndex(of: 0x0A, in: bytes[start...]) ?? bytes.count
            if let client = client(ascii: bytes[start..<end]) { clients.append(client) }
            start = end + 1
        }
        return clients
    }

    /// The client of one line: trimmed like `trimmed`, split at spaces, each `key=value` cut at its first `=`; nil
    /// for a line without a field.
    private static func client(ascii line: Slice<UnsafeBufferPointer<UInt8>>) -> Client? {
        func isTrimmed(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        var low = line.startIndex
        var high = line.endIndex
        while low < high, isTrimmed(line[low]) { low += 1 }
        while high > low, isTrimmed(line[high - 1]) { high -= 1 }
        var fields: [String: String] = [:]
        for pair in ASCIIBytes.pieces(line[low..<high], separator: UInt8(ascii: " ")) {
            guard let equals = line[pair].firstIndex(of: UInt8(ascii: "=")) else { continue }
            fields[ASCIIBytes.string(line[pair.lowerBound..<equals])] = ASCIIBytes.string(
                line[(equals + 1)..<pair.upperBound])
        }
        return fields.isEmpty ? nil : Client(fields: fields)
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
            // C `isspace` splits; in an ASCII line every scalar is one byte, so the bytes split the same.
            let words =
                ASCIIBytes.withASCII(line.content) { bytes in
                    ASCIIBytes.pieces(bytes[...], isSeparator: { $0 == 0x20 || (0x09...0x0D).contains($0) }).map {
                        ASCIIBytes.string(bytes[$0])
                    }
                }
                ?? line.content.unicodeScalars.split(whereSeparator: RedisArguments.isSpace).map {
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
