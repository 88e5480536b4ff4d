import FleetCore
import Foundation
import Inventory

/// Accepted risks: a named check on named hosts or instances, with a reason and an expiry date.
public struct Waivers: Sendable, Hashable {
    public struct Waiver: Sendable, Hashable {
        public var check: String
        /// `host` or `host:port`; shell globs allowed.
        public var targets: [String]
        public var reason: String
        /// `YYYY-MM-DD`; the waiver applies through that day (UTC).
        public var expires: String
        public var line: Int?

        public init(check: String, targets: [String], reason: String, expires: String, line: Int? = nil) {
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
            waivers.append(
                Waiver(
                    check: try required("check").nonEmptyString(), targets: try required("hosts").stringList(),
                    reason: try required("reason").nonEmptyString(), expires: expires, line: item.line))
        }
        return Waivers(waivers: waivers)
    }

    static func day(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.date(from: text)
    }

    /// The unexpired waiver for this check on this instance, if any.
    func waiver(check: String, host: String, port: Int, now: Date) -> Waiver? {
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
