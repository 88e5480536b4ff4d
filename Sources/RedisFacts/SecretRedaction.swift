import FleetCore

/// Removes secrets from what a host returned before anything is stored.
///
/// One predicate (`isSecretName`) says which names carry a secret, for redis.conf directives, `CONFIG GET`
/// parameters and command-line options alike. Config text is read the way Redis reads it (`TextLine`, then
/// `RedisArguments`, the sdssplitargs tokeniser), never with a regex of it. A line that holds no secret stays
/// byte-identical, terminator included, and the number of lines never changes, so file:line evidence keeps pointing
/// at the right line. A redacted line keeps its directive name and says `<redacted>`, so the checks still see "a
/// password is set". docs/security-secrets.md lists every rule and the test that proves it.
public enum SecretRedaction {
    public static let placeholder = "<redacted>"

    /// Known secrets this long or longer are scrubbed wherever they occur; shorter ones only as whole tokens. A short
    /// password scrubbed inside words would destroy evidence without protecting anything: the password `redis` would
    /// turn `redis_version:` into `<redacted>_version:` and the instance would look as if it were not running.
    public static let wholeTokenBelowLength = 8

    /// The one entry point: `text` of collector section `section` with every secret replaced. Sections shaped like
    /// config lose their secret values by rule; then the passwords the auditor itself sent (`knownSecrets`) are
    /// scrubbed from every section, whatever its shape.
    public static func redact(_ text: String, section: String, knownSecrets: [String]) -> String {
        let structural: String
        switch section {
        case SectionName.configFile.rawValue: structural = redactConfig(text)
        // A frame the collector did not write may hold anything: every rule applies.
        case "unexpected": structural = redactCommandLines(redactConfig(text))
        case SectionName.configGet.rawValue: structural = redactConfigGet(text)
        case SectionName.aclList.rawValue: structural = redactACLList(text)
        // The process list shows the options a server was started with (`redis-server --requirepass x`).
        case SectionName.processes.rawValue: structural = redactCommandLines(text)
        case SectionName.commandLine.rawValue: structural = redactArguments(text)
        case SectionName.commandTable.rawValue: structural = redactCommandTable(text)
        default: structural = text
        }
        return scrub(structural, secrets: knownSecrets)
    }

    // MARK: - Which names are secret

    /// Whether a directive, `CONFIG GET` parameter, option (without its dashes) or environment variable named `name`
    /// holds a secret: `requirepass`, `masterauth` (Valkey: `primaryauth`), `tls-key-file-pass`,
    /// `tls-client-key-file-pass`, Sentinel's `auth-pass` and `sentinel-pass`, redis-cli's `--pass`, `AUTH`,
    /// `REDISCLI_AUTH`, and any name that says password, secret, token or credential.
    ///
    /// User names are not secrets (`masteruser`, `primaryuser`, `sentinel auth-user`, `--user`): the audit reports
    /// which user replicates, and a user name alone does not authenticate.
    public static func isSecretName(_ name: some StringProtocol) -> Bool {
        // ASCII (nearly every name) is answered on its bytes; other text as Characters, lower-cased by Unicode's rules.
        let ascii = name.utf8.withContiguousStorageIfAvailable {
            $0.allSatisfy { $0 < 0x80 } ? isSecretNameASCII($0) : nil
        }
        if let ascii, let isSecret = ascii { return isSecret }
        let name = name.lowercased()
        if name.hasSuffix("pass") || name.hasSuffix("auth") { return true }
        return ["password", "passwd", "secret", "token", "credential"].contains { name.contains($0) }
    }

    /// Directives whose values are secret in a position of their own (`sentinel auth-pass <master> <password>`,
    /// `rename-command <command> <new name>`) or which hold ACL rules (`user`): a line starting with one of them
    /// that cannot be read is redacted even inside a comment.
    static let secretBearingDirectives: Set<String> = ["user", "sentinel", "rename-command"]

    static func couldCarrySecret(_ name: some StringProtocol) -> Bool {
        isSecretName(name) || secretBearingDirectives.contains(name.lowercased())
    }

    // MARK: - Config files

