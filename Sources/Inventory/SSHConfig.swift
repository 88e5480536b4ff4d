import FleetCore
import Foundation
import YAMLInput

#if canImport(Glibc)
    import Glibc
#endif

/// An OpenSSH client configuration file (`~/.ssh/config`), read into lines with their file and line, Includes
/// resolved. `SSHConfigResolver` answers "what would `ssh HOST` use" from it.
///
/// Reading follows OpenSSH's readconf.c (9.x): keywords are case-insensitive; `keyword value` and `keyword=value`;
/// arguments split on whitespace with `"` and `'` quoting and `\` escaping quotes, and `#` outside quotes starts a
/// comment (misc.c `argv_split`). Values are checked on every line, active or not, as ssh does: a bad `Port` in a
/// block for another host is still an error.
public struct SSHConfig: Sendable {
    /// The file as given (`--ssh-config`, `defaults.ssh_config` or `~/.ssh/config`).
    public var path: String
    /// One warning per unsupported keyword that changes the connection, with the first place it appears.
    public var warnings: [String]
    let items: [Item]

    /// One step of the file, in order.
    enum Item: Sendable {
        /// `Host PATTERN...`: starts a block that applies when the host matches.
        case host(patterns: [String], line: Int)
        /// `Match ...`: fleet-audit does not evaluate Match, so its block never applies (and a warning says so).
        case match(line: Int)
        /// A keyword fleet-audit uses.
        case setting(SSHConfigLine)
        /// `Include`: the files it named, in glob order, each read already.
        case include([IncludedFile])
    }

    struct IncludedFile: Sendable {
        var path: String
        var items: [Item]
    }

    /// OpenSSH's READCONF_MAX_DEPTH: an Include loop ends here, with an error naming the line.
    static let maximumIncludeDepth = 16

    /// Keywords fleet-audit applies; see `SSHConfigResolver`.
    static let supportedKeywords: Set<String> = [
        "hostname", "user", "port", "identityfile", "identitiesonly", "identityagent", "proxyjump", "proxycommand",
        "userknownhostsfile", "stricthostkeychecking", "connecttimeout",
    ]

    /// Keywords ignored without a word: they do not change which host is reached, as whom, or how it is trusted
    /// (keep-alives, compression, what happens after login, options of interactive use).
    static let quietlyIgnoredKeywords: Set<String> = [
        "serveraliveinterval", "serveralivecountmax", "tcpkeepalive", "compression", "addkeystoagent",
        "forwardagent", "forwardx11", "forwardx11trusted", "forwardx11timeout", "requesttty", "sendenv", "setenv",
        "loglevel", "visualhostkey", "hashknownhosts", "escapechar", "batchmode", "checkhostip", "connectionattempts",
        "ignoreunknown", "numberofpasswordprompts", "passwordauthentication", "kbdinteractiveauthentication",
        "challengeresponseauthentication", "preferredauthentications", "gssapiauthentication",
        "gssapidelegatecredentials", "exitonforwardfailure", "permitlocalcommand", "localcommand", "usekeychain",
        "updatehostkeys", "logverbose", "syslogfacility", "stdinnull", "sessiontype",
        "forkafterauthentication", "clearallforwardings", "xauthlocation", "pubkeyauthentication",
        "hostbasedauthentication", "verifyhostkeydns", "nohostauthenticationforlocalhost", "proxyusefdpass",
    ]

    /// Reads `path` and every file it includes.
    ///
    /// - Parameter homeDirectory: where `~` and relative Include paths point (`~/.ssh/` for the latter, as OpenSSH
    ///   does for user configuration files).
    public static func load(path: String, homeDirectory: String) throws(YAMLFileError) -> SSHConfig {
        var reader = Reader(homeDirectory: homeDirectory)
        let items = try reader.read(path: path, depth: 0, includedFrom: nil)
        return SSHConfig(path: path, warnings: reader.warnings(), items: items)
    }

    /// Reads configuration text (tests; `file` names it in errors). Includes are read from disk.
    public static func parse(_ text: String, file: String, homeDirectory: String) throws(YAMLFileError) -> SSHConfig {
        var reader = Reader(homeDirectory: homeDirectory)
        let items = try reader.parse(text, file: file, depth: 0)
        return SSHConfig(path: file, warnings: reader.warnings(), items: items)
    }

    /// Reads files, keeping the first place each ignored keyword appears.
    private struct Reader {
        let homeDirectory: String
        /// Ignored keyword -> spelling, first place, count; in order of first appearance.
        var ignored: [(keyword: String, spelled: String, place: String, count: Int)] = []

        init(homeDirectory: String) { self.homeDirectory = homeDirectory }

        func warnings() -> [String] {
            ignored.map { entry in
                let more = entry.count > 1 ? " (and \(entry.count - 1) more line\(entry.count > 2 ? "s" : ""))" : ""
                return
                    "\(entry.place): ssh_config keyword '\(entry.spelled)' is not supported by fleet-audit and is "
                    + "ignored\(more); connections may differ from what `ssh` does for the hosts it applies to"
            }
        }

