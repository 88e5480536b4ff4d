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

/// One directive of a redis.conf, where it was found.
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
        for (index, rawLine) in file.text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmed
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

    /// Redis's sdssplitargs: whitespace-separated words; "double quotes" with \n \r \t \b \a \\ \" \xHH escapes;
    /// 'single quotes' with \' only. A closing quote must be followed by a space or the end. nil when unbalanced.
    public static func splitArguments(_ line: String) -> [String]? {
        var words: [String] = []
        let characters = Array(line.unicodeScalars)
        var index = 0
        while true {
            while index < characters.count && (characters[index] == " " || characters[index] == "\t") { index += 1 }
            if index >= characters.count { return words }
            var word = String.UnicodeScalarView()
            var inDouble = false
            var inSingle = false
            var done = false
            while !done {
                if inDouble {
                    guard index < characters.count else { return nil }
                    let character = characters[index]
                    if character == "\\" && index + 3 < characters.count && characters[index + 1] == "x",
                        let byte = UInt8(
                            String(String.UnicodeScalarView([characters[index + 2], characters[index + 3]])), radix: 16)
                    {
                        word.append(Unicode.Scalar(byte))
                        index += 3
                    } else if character == "\\" && index + 1 < characters.count {
                        index += 1
                        switch characters[index] {
                        case "n": word.append("\n")
                        case "r": word.append("\r")
                        case "t": word.append("\t")
                        case "b": word.append("\u{8}")
                        case "a": word.append("\u{7}")
                        default: word.append(characters[index])
                        }
                    } else if character == "\"" {
                        if index + 1 < characters.count && characters[index + 1] != " " && characters[index + 1] != "\t"
                        {
                            return nil
                        }
                        done = true
                    } else {
                        word.append(character)
                    }
                } else if inSingle {
                    guard index < characters.count else { return nil }
                    let character = characters[index]
                    if character == "\\" && index + 1 < characters.count && characters[index + 1] == "'" {
                        index += 1
                        word.append("'")
                    } else if character == "'" {
                        if index + 1 < characters.count && characters[index + 1] != " " && characters[index + 1] != "\t"
                        {
                            return nil
                        }
                        done = true
                    } else {
                        word.append(character)
                    }
                } else {
                    if index >= characters.count { break }
                    switch characters[index] {
                    case " ", "\t", "\n", "\r":
                        done = true
                    case "\"": inDouble = true
                    case "'": inSingle = true
                    default: word.append(characters[index])
                    }
                }
                if index < characters.count { index += 1 }
            }
            words.append(String(word))
        }
    }
}