    /// redis.conf, the files it includes, sentinel.conf or an ACL file, with every secret value replaced.
    ///
    /// Rules, per line (a line as Redis sees it, see `TextLine`):
    /// - a directive that `isSecretName` keeps its name and its value becomes `<redacted>`; an empty value
    ///   (`requirepass ""`) stays: it is not a secret, and it is exactly what the auth check needs to see;
    /// - `user` lines and ACL files: every password or hash word (`>pw`, `<pw`, `#hash`, `!hash`), quoted or not;
    /// - `sentinel auth-pass <master> <pw>`, `sentinel sentinel-pass <pw>` and any Sentinel option that
    ///   `isSecretName`: the value (the master's name stays);
    /// - `rename-command CONFIG <new name>`: the new name, which is a secret by design (it only protects if unknown);
    ///   a disabled command (`""`) stays visible;
    /// - a comment (`# requirepass oldpassword`) is read by the same rules: commented-out passwords are often still
    ///   in use elsewhere;
    /// - a line Redis could not read (unbalanced quotes, a directive name that is not a name) keeps only the leading
    ///   name and says `<redacted>`: there is no telling which of its bytes would have been the value, and Redis
    ///   refuses to start with such a line, so no check loses a value the server used;
    /// - a line holding another line break a viewer might honour (a bare CR, \v, \f, NUL, U+0085, U+2028, U+2029) is
    ///   also read piece by piece: if any piece alone would be redacted, the line is treated as unreadable.
    public static func redactConfig(_ text: String) -> String {
        rewritingLines(text) { _, line in isPlainConfigLine(line) ? nil : redactConfigLine(lineString(line)) }
    }

    /// One config line, without its terminator.
    static func redactConfigLine(_ line: String) -> String {
        let scalars = Array(line.unicodeScalars)
        let redacted = redactLogicalLine(scalars)
        let result = Array(redacted.unicodeScalars)
        if result.contains(where: isLineBreakLike) {
            let pieces = result.split(omittingEmptySubsequences: false, whereSeparator: isLineBreakLike)
            if pieces.contains(where: { redactLogicalLine(Array($0)) != string($0) }) { return unreadable(scalars) }
        }
        return redacted
    }

    /// The line as Redis reads it: sdstrim(" \t\r\n"), a comment if it then starts with '#', else sdssplitargs.
    private static func redactLogicalLine(_ scalars: [Unicode.Scalar]) -> String {
        let (lead, body, trail) = trimmedParts(scalars)
        guard let first = body.first else { return string(scalars) }
        if first == "#" {
            var start = 1
            while start < body.count, RedisArguments.isSpace(body[start]) { start += 1 }
            let commented = Array(body[start...])
            guard let replaced = redactDirective(commented, inComment: true) else { return string(scalars) }
            return string(lead) + string(body[..<start]) + replaced + string(trail)
        }
        guard let replaced = redactDirective(body, inComment: false) else { return string(scalars) }
        return string(lead) + replaced + string(trail)
    }

    /// `body` (trimmed, not a comment marker) with its secrets replaced, or nil when it holds none.
    private static func redactDirective(_ body: [Unicode.Scalar], inComment: Bool) -> String? {
        let prefix = namePrefix(body)
        guard let words = RedisArguments.words(scalars: body), let name = words.first,
            name.span.lowerBound == 0, name.value.unicodeScalars.allSatisfy(isNameScalar), !name.value.isEmpty
        else {
            // In a comment, prose is not a directive: only a line that starts like a secret-bearing one is cut.
            if inComment && !couldCarrySecret(string(prefix)) { return nil }
            return unreadableBody(body)
        }
        let lowered = name.value.lowercased()
        func through(_ word: RedisArguments.Word) -> String { string(body[..<word.span.upperBound]) }
        if isSecretName(lowered) {
            guard words.dropFirst().contains(where: { !$0.value.isEmpty }) else { return nil }
            return through(name) + " " + placeholder
        }
        switch lowered {
        case "user":
            return redactACLWords(body, words: words.dropFirst())
        case "sentinel":
            guard words.count >= 3, isSecretName(words[1].value) else { return nil }
            // `sentinel auth-pass <master> <password>`: the master's name is evidence, not a secret.
            let kept = words[1].value.lowercased() == "auth-pass" && words.count >= 4 ? 3 : 2
            guard words[kept...].contains(where: { !$0.value.isEmpty }) else { return nil }
            return through(words[kept - 1]) + " " + placeholder
        case "rename-command":
            guard words.count >= 3, words[2...].contains(where: { !$0.value.isEmpty }) else { return nil }
            return through(words[1]) + " " + placeholder
        default:
            return nil
        }
    }