        mutating func noteIgnored(_ keyword: String, spelled: String, file: String, line: Int) {
            if let index = ignored.firstIndex(where: { $0.keyword == keyword }) {
                ignored[index].count += 1
            } else {
                ignored.append((keyword, spelled, "\(file):\(line)", 1))
            }
        }

        mutating func read(path: String, depth: Int, includedFrom: (file: String, line: Int)?) throws(YAMLFileError)
            -> [Item]
        {
            guard let data = FileManager.default.contents(atPath: path) else {
                if let includedFrom {
                    throw YAMLFileError(
                        file: includedFrom.file, line: includedFrom.line, field: "Include",
                        message: "cannot read included file \(path)")
                }
                throw YAMLFileError(
                    file: path, line: nil, field: nil,
                    message: "cannot read the ssh_config file (give another with --ssh-config, or --ssh-config none)")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw YAMLFileError(file: path, line: nil, field: nil, message: "the ssh_config file is not UTF-8 text")
            }
            return try parse(text, file: path, depth: depth)
        }

        mutating func parse(_ text: String, file: String, depth: Int) throws(YAMLFileError) -> [Item] {
            var items: [Item] = []
            var lineNumber = 0
            for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
                lineNumber += 1
                guard let parsed = try SSHConfigLine(parsing: String(rawLine), file: file, line: lineNumber) else {
                    continue
                }
                switch parsed.keyword {
                case "host":
                    guard !parsed.arguments.isEmpty else { throw parsed.error("Host needs at least one pattern") }
                    items.append(.host(patterns: parsed.arguments, line: lineNumber))
                case "match":
                    noteIgnored("match", spelled: parsed.spelled, file: file, line: lineNumber)
                    items.append(.match(line: lineNumber))
                case "include":
                    items.append(.include(try include(parsed, depth: depth)))
                case let keyword where SSHConfig.supportedKeywords.contains(keyword):
                    try parsed.validate()
                    items.append(.setting(parsed))
                case let keyword where SSHConfig.quietlyIgnoredKeywords.contains(keyword):
                    continue
                default:
                    noteIgnored(parsed.keyword, spelled: parsed.spelled, file: file, line: lineNumber)
                }
            }
            return items
        }

        /// `Include FILE...`: globs, relative to `~/.ssh`; a glob that matches nothing is not an error (OpenSSH).
        mutating func include(_ line: SSHConfigLine, depth: Int) throws(YAMLFileError) -> [IncludedFile] {
            guard !line.arguments.isEmpty else { throw line.error("Include needs a file name") }
            guard depth < SSHConfig.maximumIncludeDepth else {
                throw line.error(
                    "Include nested more than \(SSHConfig.maximumIncludeDepth) deep (does a file include itself?)")
            }
            var files: [IncludedFile] = []
            for argument in line.arguments {
                var pattern = argument
                if argument == "~" || argument.hasPrefix("~/") {
                    pattern = homeDirectory + argument.dropFirst()
                } else if argument.hasPrefix("~") {
                    pattern = NSString(string: argument).expandingTildeInPath  // ~user/...
                }
                if !pattern.hasPrefix("/") { pattern = homeDirectory + "/.ssh/" + pattern }
                for path in Self.glob(pattern) {
                    let items = try read(path: path, depth: depth + 1, includedFrom: (line.file, line.line))
                    files.append(IncludedFile(path: path, items: items))
                }
            }
            return files
        }

        /// Paths matching a shell glob, sorted (glob(3) sorts unless GLOB_NOSORT).
        static func glob(_ pattern: String) -> [String] {
            var result = glob_t()
            defer { globfree(&result) }
            guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
            return (0..<Int(result.gl_pathc)).compactMap { index in
                result.gl_pathv[index].map { String(cString: $0) }
            }
        }
    }
}

/// One `keyword arguments` line of an ssh_config file.
struct SSHConfigLine: Sendable, Hashable {
    /// Lowercased keyword.
    var keyword: String
    /// The keyword as written, for messages.
    var spelled: String
    var arguments: [String]
    /// Everything after the keyword and its separator, unsplit: ProxyCommand and ProxyJump take it as it is.
    var rest: String
    var file: String
    var line: Int

    /// Splits one line; nil for blank lines and comments.
    init?(parsing text: String, file: String, line: Int) throws(YAMLFileError) {
        self.file = file
        self.line = line
        let characters = Array(text.trimmingCharacters(in: CharacterSet(charactersIn: " \t\r")))
        guard let first = characters.first, first != "#" else { return nil }
        // readconf.c strdelim: the keyword ends at whitespace or '='; then whitespace, then at most one '='.
        var index = 0
        while index < characters.count, !" \t=".contains(characters[index]) { index += 1 }
        spelled = String(characters[0..<index])
        keyword = spelled.lowercased()
        var sawEquals = index < characters.count && characters[index] == "="
        if sawEquals { index += 1 }
        while index < characters.count, " \t".contains(characters[index]) { index += 1 }
        if !sawEquals, index < characters.count, characters[index] == "=" {
            sawEquals = true
            index += 1
            while index < characters.count, " \t".contains(characters[index]) { index += 1 }
        }
        rest = String(characters[index...])
        arguments = []
        arguments = try Self.split(characters[index...], file: file, line: line)
    }

