import FleetCore

/// One config file as read on a host: its path and its text.
public struct ConfigSourceFile: Sendable, Hashable {
    public var path: String
    public var text: String

    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }
}

/// One directive of a redis.conf (or one `--name value` option of the command line), where it was found.
public struct ConfigDirective: Sendable, Hashable {
    /// Lowercased directive name (Redis reads names case-insensitively).
    public var name: String
    public var arguments: [String]
    public var file: String
    public var line: Int

    /// `file:line`, for evidence.
    public var location: String { "\(file):\(line)" }
    /// The arguments joined by spaces, as CONFIG GET would show most values.
    public var value: String { arguments.joined(separator: " ") }

    public init(name: String, arguments: [String], file: String, line: Int) {
        self.name = name
        self.arguments = arguments
        self.file = file
        self.line = line
    }
}

/// A `rename-command` directive: `newName` empty means the command is disabled.
public struct RenamedCommand: Sendable, Hashable {
    public var command: String
    public var newName: String
    public var file: String
    public var line: Int
    public var isDisabled: Bool { newName.isEmpty }
}

/// The effective configuration of a Redis instance as its config files say, read the way Redis reads them
/// (config.c: each line split with sdssplitargs, names case-insensitive, `include` processed in place, and for
/// single-valued settings the last occurrence wins).
public struct RedisConfiguration: Sendable, Hashable {
    public private(set) var directives: [ConfigDirective] = []
    /// Lines that could not be read, and includes whose file was not captured: reported, never fatal.
    public private(set) var problems: [String] = []

    /// Reads `mainFile` from `files`, following its includes among `files`.
    public init(files: [ConfigSourceFile], mainFile: String) {
        var visiting: [String] = []
        read(path: mainFile, files: files, visiting: &visiting)
    }

    private mutating func read(path: String, files: [ConfigSourceFile], visiting: inout [String]) {
        guard let file = files.first(where: { $0.path == path }) else {
            problems.append("\(path): not captured")
            return
        }
        guard !visiting.contains(path) else {
            problems.append("\(path): includes itself (loop), ignored")
            return
        }
        visiting.append(path)
        defer { visiting.removeLast() }
        // config.c loadServerConfigFromString: split on "\n", sdstrim(" \t\r\n"), skip empty lines and lines whose
        // first character is '#', then sdssplitargs. A CRLF file and a last line ending in a bare CR read the same.
        for (index, textLine) in TextLine.split(file.text).enumerated() {
            let line = textLine.content.trimmed
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let words = Self.splitArguments(line), let first = words.first else {
                problems.append("\(path):\(index + 1): unbalanced quotes")
                continue
            }
            let directive = ConfigDirective(
                name: first.lowercased(), arguments: Array(words.dropFirst()), file: path, line: index + 1)
            if directive.name == "include", let pattern = directive.arguments.first {
                directives.append(directive)
                let matches = files.map(\.path).filter { Glob.matches(pattern, $0) }.sorted()
                if matches.isEmpty { problems.append("\(directive.location): included \(pattern) was not captured") }
                for match in matches { read(path: match, files: files, visiting: &visiting) }
                continue
            }
            directives.append(directive)
        }
    }

    /// The last occurrence of a directive: the one Redis applies.
    public func effective(_ name: String) -> ConfigDirective? { directives.last { $0.name == name.lowercased() } }

    /// Every occurrence, for directives that accumulate (save, rename-command, client-output-buffer-limit, user,
    /// loadmodule, include).
    public func all(_ name: String) -> [ConfigDirective] { directives.filter { $0.name == name.lowercased() } }

    public var renamedCommands: [RenamedCommand] {
        all("rename-command").compactMap { directive in
            guard directive.arguments.count == 2 else { return nil }
            return RenamedCommand(
                command: directive.arguments[0].lowercased(), newName: directive.arguments[1], file: directive.file,
                line: directive.line)
        }
    }

    /// Redis's sdssplitargs (see `RedisArguments`): the words of one line, or nil when its quotes are unbalanced or
    /// a closing quote is followed by something other than a space.
    public static func splitArguments(_ line: String) -> [String]? {
        if let words = ASCIIBytes.withASCII(line, unquotedWords(ascii:)), let words { return words }
        return RedisArguments.words(line)?.map(\.value)
    }

    /// sdssplitargs of an ASCII line without quotes or NUL, on its bytes (there every scalar is one byte): words
    /// begin after C `isspace` and an unquoted word ends only at space, LF, CR or tab (`a\vb` is one word); nil for
    /// any other line, which `RedisArguments` reads.
    private static func unquotedWords(ascii line: UnsafeBufferPointer<UInt8>) -> [String]? {
        guard !line.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") || $0 == 0 }) else {
            return nil
        }
        var words: [String] = []
        var index = 0
        while index < line.count {
            while index < line.count, line[index] == 0x20 || (0x09...0x0D).contains(line[index]) { index += 1 }
            guard index < line.count else { break }
            let start = index
            while index < line.count, ![0x20, 0x0A, 0x0D, 0x09].contains(line[index]) { index += 1 }
            words.append(ASCIIBytes.string(line[start..<index]))
            index += 1
        }
        return words
    }
}