    // MARK: - ACL rules

    /// `ACL LIST` output, one `user` rule per line, read like `user` lines of a config file (Redis writes ACL files
    /// in the same format, acl.c ACLSaveToFile). Lines that are not `user` rules (an error) stay as they are.
    public static func redactACLList(_ text: String) -> String {
        rewritingLines(text) { _, bytes in
            let line = lineString(bytes)
            let firstWord = line.unicodeScalars.split(whereSeparator: RedisArguments.isSpace).first
            guard let firstWord, string(firstWord).lowercased() == "user" else { return nil }
            return redactConfigLine(line)
        }
    }

    /// The rule words of a `user` line with every password and hash replaced, or nil when it has none. Words are
    /// sdssplitargs words first (`">Carol Pw"` is one word), then, for safety, whitespace-separated words of what is
    /// left (`"x >pw"` is no valid rule, but the bytes after `>` still are what someone meant as a password).
    private static func redactACLWords(_ body: [Unicode.Scalar], words: ArraySlice<RedisArguments.Word>) -> String? {
        var result: [Unicode.Scalar] = []
        var cursor = 0
        for word in words {
            guard let replacement = aclSecretReplacement(Array(word.value.unicodeScalars)) else { continue }
            result += body[cursor..<word.span.lowerBound]
            result += replacement
            cursor = word.span.upperBound
        }
        result += body[cursor...]
        var output: [Unicode.Scalar] = []
        var index = 0
        while index < result.count {
            guard !RedisArguments.isSpace(result[index]) else {
                output.append(result[index])
                index += 1
                continue
            }
            var end = index
            while end < result.count, !RedisArguments.isSpace(result[end]) { end += 1 }
            let word = result[index..<end]
            let leading = word.prefix { $0 == "\"" || $0 == "'" }
            let trailing = word.dropFirst(leading.count).reversed().prefix { $0 == "\"" || $0 == "'" }
            let core = Array(word.dropFirst(leading.count).dropLast(trailing.count))
            output += aclSecretReplacement(core).map { leading + $0 + trailing } ?? Array(word)
            index = end
        }
        return output == body ? nil : string(output)
    }

    /// `>pw` → `><redacted>` (and `<pw`, `#hash`, `!hash`; a selector's `(` stays), or nil when `word` is no
    /// password rule. A lone `>` sets an empty password: nothing to hide.
    private static func aclSecretReplacement(_ word: [Unicode.Scalar]) -> [Unicode.Scalar]? {
        let parentheses = word.prefix { $0 == "(" }
        let rule = word.dropFirst(parentheses.count)
        guard let marker = rule.first, ">#<!".unicodeScalars.contains(marker), rule.count > 1 else { return nil }
        let replacement = Array(parentheses) + [marker] + Array(placeholder.unicodeScalars)
        // Already redacted (`><redacted>`, or the `<redacted>` of an unreadable line): stored text reads the same.
        return word == replacement || rule.elementsEqual(placeholder.unicodeScalars) ? nil : replacement
    }

    // MARK: - CONFIG GET

    /// `CONFIG GET *` output (alternating name and value lines) with the value of every secret parameter replaced.
    /// An empty value stays, as in config files.
    public static func redactConfigGet(_ text: String) -> String {
        // Lines 0, 2, 4... are names, each followed by its value; a name on the last line has no value to redact.
        var nameIsSecret = false
        return rewritingLines(text) { index, line in
            let trimmed = trimmedBytes(line)
            if index % 2 == 0 {
                nameIsSecret = isSecretName(bytes: trimmed)
                return nil
            }
            return nameIsSecret && !trimmed.isEmpty ? placeholder : nil
        }
    }

    // MARK: - Known secrets

    /// What separates a short known secret from the text around it: whitespace, quotes and the punctuation that
    /// joins a value to a name or a URL (`=`, `:`, `,`, `;`, `@`, brackets, `&`, `|`), NUL. Not `-`, `_`, `.` or
    /// `/`: they hold names and paths together (`redis-server`, `redis_version`, `/etc/redis/redis.conf`).
    static let tokenDelimiters: Set<Unicode.Scalar> = [
        "\"", "'", "`", "=", ":", ",", ";", "@", "(", ")", "[", "]", "{", "}", "<", ">", "&", "|", "\0",
    ]

