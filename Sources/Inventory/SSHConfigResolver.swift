import FleetCore
import Foundation
import YAMLInput

/// Answers "what would `ssh HOST` use" from an `SSHConfig`, for the keywords fleet-audit supports.
///
/// As OpenSSH (readconf.c, ssh.c): the host is matched as typed, lowercased; a `Host` line applies when one of its
/// patterns matches and none of its `!` patterns does; the first value obtained for a keyword wins, except
/// `IdentityFile`, which accumulates (duplicates dropped); ProxyJump and ProxyCommand share one slot, so whichever
/// comes first wins (`ProxyCommand none` also blocks a later ProxyJump; `ProxyJump none` blocks only ProxyJump).
public struct SSHConfigResolver: Sendable {
    public var config: SSHConfig
    /// `%d` and `~`.
    public var homeDirectory: String
    /// `%u`: the auditor's login name.
    public var localUser: String
    /// `${NAME}` in IdentityFile, IdentityAgent and UserKnownHostsFile, and `IdentityAgent SSH_AUTH_SOCK`.
    public var environment: [String: String]

    public init(
        config: SSHConfig, homeDirectory: String = NSHomeDirectory(), localUser: String = NSUserName(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.config = config
        self.homeDirectory = homeDirectory
        self.localUser = localUser
        self.environment = environment
    }

    /// The lines that apply to `host`, first obtained per keyword (unexpanded).
    struct Obtained {
        var lines: [String: SSHConfigLine] = [:]
        var identityFiles: [(path: String, line: SSHConfigLine)] = []
        /// ProxyJump or ProxyCommand, whichever came first (readconf.c `parse_jump` and `oProxyCommand`).
        var proxyCommand: SSHConfigLine?
        var proxyJump: SSHConfigLine?

        mutating func apply(_ line: SSHConfigLine) {
            switch line.keyword {
            case "identityfile":
                for path in line.arguments where !identityFiles.contains(where: { $0.path == path }) {
                    identityFiles.append((path, line))
                }
            case "proxyjump":
                guard proxyCommand == nil, proxyJump == nil else { return }
                proxyJump = line
                if line.rest.lowercased() != "none" {
                    // parse_jump sets proxy_command to "none" too, so no later ProxyCommand applies.
                    proxyCommand = line
                }
            case "proxycommand":
                if proxyCommand == nil { proxyCommand = line }
            default:
                if lines[line.keyword] == nil { lines[line.keyword] = line }
            }
        }
    }

    func obtained(for host: String) -> Obtained {
        var obtained = Obtained()
        var active = true
        Self.walk(config.items, host: host.lowercased(), active: &active, neverMatch: false, into: &obtained)
        return obtained
    }

    private static func walk(
        _ items: [SSHConfig.Item], host: String, active: inout Bool, neverMatch: Bool, into obtained: inout Obtained
    ) {
        for item in items {
            switch item {
            case .host(let patterns, _):
                active = !neverMatch && matches(host: host, patterns: patterns)
            case .match:
                active = false
            case .setting(let line):
                if active { obtained.apply(line) }
            case .include(let files):
                // readconf.c: an Include in a block that does not apply reads its files with SSHCONF_NEVERMATCH,
                // and each file leaves the includer's state as it found it.
                let before = active
                for file in files {
                    walk(file.items, host: host, active: &active, neverMatch: neverMatch || !before, into: &obtained)
                    active = before
                }
            }
        }
    }

    /// readconf.c oHost: patterns are separated by whitespace (a comma is an ordinary character there, unlike
    /// `Match host`); any matching `!pattern` rules the line out.
    static func matches(host: String, patterns: [String]) -> Bool {
        var matched = false
        for pattern in patterns {
            if pattern.hasPrefix("!") {
                if globMatches(Array(host), Array(pattern.dropFirst())[...]) { return false }
            } else if globMatches(Array(host), Array(pattern)[...]) {
                matched = true
            }
        }
        return matched
    }

    /// match.c match_pattern: `*` any run, `?` any one character, case-sensitive.
    static func globMatches(_ text: [Character], _ pattern: ArraySlice<Character>) -> Bool {
        var textIndex = 0
        var patternIndex = pattern.startIndex
        var star: (pattern: Int, text: Int)?
        while textIndex < text.count {
            if patternIndex < pattern.endIndex, pattern[patternIndex] == "*" {
                star = (patternIndex, textIndex)
                patternIndex += 1
            } else if patternIndex < pattern.endIndex,
                pattern[patternIndex] == "?" || pattern[patternIndex] == text[textIndex]
            {
                patternIndex += 1
                textIndex += 1
            } else if let back = star {
                patternIndex = back.pattern + 1
                textIndex = back.text + 1
                star = (back.pattern, back.text + 1)
            } else {
                return false
            }
        }
        while patternIndex < pattern.endIndex, pattern[patternIndex] == "*" { patternIndex += 1 }
        return patternIndex == pattern.endIndex
    }

    /// The agent a host uses, from IdentityAgent.
    public enum Agent: Sendable, Hashable {
        /// `IdentityAgent none`: no agent.
        case none
        /// `IdentityAgent SSH_AUTH_SOCK`: the socket the environment names.
        case environment
        case socket(String)
    }

    /// How a host is reached, from ProxyJump / ProxyCommand.
    public enum Route: Sendable, Hashable {
        /// `ProxyJump none` or `ProxyCommand none`: a direct connection, whatever the inventory's defaults say.
        case direct
        case jumps([JumpSpecification])
        /// Expanded (`%h %p %r %n %%`).
        case command(String)
    }

    /// What ssh_config decides for one destination; nil where it says nothing. Values are expanded.
    public struct Resolution: Sendable, Hashable {
        /// HostName (`%h` expanded), or the host as typed, lowercased (as ssh connects to it).
        public var hostName: String
        public var user: String?
        public var port: Int?
        public var identityFiles: [String]?
        public var identitiesOnly: Bool?
        public var agent: Agent?
        public var route: Route?
        /// The first UserKnownHostsFile; `.some(nil)` for `none`.
        public var knownHostsFile: String??
        public var hostKeyChecking: HostKeyChecking?
        /// ConnectTimeout in seconds; nil when unset or `none` (fleet-audit always keeps a connect deadline).
        public var connectTimeout: Int?
        /// The ProxyJump or ProxyCommand line that decided `route`, for messages about the chain.
        var routeLine: SSHConfigLine?
    }

    /// Resolves `host` as `ssh [-l user] [-p port] host` would: `user` and `port` given here stand for ssh's
    /// command line (an inventory host's own keys, a ProxyJump hop's `user@` and `:port`) and win over the file;
    /// `fallbackUser`/`fallbackPort` are used for `%r`/`%p` when neither says.
    public func resolve(
        host: String, user: String?, port: Int?, fallbackUser: String, fallbackPort: Int
    ) throws(YAMLFileError) -> Resolution {
        let typed = host.lowercased()
        let obtained = obtained(for: host)
        var hostName = typed
        if let line = obtained.lines["hostname"] {
            hostName = try expand(try line.single(), line: line, tokens: ["h": typed]).lowercased()
        }
        let configUser = try obtained.lines["user"]?.single()
        let configPort = try obtained.lines["port"]?.port()
        let finalUser = user ?? configUser ?? fallbackUser
        let finalPort = port ?? configPort ?? fallbackPort
        // ssh.c default_client_percent_expand: %d home, %u local user, %h remote host name, %r remote user, %p port,
        // %n the host as typed, %l/%L the local host name.
        let localHost = Self.localHostName()
        let pathTokens: [Character: String] = [
            "d": homeDirectory, "u": localUser, "h": hostName, "r": finalUser, "p": String(finalPort), "n": typed,
            "l": localHost, "L": localHost.split(separator: ".").first.map(String.init) ?? localHost,
        ]
        var resolution = Resolution(hostName: hostName, user: configUser, port: configPort)
        if !obtained.identityFiles.isEmpty {
            var files: [String] = []
            for (path, line) in obtained.identityFiles {
                files.append(try expandPath(path, line: line, tokens: pathTokens))
            }
            resolution.identityFiles = files
        }
        resolution.identitiesOnly = try obtained.lines["identitiesonly"]?.flag()
        if let line = obtained.lines["identityagent"] {
            let value = try line.single()
            switch value {
            case "none": resolution.agent = Agent.none
            case "SSH_AUTH_SOCK": resolution.agent = .environment
            default:
                let expanded = value.hasPrefix("$") && !value.hasPrefix("${") ? "${\(value.dropFirst())}" : value
                resolution.agent = .socket(try expandPath(expanded, line: line, tokens: pathTokens))
            }
        }
        resolution.routeLine = obtained.proxyCommand ?? obtained.proxyJump
        if let line = obtained.proxyJump, obtained.proxyCommand == nil || obtained.proxyCommand == line {
            resolution.route = line.rest.lowercased() == "none" ? .direct : .jumps(try line.jumpSpecifications())
        } else if let line = obtained.proxyCommand {
            if line.rest.lowercased() == "none" {
                resolution.route = .direct
            } else {
                // sshconnect.c expand_proxy_command: %h %p %r %n %% only.
                let tokens: [Character: String] = ["h": hostName, "p": String(finalPort), "r": finalUser, "n": typed]
                resolution.route = .command(try expand(line.rest, line: line, tokens: tokens))
            }
        }
        if let line = obtained.lines["userknownhostsfile"] {
            let first = line.arguments[0]
            resolution.knownHostsFile =
                first == "none" ? .some(nil) : try expandPath(first, line: line, tokens: pathTokens)
        }
        resolution.hostKeyChecking = try obtained.lines["stricthostkeychecking"]?.hostKeyChecking().hostKeyChecking
        resolution.connectTimeout = try obtained.lines["connecttimeout"]?.connectTimeout()
        return resolution
    }

    /// `~`, `${NAME}` and `%` tokens, as ssh expands IdentityFile and UserKnownHostsFile.
    private func expandPath(_ text: String, line: SSHConfigLine, tokens: [Character: String]) throws(YAMLFileError)
        -> String
    {
        var value = text
        if value == "~" || value.hasPrefix("~/") {
            value = homeDirectory + value.dropFirst()
        } else if value.hasPrefix("~") {
            value = NSString(string: value).expandingTildeInPath
        }
        value = try expandEnvironment(value, line: line)
        return try expand(value, line: line, tokens: tokens)
    }

    private func expandEnvironment(_ text: String, line: SSHConfigLine) throws(YAMLFileError) -> String {
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw line.error("'${' without '}' in '\(text)'")
            }
            let name = String(rest[start.upperBound..<end])
            guard let value = environment[name] else {
                throw line.error("environment variable \(name) is not set (it is named in '\(text)')")
            }
            result += value
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }

