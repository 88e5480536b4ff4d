/// The collector's account of how its privileged reads went (the `access` section, docs/collector.md#privilege),
/// validated into typed values: a line outside the collector's closed vocabulary is ignored, never quoted.
public struct AccessLog: Sendable, Hashable {
    /// A read that may need privilege.
    public enum Read: String, Sendable, Hashable, CaseIterable {
        case configFile = "config_file"
        case serverStatus = "server_status"
        case serverCgroup = "server_cgroup"
        /// `/proc/<pid>/fd`: which process holds the instance's port (whose user's rights a config read may use).
        case serverFD = "server_fd"
        case listening
        case firewall

        /// How a report names it.
        var phrase: String {
            switch self {
            case .configFile: "config files"
            case .serverStatus: "/proc/<pid>/status"
            case .serverCgroup: "/proc/<pid>/cgroup"
            case .serverFD: "/proc/<pid>/fd"
            case .listening: "listening sockets' processes (ss -ltnp)"
            case .firewall: "firewall rules (iptables -S / nft list ruleset)"
            }
        }
    }

    /// Why `sudo -n` said no.
    public enum Refusal: String, Sendable, Hashable {
        /// No NOPASSWD rule covers the command (sudo would have prompted).
        case passwordRequired = "password-required"
        /// A rule exists, but not for this command or user.
        case notAllowed = "not-allowed"
        case refused
    }

    /// One read and which instance it was for (nil: a host-level read).
    public struct Item: Sendable, Hashable, Comparable {
        public var read: Read
        public var port: Int?

        public init(read: Read, port: Int?) {
            self.read = read
            self.port = port
        }

        public static func < (left: Item, right: Item) -> Bool {
            (left.read.rawValue, left.port ?? 0) < (right.read.rawValue, right.port ?? 0)
        }
    }

    public var loggedInAsRoot: Bool?
    public var becomeSudo = false
    /// become: sudo, and the host has no `sudo` program.
    public var sudoMissing = false
    /// Read through `sudo -n`.
    public var throughSudo: Set<Item> = []
    /// `sudo -n` refused, with why.
    public var refused: [Item: Refusal] = [:]
    /// Not readable as the login user (and not read through sudo either).
    public var denied: Set<Item> = []
    /// Read as the login user, whose view is partial (ss -p without the Redis server's processes).
    public var unprivileged: Set<Item> = []
    /// Redis servers listening on a unix socket only: seen, not audited.
    public var unixSocketInstances = 0

    public init() {}

    /// Parses the section's lines (`sudo config_file port=6379`, `sudo-refused:password-required firewall`, ...).
    public init(parsing text: String) {
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            guard let first = words.first else { continue }
            switch (first, words.count) {
            case ("login", 2): loggedInAsRoot = words[1] == "root" ? true : words[1] == "user" ? false : nil
            case ("become", 2): becomeSudo = words[1] == "sudo"
            case ("sudo-missing", 1): sudoMissing = true
            case ("unix-socket-instances", 2): unixSocketInstances = Int(words[1]).map { min(max($0, 0), 1_000) } ?? 0
            default:
                guard let item = Self.item(words.dropFirst()) else { continue }
                if first == "sudo" {
                    throughSudo.insert(item)
                } else if first == "denied" {
                    denied.insert(item)
                } else if first == "unprivileged" {
                    unprivileged.insert(item)
                } else if first.hasPrefix("sudo-refused:"), let why = Refusal(rawValue: String(first.dropFirst(13))) {
                    refused[item] = why
                }
            }
        }
        // A read that went through sudo after all (another tool, another file) is not denied.
        denied.subtract(throughSudo)
    }

    private static func item(_ words: ArraySlice<String>) -> Item? {
        guard let name = words.first, let read = Read(rawValue: name) else { return nil }
        let rest = words.dropFirst()
        if rest.isEmpty { return Item(read: read, port: nil) }
        guard rest.count == 1, let value = rest.first, value.hasPrefix("port="),
            let port = Int(value.dropFirst(5)), (1...65535).contains(port)
        else { return nil }
        return Item(read: read, port: port)
    }

    /// The firewall rules could not be listed as the login user (and not through sudo either).
    public var firewallDenied: Bool {
        let firewall = Item(read: .firewall, port: nil)
        return !throughSudo.contains(firewall) && (denied.contains(firewall) || refused[firewall] != nil)
    }

    /// Whether `sudo -n` said no to anything.
    public var sudoRefused: Bool { !refused.isEmpty || sudoMissing }

    /// One sentence for the host's `access` note, from the auditor's own words and validated numbers only; nil when
    /// there is nothing to say (root login, or nothing needed privilege).
    public var note: String? {
        var parts: [String] = []
        if !throughSudo.isEmpty { parts.append("read through sudo -n: " + Self.describe(throughSudo)) }
        // A refused sudo whose read then ran as the login user (partial, not failed) is said once, as partial.
        let notRead = denied.union(refused.keys.filter { !throughSudo.contains($0) && !unprivileged.contains($0) })
        if !notRead.isEmpty {
            let reasons = Set(refused.values.map(\.rawValue)).sorted() + (sudoMissing ? ["sudo not installed"] : [])
            let remedy =
                sudoRefused
                ? "sudo -n was refused (\(reasons.joined(separator: ", "))): install the sudoers rule of "
                    + "docs/collector.md, or grant read access"
                : "add become: sudo, or grant read access"
            parts.append("not readable as the login user: " + Self.describe(notRead) + " (\(remedy))")
        }
        let partial = unprivileged.subtracting(throughSudo)
        if !partial.isEmpty { parts.append("read as the login user, partial: " + Self.describe(partial)) }
        if unixSocketInstances > 0 {
            parts.append(
                "\(unixSocketInstances) redis-server(s) listen on a unix socket only: not audited (ElastiCache takes TCP)"
            )
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    private static func describe(_ items: Set<Item>) -> String {
        let grouped = Dictionary(grouping: items, by: \.read)
        return Read.allCases.compactMap { read in
            guard let group = grouped[read] else { return nil }
            let ports = group.compactMap(\.port).sorted().map { ":\($0)" }
            return ports.isEmpty ? read.phrase : "\(read.phrase) of \(ports.joined(separator: ", "))"
        }.joined(separator: ", ")
    }
}
