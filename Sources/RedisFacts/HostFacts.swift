import FleetCore

/// `/proc/meminfo`, in bytes.
public struct MemInfo: Sendable, Hashable {
    public var fields: [String: Int64]

    public init(parsing text: String) {
        if let fields = ASCIIBytes.withASCII(text, Self.fields(ascii:)) {
            self.fields = fields
            return
        }
        var fields: [String: Int64] = [:]
        for line in text.newlineSeparatedLines {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let words = parts[1].split(separator: " ")
            // A negative size, or one whose kB value overflows Int64 in bytes, is out of range: the field is
            // left out (unknown), never wrapped or trapped on.
            guard let number = words.first.flatMap({ Int64($0) }), number >= 0,
                let bytes = words.count > 1 && words[1] == "kB" ? number.multipliedChecked(by: 1024) : number
            else { continue }
            fields[String(parts[0])] = bytes
        }
        self.fields = fields
    }

    /// The same fields of ASCII text, read on its bytes (there every Character is one byte): lines cut at bytes
    /// 10-13 with the empty ones dropped (`newlineSeparatedLines`), each cut at its first `:` after the leading ones
    /// (`split(separator: ":", maxSplits: 1)` drops empty pieces), the value's words at spaces.
    private static func fields(ascii bytes: UnsafeBufferPointer<UInt8>) -> [String: Int64] {
        var fields: [String: Int64] = [:]
        let lines = ASCIIBytes.pieces(bytes[...], isSeparator: { (10...13).contains($0) })
        fields.reserveCapacity(lines.count)
        for line in lines {
            var nameStart = line.lowerBound
            while nameStart < line.upperBound, bytes[nameStart] == UInt8(ascii: ":") { nameStart += 1 }
            guard let colon = ASCIIBytes.firstIndex(of: UInt8(ascii: ":"), in: bytes[nameStart..<line.upperBound]),
                colon + 1 < line.upperBound
            else { continue }
            let words = ASCIIBytes.leadingPieces(bytes[(colon + 1)..<line.upperBound], separator: UInt8(ascii: " "))
            guard let first = words.first, let number = ASCIIBytes.integer(bytes[first], as: Int64.self), number >= 0,
                let value = words.second.map({ bytes[$0].elementsEqual("kB".utf8) }) == true
                    ? number.multipliedChecked(by: 1024) : number
            else { continue }
            fields[ASCIIBytes.string(bytes[nameStart..<colon])] = value
        }
        return fields
    }

    public var total: Int64? { fields["MemTotal"] }
    /// MemAvailable, or on kernels before 3.14 its usual estimate MemFree + Buffers + Cached (nil when that sum
    /// does not fit in Int64).
    public var available: Int64? {
        if let available = fields["MemAvailable"] { return available }
        guard let free = fields["MemFree"] else { return nil }
        return [free, fields["Buffers"] ?? 0, fields["Cached"] ?? 0].checkedSum()
    }
}

/// `/proc/loadavg`: `0.52 0.58 0.59 1/467 12345`.
public struct LoadAverage: Sendable, Hashable {
    public var oneMinute: Double
    public var fiveMinutes: Double
    public var fifteenMinutes: Double

    /// nil unless the first three words are finite, non-negative numbers (`nan`, `inf` and `1e999` parse as
    /// Doubles, and a check comparing them would pass).
    public init?(parsing text: String) {
        let words = text.split(whereSeparator: { $0 == " " || $0.isNewline }).prefix(3).compactMap { Double($0) }
        guard words.count == 3, words.allSatisfy({ $0.isFinite && $0 >= 0 }) else { return nil }
        (oneMinute, fiveMinutes, fifteenMinutes) = (words[0], words[1], words[2])
    }
}

