import FleetCore

/// Command lines and command tables: the options of a process, the arguments of a server, renamed commands.
extension SecretRedaction {
    // MARK: - Command lines

    /// Options that name a secret but take no value (`redis-cli --askpass` prompts for it).
    static let optionsWithoutValue: Set<String> = ["askpass"]

    /// A process list (`PID ARGS` per line) with secret arguments replaced. `ps` joins argv with spaces, so where
    /// one argument ends is lost; the rules therefore err towards redacting more:
    /// - `--name value...` where `isSecretName(name)`: every word up to the next `--option` (redis-server, server.c
    ///   main(), appends every argument that does not start with `--` to the option before it, so
    ///   `--requirepass "a b"` shows as `--requirepass a b`);
    /// - `-name value` (redis-cli `-a`, Go-style `-redis.password`): the one word that follows (both programs take
    ///   exactly one argument there);
    /// - a bare secret word (`redis-cli AUTH user pw`, `CONFIG SET requirepass pw`): at least one word, then up to
    ///   the next `-option`;
    /// - `name=value`, `--name=value`: the value (`REDIS_PASSWORD=x`, `--redis.password=x`). Redis itself does not
    ///   accept `--requirepass=x` (it reads a directive named `requirepass=x` and refuses to start) but other
    ///   programs on the host do;
    /// - `scheme://user:password@host`: the password.
    /// `-a` is redis-cli's password wherever it appears: a false positive costs one word of a process line.
    /// A server's command line, one argument per line (`command_line`): the values of a secret option
    /// (`--requirepass x`), the new names of `--rename-command`, and the passwords of `--user` rules become
    /// placeholders; an argument that holds a whole option (`"--requirepass x"`) is redacted like a command line.
    public static func redactArguments(_ text: String) -> String {
        var option = ""
        var position = 0
        return rewritingLines(text) { _, bytes in
            let argument = lineString(bytes)
            func redacted() -> String? { isPlainCommandLine(bytes) ? nil : redactCommandLine(argument) }
            if argument.hasPrefix("--") {
                option = String(argument.dropFirst(2)).lowercased()
                position = 0
                return redacted()
            }
            position += 1
            let secret =
                isSecretName(option) || (option == "rename-command" && position >= 2)
                || (option == "user" && (argument.hasPrefix(">") || argument.hasPrefix("#")))
            return secret ? placeholder : redacted()
        }
    }

    /// `command_table`: a name no Redis or Valkey release has was given by `rename-command`, and is a secret by
    /// design (it only protects while unknown): it becomes a placeholder, its flags stay.
    public static func redactCommandTable(_ text: String) -> String {
        rewritingLines(text) { _, bytes in
            // In ASCII the first space byte is the first space Character: only a non-ASCII scalar (a combining mark)
            // joins a space into a larger Character, and such lines are read as Characters below.
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return redactCommandTableLine(lineString(bytes)) }
            let space = bytes.firstIndex(of: 0x20) ?? bytes.count
            guard space > 0, !RedisCommandCatalogue.isKnown(asciiName: UnsafeBufferPointer(rebasing: bytes[..<space]))
            else { return nil }
            return placeholder + lineString(UnsafeBufferPointer(rebasing: bytes[space...]))
        }
    }

    /// One `command_table` line, its name replaced when no release has it.
    static func redactCommandTableLine(_ line: String) -> String? {
        guard let space = line.firstIndex(of: " ") ?? Optional(line.endIndex),
            case let name = line[..<space], !name.isEmpty, !RedisCommandCatalogue.isKnown(String(name))
        else { return nil }
        return placeholder + line[space...]
    }

    public static func redactCommandLines(_ text: String) -> String {
        rewritingLines(text) { _, line in isPlainCommandLine(line) ? nil : redactCommandLine(lineString(line)) }
    }

    static func redactCommandLine(_ line: String) -> String {
        // Alternating runs: words and the whitespace between them, kept as they were.
        var runs: [(word: String, isSpace: Bool)] = []
        for scalar in line.unicodeScalars {
            let isSpace = RedisArguments.isSpace(scalar)
            if let last = runs.last, last.isSpace == isSpace {
                runs[runs.count - 1].word.unicodeScalars.append(scalar)
            } else {
                runs.append((String(scalar), isSpace))
            }
        }
        var valueEnds: ((String) -> Bool)?
        var atLeastOneMore = false
        for index in runs.indices where !runs[index].isSpace {
            let word = runs[index].word
            if let ends = valueEnds {
                if atLeastOneMore || !ends(word) {
                    runs[index].word = placeholder
                    atLeastOneMore = false
                    continue
                }
                valueEnds = nil
            }
            runs[index].word = redactURLPassword(word)
            let dashes = word.prefix { $0 == "-" }
            let option = word.dropFirst(dashes.count)
            if let equals = option.firstIndex(of: "=") {
                if isSecretName(option[..<equals]), equals != option.index(before: option.endIndex) {
                    runs[index].word = dashes + option[...equals] + placeholder
                }
                continue
            }
            guard !option.isEmpty, isSecretName(option) || (dashes == "-" && option == "a"),
                !optionsWithoutValue.contains(option.lowercased())
            else { continue }
            switch dashes.count {
            case 0: valueEnds = { $0.hasPrefix("-") }
            case 1: valueEnds = { _ in true }
            default: valueEnds = { $0.hasPrefix("--") }
            }
            atLeastOneMore = true
        }
        return runs.map(\.word).joined()
    }

    /// `redis://user:password@host/...` → `redis://user:<redacted>@host/...`.
    static func redactURLPassword(_ word: String) -> String {
        guard let scheme = word.firstRange(of: "://") else { return word }
        let authority = word[scheme.upperBound...].prefix { $0 != "/" }
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":"),
            word.index(after: colon) < at
        else { return word }
        return String(word[...colon]) + placeholder + String(word[at...])
    }
}
