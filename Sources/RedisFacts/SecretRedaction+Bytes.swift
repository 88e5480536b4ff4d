/// The byte-level half of redaction: walking a text's lines as UTF-8 bytes, and proving cheaply that a line holds
/// nothing any rule would change.
///
/// Every rule is per line, and almost every line a host returns holds no secret (a redis.conf is ~2,000 lines of
/// comments and plain directives). So each line is first read as bytes by a conservative test that can only say
/// "this line stays as it is" when the rule would leave it byte-identical; every other line, however rare or
/// hostile, goes through the rule itself (the scalar-level readers in SecretRedaction.swift). Unchanged lines are
/// never copied: when no line changes, the text itself is the result; else unchanged runs are copied in one piece.
/// The tests compare this with the line-by-line reference on the real fixtures and on crafted input
/// (SecretRedactionFastPathTests).
extension SecretRedaction {
    /// `text` with each line's content replaced by what `replacement` returns for it (nil: the line stays). Lines are
    /// cut as `TextLine.split` cuts them: at "\n", with a "\r" just before it part of the terminator, and the text
    /// after the last "\n" a line of its own (empty when the text ends in "\n"); `index` counts them from 0.
    /// Terminators are always kept. `content` is the line's UTF-8 bytes, valid UTF-8 because `text` is (LF and CR
    /// never occur inside a multi-byte sequence).
    static func rewritingLines(
        _ text: String, _ replacement: (_ index: Int, _ content: UnsafeBufferPointer<UInt8>) -> String?
    ) -> String {
        var text = text
        let rewritten: String? = text.withUTF8 { bytes in
            var output: [UInt8] = []
            // Bytes before this offset are in `output` (once a line changed) or need not be (before that).
            var copiedUpTo = 0
            var changed = false
            var start = 0
            var index = 0
            while true {
                let lineFeed = ASCIIBytes.firstIndex(of: 0x0A, in: bytes[start...])
                let lineEnd = lineFeed ?? bytes.count
                let contentEnd =
                    lineFeed != nil && lineEnd > start && bytes[lineEnd - 1] == 0x0D ? lineEnd - 1 : lineEnd
                let content = UnsafeBufferPointer(rebasing: bytes[start..<contentEnd])
                if let new = replacement(index, content), !new.utf8.elementsEqual(content) {
                    if !changed {
                        output.reserveCapacity(bytes.count + 64)
                        changed = true
                    }
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copiedUpTo..<start]))
                    output.append(contentsOf: new.utf8)
                    copiedUpTo = contentEnd
                }
                guard let lineFeed else { break }
                start = lineFeed + 1
                index += 1
            }
            guard changed else { return nil }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copiedUpTo...]))
            return String(decoding: output, as: UTF8.self)
        }
        return rewritten ?? text
    }

    /// The line as a String, as `TextLine.split` would have made it.
    static func lineString(_ content: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: content, as: UTF8.self)
    }

    // MARK: - Lines no rule changes

    /// True only when `redactConfigLine` returns `line` unchanged: printable ASCII and tabs without quotes (so
    /// sdssplitargs cannot fail, no word is quoted, nothing looks like a line break and lower-casing is ASCII's), whose
    /// directive (or, in a comment, whose commented directive) is a whole name that cannot carry a secret.
    static func isPlainConfigLine(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in line
        where !((0x20..<0x7F).contains(byte) && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "'")) {
            guard byte == 0x09 else { return false }
        }
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        var index = 0
        while index < line.count, isBlank(line[index]) { index += 1 }
        guard index < line.count else { return true }
        let isComment = line[index] == UInt8(ascii: "#")
        if isComment {
            index += 1
            while index < line.count, isBlank(line[index]) { index += 1 }
        }
        let nameStart = index
        while index < line.count, isNameByte(line[index]) { index += 1 }
        let name = UnsafeBufferPointer(rebasing: line[nameStart..<index])
        if couldCarrySecretASCII(name) { return false }
        // In a comment, a line that does not start with a whole name is prose, kept as it is (`redactDirective`).
        if isComment { return true }
        // Outside one, the directive must be a whole name (`./x` or `a$b` is a line Redis cannot read: redacted).
        return !name.isEmpty && (index == line.count || isBlank(line[index]))
    }

    /// True only when `redactCommandLine` returns `line` unchanged: ASCII, with no part of a secret name (`pass`,
    /// `auth`, `secret`, `token`, `credential`, any case), no `://` and no word `-a`. Every option it redacts is one
    /// of those (see `redactCommandLine`), so a line without any is kept.
    static func isPlainCommandLine(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard line.allSatisfy({ $0 < 0x80 }) else { return false }
        if holdsSecretFragment(line) { return false }
        func isSpaceByte(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
        var index = 0
        while index + 1 < line.count {
            if line[index] == UInt8(ascii: "-"), line[index + 1] == UInt8(ascii: "a"),
                index == 0 || isSpaceByte(line[index - 1]), index + 2 == line.count || isSpaceByte(line[index + 2])
            {
                return false
            }
            index += 1
        }
        return true
    }

    // MARK: - Secret names in ASCII

    /// `isSecretName` for a name of ASCII bytes, without making a String: ASCII lower-casing is Unicode's there, and
    /// comparing bytes is comparing Characters (no ASCII byte but CR-LF joins into one Character, and no fragment
    /// holds either). One pass: each fragment is tried only where its first letter is.
    static func isSecretNameASCII(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        let suffixAt = name.count - 4
        for index in name.indices {
            switch lowercasedASCII(name[index]) {
            case UInt8(ascii: "p"):
                if index == suffixAt, matches(name, at: index, "pass") { return true }
                if matches(name, at: index, "passwd") || matches(name, at: index, "password") { return true }
            case UInt8(ascii: "a"): if index == suffixAt, matches(name, at: index, "auth") { return true }
            case UInt8(ascii: "s"): if matches(name, at: index, "secret") { return true }
            case UInt8(ascii: "t"): if matches(name, at: index, "token") { return true }
            case UInt8(ascii: "c"): if matches(name, at: index, "credential") { return true }
            default: continue
            }
        }
        return false
    }

    /// Whether `line` holds, in any case, a part every secret name has (`pass`, `auth`, `secret`, `token`,
    /// `credential`) or the `://` of a URL that may hold a password.
    private static func holdsSecretFragment(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        for index in line.indices {
            switch lowercasedASCII(line[index]) {
            case UInt8(ascii: "p"): if matches(line, at: index, "pass") { return true }
            case UInt8(ascii: "a"): if matches(line, at: index, "auth") { return true }
            case UInt8(ascii: "s"): if matches(line, at: index, "secret") { return true }
            case UInt8(ascii: "t"): if matches(line, at: index, "token") { return true }
            case UInt8(ascii: "c"): if matches(line, at: index, "credential") { return true }
            case UInt8(ascii: ":"): if matches(line, at: index, "://") { return true }
            default: continue
            }
        }
        return false
    }

    /// `couldCarrySecret` for a name of ASCII bytes.
    static func couldCarrySecretASCII(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        if isSecretNameASCII(name) { return true }
        return secretBearingDirectives.contains { name.count == $0.utf8.count && matches(name, at: 0, $0) }
    }

    /// `isSecretName` of `name`'s bytes: through `isSecretNameASCII` when they are ASCII, else through the String.
    static func isSecretName(bytes name: UnsafeBufferPointer<UInt8>) -> Bool {
        name.allSatisfy { $0 < 0x80 } ? isSecretNameASCII(name) : isSecretName(lineString(name))
    }

    /// Whether `text` holds `fragment` (lower-case ASCII) at `index`, in any case.
    private static func matches(_ text: UnsafeBufferPointer<UInt8>, at index: Int, _ fragment: String) -> Bool {
        var offset = index
        for byte in fragment.utf8 {
            guard offset < text.count, lowercasedASCII(text[offset]) == byte else { return false }
            offset += 1
        }
        return true
    }

    private static func lowercasedASCII(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }

    /// `line` without what sdstrim(" \t\r\n") removes at both ends (`StringProtocol.trimmed`, on bytes).
    static func trimmedBytes(_ line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        func isTrimmed(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        var start = 0
        var end = line.count
        while start < end, isTrimmed(line[start]) { start += 1 }
        while start < end, isTrimmed(line[end - 1]) { end -= 1 }
        return UnsafeBufferPointer(rebasing: line[start..<end])
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            true
        default: false
        }
    }
}
