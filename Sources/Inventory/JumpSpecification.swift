/// One hop of a ProxyJump list: `[user@]host[:port]`, `[user@][v6-address]:port` or `ssh://[user@]host[:port]`.
///
/// The same syntax serves ssh_config's `ProxyJump`, ssh's `-J` (in Ansible's ssh arguments) and the inventory's
/// `proxy_jump`, parsed as OpenSSH's `parse_user_host_port` and `parse_ssh_uri` do (misc.c).
public struct JumpSpecification: Sendable, Hashable, CustomStringConvertible {
    public var user: String?
    public var host: String
    public var port: Int?

    /// A problem in a jump list; the caller adds file and line.
    struct ParseError: Error {
        var message: String
    }

    /// `[user@]host[:port]`, host in brackets when it holds ':' (IPv6), as ssh prints a ProxyJump back.
    public var description: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return (user.map { "\($0)@" } ?? "") + hostPart + (port.map { ":\($0)" } ?? "")
    }

    /// A comma-separated list, first hop first.
    static func list(_ text: String) throws(ParseError) -> [JumpSpecification] {
        guard !text.isEmpty else { throw ParseError(message: "needs [user@]host[:port][,...] or none") }
        var hops: [JumpSpecification] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            hops.append(try JumpSpecification(parsing: String(part)))
        }
        return hops
    }

    init(parsing text: String) throws(ParseError) {
        var rest = Substring(text)
        if rest.hasPrefix("ssh://") {
            rest = rest.dropFirst("ssh://".count)
            if rest.hasSuffix("/") { rest = rest.dropLast() }
        }
        // parse_user_host_port splits the user at the last '@'.
        if let at = rest.lastIndex(of: "@") {
            let user = String(rest[..<at])
            guard !user.isEmpty else { throw ParseError(message: "'\(text)' has an empty user before '@'") }
            self.user = user
            rest = rest[rest.index(after: at)...]
        } else {
            self.user = nil
        }
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else {
                throw ParseError(message: "'\(text)': '[' without ']' (write [v6-address]:port)")
            }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw ParseError(message: "'\(text)': expected ':port' after ']'") }
                portText = after.dropFirst()
            }
        } else if let colon = rest.firstIndex(of: ":") {
            host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        } else {
            host = String(rest)
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "\t" }) else {
            throw ParseError(message: "'\(text)' is not [user@]host[:port]")
        }
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else {
                throw ParseError(message: "'\(text)': '\(portText)' is not a port number (1-65535)")
            }
            self.port = port
        } else {
            self.port = nil
        }
    }
}