/// `/sys/kernel/mm/transparent_hugepage/enabled`: the bracketed word is the mode (`always [madvise] never`).
public enum TransparentHugepages {
    public static func mode(parsing text: String) -> String? {
        // ASCII text on its bytes (every Character one byte there); `.some(nil)` when it has no bracketed word.
        let fast = ASCIIBytes.withASCII(text) { bytes -> String? in
            guard let open = bytes.firstIndex(of: UInt8(ascii: "[")),
                let close = ASCIIBytes.firstIndex(of: UInt8(ascii: "]"), in: bytes[open...])
            else { return nil }
            return ASCIIBytes.string(bytes[(open + 1)..<close])
        }
        if let fast { return fast }
        guard let open = text.firstIndex(of: "["), let close = text[open...].firstIndex(of: "]") else { return nil }
        return String(text[text.index(after: open)..<close])
    }
}

/// `df -Pk DIR`: available bytes on the file system holding DIR.
public enum DiskFree {
    public static func availableBytes(parsing text: String) -> Int64? {
        let lines = text.newlineSeparatedLines
        guard lines.count >= 2 else { return nil }
        let words = lines[1].split(separator: " ")
        guard words.count >= 4, let kibibytes = Int64(words[3]), kibibytes >= 0 else { return nil }
        return kibibytes.multipliedChecked(by: 1024)
    }
}

/// EC2 instance metadata as the collector prints it: `key=value` lines (`instance-id=i-0abc`, `vpc-id=vpc-1`,
/// `security-group-ids=sg-1 sg-2`).
public struct InstanceMetadata: Sendable, Hashable {
    public var values: [String: String]

    public init(parsing text: String) {
        var values: [String: String] = [:]
        for line in text.newlineSeparatedLines {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]).trimmed }
        }
        self.values = values
    }

    public var instanceID: String? { values["instance-id"] }
    public var localIPv4: String? { values["local-ipv4"] }
    public var vpcID: String? { values["vpc-id"] }
    public var securityGroupIDs: [String] { values["security-group-ids"]?.split(separator: " ").map(String.init) ?? [] }
}

/// IPv4 addresses of the host's interfaces, from `ip -j addr` (JSON) or `ip addr` (text).
public enum InterfaceAddresses {
    public static func ipv4(parsing text: String) -> [String] {
        let found = ASCIIBytes.withASCII(text, candidates(ascii:)) ?? candidates(text)
        return found.filter { IPv4Address($0) != nil }
    }

    /// The candidates of ASCII text, on its bytes (there every Character is one byte): after each `"local":"` (the
    /// matches `split` finds, left to right without overlap) up to the next quote, or the word after `inet`.
    private static func candidates(ascii bytes: UnsafeBufferPointer<UInt8>) -> [String] {
        var found: [String] = []
        if bytes.first == UInt8(ascii: "[") {
            let marker = Array("\"local\":\"".utf8)
            var index = 0
            while index + marker.count <= bytes.count {
                guard bytes[index..<(index + marker.count)].elementsEqual(marker) else {
                    index += 1
                    continue
                }
                index += marker.count
                let end = ASCIIBytes.firstIndex(of: UInt8(ascii: "\""), in: bytes[index...]) ?? bytes.count
                if !bytes[index..<end].contains(UInt8(ascii: ":")) {
                    found.append(ASCIIBytes.string(bytes[index..<end]))
                }
            }
        } else {
            for line in ASCIIBytes.pieces(bytes[...], isSeparator: { (10...13).contains($0) }) {
                let words = ASCIIBytes.pieces(bytes[line], separator: 0x20)
                if let index = words.firstIndex(where: { bytes[$0].elementsEqual("inet".utf8) }),
                    index + 1 < words.count
                {
                    // `split(separator: "/").first ?? ""`: the first piece that is not empty, or "".
                    let address = words[index + 1]
                    var start = address.lowerBound
                    while start < address.upperBound, bytes[start] == UInt8(ascii: "/") { start += 1 }
                    let end =
                        ASCIIBytes.firstIndex(of: UInt8(ascii: "/"), in: bytes[start..<address.upperBound])
                        ?? address.upperBound
                    found.append(ASCIIBytes.string(bytes[start..<end]))
                }
            }
        }
        return found
    }

