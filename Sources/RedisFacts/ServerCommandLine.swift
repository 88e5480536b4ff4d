/// The command line a Redis server was started with (`redis-server /etc/redis/redis.conf --port 6380
/// --protected-mode no`), the layer of settings above redis.conf: Redis applies the options after the file, so an
/// option given here overrides every line of it. Parsed from the collector's `command_line` section.
public struct ServerCommandLine: Sendable, Hashable {
    /// Where the arguments were seen. Redis replaces its own argv with its title at start, so they survive only in
    /// what started it; `title` means they could not be seen and may hide any setting.
    public enum Origin: Sendable, Hashable {
        /// `/proc/<pid>/cmdline` still held them (a server that does not retitle itself).
        case processArguments
        /// The process that started the server and stayed (tini, sudo, `sh -c`).
        case parent
        /// `ExecStart` of the systemd unit whose cgroup the server runs in.
        case systemd(unit: String)
        /// Only the process title: the arguments are gone.
        case title
    }

    public let origin: Origin
    /// The config file argument (`redis-server FILE`), when there was one.
    public let configFile: String?
    /// One directive per `--name value...` option, in order; `file` is "argv" and `line` the option's position.
    public let options: [ConfigDirective]

    /// Whether the options are known: every origin but the title.
    public var isObservable: Bool { origin != .title }

    /// Where the arguments were seen, for evidence.
    public var source: String {
        switch origin {
        case .processArguments: return "command line (/proc/<pid>/cmdline)"
        case .parent: return "command line (the starting process)"
        case .systemd(let unit): return "command line (systemd \(unit) ExecStart)"
        case .title: return "command line (not observable: the process title replaced it)"
        }
    }

    /// nil when the section is not the collector's shape (an absent or hostile section).
    public init?(parsing text: String) {
        var lines = TextLine.split(text).map(\.content)
        if lines.last == "" { lines.removeLast() }
        guard let header = lines.first, header.hasPrefix("from ") else { return nil }
        let kind = header.dropFirst(5).split(separator: " ", maxSplits: 1).map(String.init)
        switch kind.first {
        case "cmdline": origin = .processArguments
        case "parent": origin = .parent
        case "systemd" where kind.count == 2: origin = .systemd(unit: kind[1])
        case "title": origin = .title
        default: return nil
        }
        guard origin != .title else {
            configFile = nil
            options = []
            return
        }
        var arguments = Array(lines.dropFirst().prefix(256))
        // The executable itself; then, as Redis reads its argv, a first argument that is not an option is the file.
        if !arguments.isEmpty { arguments.removeFirst() }
        if let first = arguments.first, !first.hasPrefix("--") {
            configFile = first == "-" ? nil : first
            arguments.removeFirst()
        } else {
            configFile = nil
        }
        var options: [ConfigDirective] = []
        for (position, argument) in arguments.enumerated() {
            if argument.hasPrefix("--") {
                let name = String(argument.dropFirst(2)).lowercased()
                guard !name.isEmpty else { continue }
                options.append(ConfigDirective(name: name, arguments: [], file: "argv", line: position + 1))
            } else if !options.isEmpty {
                options[options.count - 1].arguments.append(argument)
            }
        }
        self.options = options
    }

    /// The last option setting `name` (as in redis.conf, the last occurrence wins).
    public func effective(_ name: String) -> ConfigDirective? { options.last { $0.name == name.lowercased() } }
}