    /// misc.c percent_expand on a line of the file; errors name that line.
    func expand(_ text: String, line: SSHConfigLine, tokens: [Character: String]) throws(YAMLFileError) -> String {
        do {
            return try Self.percentExpand(text, tokens: tokens)
        } catch {
            throw line.error(error.message)
        }
    }

    /// A `%` token ssh would not know.
    struct ExpansionError: Error {
        var message: String
    }

    /// misc.c percent_expand: `%%` is `%`, other tokens from `tokens`; an unknown token is an error, as in ssh.
    static func percentExpand(_ text: String, tokens: [Character: String]) throws(ExpansionError) -> String {
        var result = ""
        var iterator = text.makeIterator()
        while let character = iterator.next() {
            guard character == "%" else {
                result.append(character)
                continue
            }
            guard let token = iterator.next() else { throw ExpansionError(message: "'%' at the end of '\(text)'") }
            if token == "%" {
                result.append("%")
            } else if let value = tokens[token] {
                result += value
            } else {
                let known = (["%"] + tokens.keys.map(String.init).sorted()).map { "%" + $0 }.joined(separator: " ")
                throw ExpansionError(message: "unknown token %\(token) in '\(text)' (here ssh knows \(known))")
            }
        }
        return result
    }

    /// This machine's name, for `%l` (gethostname(2), as ssh does; no DNS lookup).
    static func localHostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
