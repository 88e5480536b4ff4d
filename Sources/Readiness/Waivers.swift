import FleetCore
import Foundation
import YAMLInput

/// Accepted risks: a named check on named hosts or instances, with a reason and an expiry date.
public struct Waivers: Sendable, Hashable {
    public struct Waiver: Sendable, Hashable {
        public var check: CheckID
        /// `host` or `host:port`; shell globs allowed.
        public var targets: [String]
        public var reason: String
        /// `YYYY-MM-DD`; the waiver applies through that day (UTC).
        public var expires: String
        public var line: Int?

        public init(check: CheckID, targets: [String], reason: String, expires: String, line: Int? = nil) {
            self.check = check
            self.targets = targets
            self.reason = reason
            self.expires = expires
            self.line = line
        }
    }

    public var waivers: [Waiver]

    public init(waivers: [Waiver] = []) { self.waivers = waivers }

    /// Reads a waivers file: `waivers: [{check, hosts: [...], reason, expires}]`.
    public static func load(path: String) throws(YAMLFileError) -> Waivers {
        let root = try YAMLNode.load(path: path)
        let top = try root.mapping(allowedKeys: ["waivers"])
        guard let list = top["waivers"] else { return Waivers() }
        var waivers: [Waiver] = []
        for item in try list.sequence() {
            let fields = try item.mapping(allowedKeys: ["check", "hosts", "reason", "expires"])
            func required(_ key: String) throws(YAMLFileError) -> YAMLNode {
                guard let node = fields[key] else { throw item.error("every waiver needs '\(key)'") }
                return node
            }
            let expiresNode = try required("expires")
            let expires = try expiresNode.nonEmptyString()
            guard Self.day(expires) != nil else {
                throw expiresNode.error("'\(expires)' is not a date like 2027-03-31")
            }
            // A typo in a check id would silently never apply: only ids a rule declares are accepted.
            let checkNode = try required("check")
            let check = CheckID(try checkNode.nonEmptyString())
            guard RuleCatalogue.knownIDs.contains(check) else {
                let near = (check.rawValue.utf8.count > 64 ? [] : RuleCatalogue.knownIDs.map(\.rawValue))
                    .map { ($0, Self.distance($0, check.rawValue)) }
                    .filter { $0.1 <= 3 }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.map(\.0)
                throw checkNode.error(
                    "'\(check)' is not a check id"
                        + (near.isEmpty ? "" : " (did you mean \(near.prefix(3).joined(separator: ", "))?)")
                        + "; docs/readiness.md lists them all")
            }
            waivers.append(
                Waiver(
                    check: check, targets: try required("hosts").stringList(),
                    reason: try required("reason").nonEmptyString(), expires: expires, line: item.line))
        }
        return Waivers(waivers: waivers)
    }

    /// Edit distance (insertions, deletions, substitutions), for the nearest ids of a typo.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8)
        let b = Array(b.utf8)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    static func day(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.date(from: text)
    }

    /// The unexpired waiver for this check on this instance, if any.
    func waiver(check: CheckID, host: String, port: Int, now: Date) -> Waiver? {
        waivers.first { waiver in
            guard waiver.check == check, let day = Self.day(waiver.expires),
                now < day.addingTimeInterval(86_400)
            else { return false }
            return waiver.targets.contains { pattern in
                fnmatch(pattern, host, 0) == 0 || fnmatch(pattern, "\(host):\(port)", 0) == 0
            }
        }
    }

    /// Waivers past their date: they no longer apply, and reports list them.
    public func expired(now: Date) -> [Waiver] {
        waivers.filter { Self.day($0.expires).map { now >= $0.addingTimeInterval(86_400) } ?? true }
    }
}