    /// `text` with the passwords the auditor itself sent replaced. Secrets of `wholeTokenBelowLength` scalars or
    /// more go wherever they occur; shorter ones (a 1-character password too) wherever they stand as a whole token
    /// between `tokenDelimiters` or line ends (`pw` goes in `-a pw`, `:pw@`, `"pw"`, `pw,`, `x=pw`; `redis` stays in
    /// `redis-server`). Longest first, so a secret containing another goes whole.
    public static func scrub(_ text: String, secrets: [String]) -> String {
        // Fast path: when no secret occurs in the text, nothing is replaced (and no placeholder is inserted for a
        // later secret to match in), so the text is the result. Searching bytes is exact: UTF-8 is
        // self-synchronising, so a secret's bytes occur in valid UTF-8 exactly where its scalars do. Most sections
        // hold no secret, and most hosts have none to scrub.
        guard secrets.contains(where: { !$0.isEmpty && text.holdsBytes(of: $0) }) else { return text }
        var result = Array(text.unicodeScalars)
        for secret in Set(secrets).sorted(by: { $0.unicodeScalars.count > $1.unicodeScalars.count }) {
            let needle = Array(secret.unicodeScalars)
            guard !needle.isEmpty else { continue }
            result = replacing(needle, in: result, wholeTokensOnly: needle.count < wholeTokenBelowLength)
        }
        return string(result)
    }

    private static func replacing(
        _ needle: [Unicode.Scalar], in haystack: [Unicode.Scalar], wholeTokensOnly: Bool
    ) -> [Unicode.Scalar] {
        func isDelimiter(_ scalar: Unicode.Scalar) -> Bool {
            RedisArguments.isSpace(scalar) || tokenDelimiters.contains(scalar)
        }
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(haystack.count)
        var index = 0
        while index < haystack.count {
            let end = index + needle.count
            if end <= haystack.count, haystack[index..<end].elementsEqual(needle),
                !wholeTokensOnly
                    || ((index == 0 || isDelimiter(haystack[index - 1]))
                        && (end == haystack.count || isDelimiter(haystack[end])))
            {
                output += placeholder.unicodeScalars
                index = end
            } else {
                output.append(haystack[index])
                index += 1
            }
        }
        return output
    }

    // MARK: - Helpers

    /// Line breaks other than "\n" that a viewer or another parser might honour (NUL ends a C string).
    static func isLineBreakLike(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\r", "\u{0B}", "\u{0C}", "\0", "\u{85}", "\u{2028}", "\u{2029}": true
        default: false
        }
    }

    /// Directive names are ASCII letters, digits and `-` (`_` and `.` for module options).
    static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
            || scalar == "-" || scalar == "_" || scalar == "."
    }

    private static func namePrefix(_ body: [Unicode.Scalar]) -> ArraySlice<Unicode.Scalar> {
        body.prefix(while: isNameScalar)
    }

    /// What stays of a line that cannot be read: its leading name, then `<redacted>`.
    private static func unreadable(_ scalars: [Unicode.Scalar]) -> String {
        let (lead, body, trail) = trimmedParts(scalars)
        if body.first == "#" {
            var start = 1
            while start < body.count, RedisArguments.isSpace(body[start]) { start += 1 }
            let rest = unreadableBody(Array(body[start...])) ?? string(body[start...])
            return string(lead) + string(body[..<start]) + rest + string(trail)
        }
        return string(lead) + (unreadableBody(body) ?? string(body)) + string(trail)
    }

    private static func unreadableBody(_ body: [Unicode.Scalar]) -> String? {
        let prefix = namePrefix(body)
        guard prefix.count < body.count else { return nil }
        return prefix.isEmpty ? placeholder : string(prefix) + " " + placeholder
    }

    /// Leading blanks, the line as sdstrim(" \t\r\n") leaves it, trailing blanks.
    private static func trimmedParts(
        _ scalars: [Unicode.Scalar]
    ) -> (lead: ArraySlice<Unicode.Scalar>, body: [Unicode.Scalar], trail: ArraySlice<Unicode.Scalar>) {
        func isTrimmed(_ scalar: Unicode.Scalar) -> Bool {
            scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\n"
        }
        let start = scalars.firstIndex { !isTrimmed($0) } ?? scalars.count
        let end = (scalars.lastIndex { !isTrimmed($0) }).map { $0 + 1 } ?? start
        return (scalars[..<start], Array(scalars[start..<end]), scalars[end...])
    }

    private static func string(_ scalars: some Sequence<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
