/// One line of text read from a host, split where Redis splits a config: on "\n" (config.c
/// loadServerConfigFromString: `sdssplitlen(config, strlen(config), "\n", 1, &totlines)`), so line numbers are the
/// ones Redis reports and the ones file:line evidence points at.
///
/// Splitting works on Unicode scalars, never on `Character`s: in Swift "\r\n" is one Character, so
/// `split(separator: "\n")` does not split a CRLF text at all. Every parser of remote text in RedisFacts reads lines
/// through `TextLine.split`, and every redaction writes them back with their own terminator, byte for byte.
public struct TextLine: Sendable, Hashable {
    /// The line without its terminator. A CR that is not followed by "\n" stays here: Redis sees it as part of the
    /// line (sdstrim removes it at the ends, sdssplitargs treats it as a separator inside).
    public var content: String
    /// "\n", "\r\n", or "" for the last line of a text that does not end in a newline.
    public var terminator: String

    public init(content: String, terminator: String) {
        self.content = content
        self.terminator = terminator
    }

    /// The lines of `text`, as many as Redis counts (a text ending in "\n" has an empty last line, as with
    /// sdssplitlen). `split(text).map { $0.content + $0.terminator }.joined()` is `text` again.
    public static func split(_ text: String) -> [TextLine] {
        // Read as UTF-8 bytes: LF and CR are single bytes that never occur inside a multi-byte sequence, so
        // splitting bytes at 0x0A (and taking a 0x0D before it into the terminator) cuts exactly where the scalars
        // would, without building each line one scalar at a time.
        var text = text
        return text.withUTF8 { bytes in
            var lines: [TextLine] = []
            var start = 0
            for index in bytes.indices where bytes[index] == 0x0A {
                let crlf = index > start && bytes[index - 1] == 0x0D
                let end = crlf ? index - 1 : index
                lines.append(
                    TextLine(
                        content: String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self),
                        terminator: crlf ? "\r\n" : "\n"))
                start = index + 1
            }
            lines.append(
                TextLine(
                    content: String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self),
                    terminator: ""))
            return lines
        }
    }

    /// `lines` written back as text, each with its own terminator.
    public static func join(_ lines: [TextLine]) -> String {
        // Appending Strings copies their UTF-8 as it is (no normalisation), the same bytes as scalar by scalar.
        var text = ""
        text.reserveCapacity(lines.reduce(0) { $0 + $1.content.utf8.count + $1.terminator.utf8.count })
        for line in lines {
            text += line.content
            text += line.terminator
        }
        return text
    }

    /// The same line with new content and its terminator kept.
    public func replacingContent(_ content: String) -> TextLine { TextLine(content: content, terminator: terminator) }
}