    /// misc.c argv_split with terminate_on_comment: whitespace separates, quotes group, `\` escapes a quote, a
    /// backslash or (outside quotes) a space; `#` outside quotes ends the line.
    private static func split(_ characters: ArraySlice<Character>, file: String, line: Int) throws(YAMLFileError)
        -> [String]
    {
        var arguments: [String] = []
        var index = characters.startIndex
        while index < characters.endIndex {
            while index < characters.endIndex, " \t".contains(characters[index]) { index += 1 }
            guard index < characters.endIndex else { break }
            if characters[index] == "#" { break }
            var argument = ""
            var quote: Character?
            while index < characters.endIndex {
                let character = characters[index]
                if character == "\\", index + 1 < characters.endIndex {
                    let next = characters[index + 1]
                    if next == "'" || next == "\"" || next == "\\" || (quote == nil && next == " ") {
                        argument.append(next)
                        index += 2
                        continue
                    }
                    argument.append(character)
                } else if quote == nil, character == " " || character == "\t" {
                    break
                } else if quote == nil, character == "\"" || character == "'" {
                    quote = character
                } else if let open = quote, character == open {
                    quote = nil
                } else {
                    argument.append(character)
                }
                index += 1
            }
            if let open = quote {
                throw YAMLFileError(
                    file: file, line: line, field: nil, message: "unterminated \(open) quote; close it on this line")
            }
            arguments.append(argument)
        }
        return arguments
    }

    func error(_ message: String) -> YAMLFileError {
        YAMLFileError(file: file, line: line, field: spelled, message: message)
    }

    /// The single argument of a keyword that takes one.
    func single() throws(YAMLFileError) -> String {
        guard arguments.count == 1 else {
            throw error(arguments.isEmpty ? "needs a value" : "takes one value, found \(arguments.count)")
        }
        return arguments[0]
    }

    /// Checks the value, whether or not the line applies to any host (as ssh does).
    func validate() throws(YAMLFileError) {
        switch keyword {
        case "port": _ = try port()
        case "identitiesonly": _ = try flag()
        case "stricthostkeychecking": _ = try hostKeyChecking()
        case "connecttimeout": _ = try connectTimeout()
        case "userknownhostsfile":
            guard !arguments.isEmpty else { throw error("needs a file name") }
        case "proxyjump":
            guard !rest.isEmpty else { throw error("needs [user@]host[:port][,...] or none") }
            if rest.lowercased() != "none" { _ = try jumpSpecifications() }
        case "proxycommand":
            guard !rest.isEmpty else { throw error("needs a command or none") }
        default:
            _ = try single()
        }
    }

    func port() throws(YAMLFileError) -> Int {
        let text = try single()
        guard let value = Int(text), (1...65535).contains(value) else {
            throw error("'\(text)' is not a port number (1-65535)")
        }
        return value
    }

    /// yes/no (readconf.c also takes true/false).
    func flag() throws(YAMLFileError) -> Bool {
        switch try single().lowercased() {
        case "yes", "true": return true
        case "no", "false": return false
        case let other: throw error("expected yes or no, found '\(other)'")
        }
    }

    /// OpenSSH's values mapped to fleet-audit's modes: `ask` cannot prompt in an audit, so it is strict.
    func hostKeyChecking() throws(YAMLFileError) -> HostKeyCheckingSetting {
        let text = try single().lowercased()
        guard let value = HostKeyCheckingSetting(rawValue: text) else {
            throw error("expected yes, accept-new, no, off or ask, found '\(text)'")
        }
        return value
    }

    /// Seconds, or nil for `none`.
    func connectTimeout() throws(YAMLFileError) -> Int? {
        let text = try single()
        if text.lowercased() == "none" { return nil }
        guard let value = Int(text), value > 0, value <= 86_400 else {
            throw error("'\(text)' is not a number of seconds (1-86400) or none")
        }
        return value
    }

    /// ProxyJump's hops, first hop first; comments and trailing space removed as readconf.c `parse_jump` does.
    func jumpSpecifications() throws(YAMLFileError) -> [JumpSpecification] {
        var text = rest
        if let hash = text.firstIndex(of: "#") { text = String(text[..<hash]) }
        text = text.trimmingCharacters(in: .whitespaces)
        do {
            return try JumpSpecification.list(text)
        } catch {
            throw self.error(error.message)
        }
    }
}

/// StrictHostKeyChecking as written; `hostKeyChecking` is what fleet-audit does with it.
enum HostKeyCheckingSetting: String, Sendable, Hashable {
    case yes, ask, no, off, acceptNew = "accept-new"
    case `true`, `false`

    var hostKeyChecking: HostKeyChecking {
        switch self {
        case .yes, .ask, .true: return .strict
        case .acceptNew: return .acceptNew
        case .no, .off, .false: return .off
        }
    }
}