    private static func candidates(_ text: String) -> [String] {
        var found: [String] = []
        if text.hasPrefix("[") {
            // JSON: every `"local":"a.b.c.d"` of family inet (IPv6 locals contain ':').
            let marker = "\"local\":\""
            for chunk in text.split(separator: marker, omittingEmptySubsequences: false).dropFirst() {
                let value = chunk.prefix { $0 != "\"" }
                if !value.contains(":") { found.append(String(value)) }
            }
        } else {
            for line in text.newlineSeparatedLines {
                let words = line.split(separator: " ")
                if let index = words.firstIndex(of: "inet"), index + 1 < words.count {
                    found.append(String(words[index + 1].split(separator: "/").first ?? ""))
                }
            }
        }
        return found
    }
}

/// A dotted-quad IPv4 address.
public struct IPv4Address: Sendable, Hashable, CustomStringConvertible {
    public var octets: [UInt8]

    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map { UInt8($0) }
        guard parts.count == 4, parts.allSatisfy({ $0 != nil }) else { return nil }
        octets = parts.compactMap { $0 }
    }

    /// RFC 1918: 10/8, 172.16/12, 192.168/16.
    public var isPrivate: Bool {
        octets[0] == 10 || (octets[0] == 172 && (16...31).contains(octets[1])) || (octets[0] == 192 && octets[1] == 168)
    }

    public var isLoopback: Bool { octets[0] == 127 }

    var value: UInt32 { octets.reduce(0) { $0 << 8 | UInt32($1) } }

    /// Whether the address lies in a CIDR block such as `10.77.0.0/24`.
    public func isIn(cidr: String) -> Bool {
        let parts = cidr.split(separator: "/")
        guard parts.count == 2, let network = IPv4Address(String(parts[0])), let bits = Int(parts[1]),
            (0...32).contains(bits)
        else { return false }
        let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
        return value & mask == network.value & mask
    }

    public var description: String { octets.map(String.init).joined(separator: ".") }
}

/// Firewall rules (`iptables -S` or `nft list ruleset` lines) that drop or reject TCP traffic to a port.
public enum FirewallRules {
    public static func rulesBlocking(port: Int, in text: String) -> [String] {
        text.newlineSeparatedLines.map(String.init).filter { line in
            let blocks =
                TextSearch.contains(line, "-j DROP") || TextSearch.contains(line, "-j REJECT")
                || TextSearch.contains(line, " drop") || TextSearch.contains(line, " reject")
            let matchesPort =
                blocks && (TextSearch.contains(line, "--dport \(port)") || TextSearch.contains(line, "dport \(port)"))
            return blocks && matchesPort && !line.hasPrefix("-P ")
        }
    }
}

/// Redis Sentinels in the process list (`PID ARGS` lines).
public enum SentinelProcesses {
    /// The lines of Sentinels: `redis-sentinel`, or `redis-server --sentinel`, which retitles itself
    /// `redis-server *:26379 [sentinel]`.
    public static func lines(in processes: [Substring]) -> [Substring] {
        processes.filter {
            TextSearch.contains($0, "redis-sentinel") || TextSearch.contains($0, "--sentinel")
                || TextSearch.contains($0, "[sentinel]")
        }
    }
}

/// `client-output-buffer-limit` for one client class: `replica 256mb 64mb 60` (Redis 2.8 says `slave`).
public struct ClientOutputBufferLimit: Sendable, Hashable {
    public var hardBytes: Int64
    public var softBytes: Int64
    public var softSeconds: Int64

    public init(hardBytes: Int64, softBytes: Int64, softSeconds: Int64) {
        self.hardBytes = hardBytes
        self.softBytes = softBytes
        self.softSeconds = softSeconds
    }

    /// Finds the replica class in a value holding one or more `class hard soft seconds` groups.
    public static func replica(in value: String) -> ClientOutputBufferLimit? {
        let words = ASCIIBytes.spaceSeparatedWords(value)
        var index = 0
        while index + 3 < words.count {
            if ["replica", "slave"].contains(words[index].lowercased()),
                let hard = ByteSize.parse(words[index + 1]), let soft = ByteSize.parse(words[index + 2]),
                let seconds = Int64(words[index + 3])
            {
                return ClientOutputBufferLimit(hardBytes: hard, softBytes: soft, softSeconds: seconds)
            }
            index += 4
        }
        return nil
    }
}
