import Foundation

/// Text a hostile host or inventory can put in a name, a tag, an error message or an observed value, one variant per
/// class of output injection, and independent checks that an output holds none of it raw.
///
/// The checks list the dangerous scalars here, by value, rather than asking the code under test which ones are
/// dangerous: a mistake in the production classification then fails a test instead of hiding in both.
public enum HostileText {
    /// One variant per class: `(label, text)`.
    public static let variants: [(label: String, text: String)] = [
        ("ESC clear screen", "a\u{1B}[2J\u{1B}[Hb"),
        ("OSC title", "\u{1B}]0;owned\u{07}title"),
        ("C1 CSI", "c1\u{9B}31mred"),
        ("C1 OSC", "\u{9D}0;t\u{9C}osc"),
        ("CRLF", "row\r\n| injected | row |"),
        ("CR", "good\rbad"),
        ("LF", "line\nnext"),
        ("NUL BEL BS DEL", "n\u{0}b\u{07}s\u{08}d\u{7F}"),
        ("RLO", "txt.\u{202E}exe.sh"),
        ("LRE RLE PDF LRO", "\u{202A}a\u{202B}b\u{202C}c\u{202D}d"),
        ("isolates", "\u{2066}i\u{2067}j\u{2068}k\u{2069}"),
        ("marks", "l\u{200E}r\u{200F}a\u{061C}"),
        ("zero width", "z\u{200B}w\u{200D}j\u{FEFF}b\u{2060}"),
        ("tag characters", "tag\u{E0041}\u{E007F}"),
        ("line separators", "p\u{2028}q\u{2029}r"),
        ("md link", "[click](http://evil.example/a)"),
        ("md image", "![x](http://evil.example/i.png)"),
        ("autolink", "<http://evil.example/auto>"),
        ("bare url", "see http://evil.example/bare now"),
        ("www", "www.evil.example"),
        ("email", "ops@evil.example"),
        ("html", "<img src=x onerror=alert(1)><script>alert(2)</script>"),
        ("pipes", "a|b||c"),
        ("code", "`tick` ``two``"),
        ("emphasis", "**bold** _it_ ~~gone~~"),
        ("entity", "&lt;b&gt; &#58;"),
        ("formula =", "=HYPERLINK(\"http://evil.example\",\"x\")"),
        ("formula +", "+1+cmd|' /C calc'!A0"),
        ("formula -", "-2+3"),
        ("formula @", "@SUM(A1:A2)"),
        ("formula tab", "\t=1+1"),
        ("formula CR", "\r=1+1"),
        ("formula space", " =1+1"),
    ]

    /// Every variant joined, for a single field that carries all of them.
    public static var all: String { variants.map(\.text).joined(separator: " ") }

    /// Scalars that must never reach an output raw: C0 controls, DEL, C1 controls, bidi embeddings, overrides,
    /// isolates and marks, zero-width and other invisible format characters, tag characters, line separators.
    public static func isDangerous(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x00AD, 0x061C, 0x180E, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2069, 0xFEFF: true
        case 0xE0000...0xE007F: true
        default: false
        }
    }

    /// The dangerous scalars in `output` (as `U+XXXX`), apart from line ends the format itself writes: LF, and
    /// CR only as part of CRLF when `allowingCRLF` (CSV records end in CRLF).
    public static func rawDangerous(in output: String, allowingCRLF: Bool = false) -> [String] {
        var found: [String] = []
        let scalars = Array(output.unicodeScalars)
        for (index, scalar) in scalars.enumerated() where isDangerous(scalar) {
            if scalar == "\n" { continue }
            if allowingCRLF, scalar == "\r", index + 1 < scalars.count, scalars[index + 1] == "\n" { continue }
            found.append(String(format: "U+%04X", scalar.value))
        }
        return found
    }

    /// Renders Markdown with GitHub's own renderer (Debian's cmark-gfm, with the table, autolink, strikethrough and
    /// tagfilter extensions GitHub uses) and returns the HTML.
    public static func renderGitHubMarkdown(_ markdown: String) throws -> String {
        let output = try ProcessRunner.run(
            "/usr/bin/cmark-gfm", ["-e", "table", "-e", "autolink", "-e", "strikethrough", "-e", "tagfilter"],
            input: Data(markdown.utf8), timeout: 30)
        guard output.exitCode == 0 else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "cmark-gfm: \(output.stderr)"])
        }
        return output.stdout
    }

    /// HTML elements a Markdown renderer produced that only remote text could have asked for: links, images, raw
    /// HTML, strikethrough, a code span or emphasis from the variants (the renderers' own markup uses none of
    /// these, apart from `<strong>` around statuses, which the variants' `**bold**` must not add to).
    public static func liveMarkup(in html: String) -> [String] {
        ["<a ", "<a>", "<img", "<script", "<del>", "<code>tick", "<strong>bold", "<em>it"].filter { html.contains($0) }
    }

    /// The RFC 4180 fields of one CSV record (quoted fields with doubled quotes); throws on an open quote.
    public static func csvFields(_ line: String) throws -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(line)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" {
                        field.append("\"")
                        characters.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                fields.append(field)
                field = ""
            } else {
                field.append(character)
            }
        }
        guard !quoted else { throw CocoaError(.fileReadCorruptFile) }
        fields.append(field)
        return fields
    }
}
