import FleetCore
import Foundation

/// Makes untrusted text safe for one kind of output: one function per kind, used by every renderer and printer.
///
/// Host names, tags (EC2 `Name` tags), failure messages, command output and observed values come from hosts and
/// inventories an attacker may control. Written raw, they can clear a terminal or retitle it (ESC and C1 sequences),
/// split a table row or a CSV record (CR, LF), reorder what a reader sees (bidi overrides such as U+202E), hide
/// text (zero-width and tag characters), turn into live links and images in Markdown, or run as a spreadsheet
/// formula. Every kind shows such characters visibly instead of dropping them, so the reader sees that something
/// was there: C0, DEL and C1 controls as `\x1b` (`\n`, `\r`, `\t` for the common ones), every other invisible or
/// format character as `<U+202E>`.
///
/// It lives in Reports because that is where the renderers are, and it is the lowest module that every output
/// imports: Planning's renderers, History's listing and the CLI's printers all depend on Reports, while FleetCore
/// (below it) holds data models that never render for a person.
public enum OutputText {
    // MARK: The characters every kind neutralises

    /// Whether a scalar must be shown by name rather than written: controls (C0, DEL, C1: general category Cc),
    /// format characters (Cf: bidi embeddings, overrides and isolates, U+200E/U+200F, U+061C, zero-width space and
    /// joiners, U+FEFF, soft hyphen, tag characters), line and paragraph separators (U+2028, U+2029), and the
    /// characters that are blank although they are letters (Hangul fillers, the combining grapheme joiner).
    public static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: return true
        default: return blankLetters.contains(scalar.value)
        }
    }

    /// Rendered as nothing by most fonts, though not in a control or format category.
    private static let blankLetters: Set<UInt32> = [0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0]

    /// The visible name of a hidden scalar: `\n`, `\r`, `\t`, `\x1b` for controls, `<U+202E>` for the rest.
    public static func visibleName(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        default:
            if scalar.properties.generalCategory == .control {
                return "\\x" + String(scalar.value, radix: 16).leftPadded(to: 2)
            }
            return "<U+" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4) + ">"
        }
    }

    /// Whether some byte of `text`'s UTF-8 passes `test`: the fast paths' question, asked of the string's contiguous
    /// storage (every native string has one) rather than through the UTF-8 view's iterator, which cost several
    /// times as much per byte and is asked of every piece of text in every report.
    @inline(__always)
    static func anyByte(of text: String, where test: (UInt8) -> Bool) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { $0.contains(where: test) } ?? text.utf8.contains(where: test)
    }

    /// `text` with every hidden scalar (except those `keep` accepts) replaced by its visible name.
    static func visible(_ text: String, keeping keep: (Unicode.Scalar) -> Bool = { _ in false }) -> String {
        // Fast paths: nearly all text has nothing to replace. Printable ASCII (0x20-0x7E) holds no hidden scalar,
        // and checking its bytes avoids a Unicode property look-up per scalar.
        if !anyByte(of: text, where: { $0 < 0x20 || $0 >= 0x7F }) { return text }
        guard text.unicodeScalars.contains(where: { isHidden($0) && !keep($0) }) else { return text }
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if isHidden(scalar) && !keep(scalar) {
                result += visibleName(scalar)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    // MARK: Terminal

    /// One terminal line or table cell: nothing can move the cursor, change colours or the window title, end the
    /// line or reorder it. CR, LF and TAB are shown too (a tab would break a table's alignment).
    public static func terminal(_ text: String) -> String { visible(text) }

    /// Multi-line output for a terminal (`exec`'s remote stdout and stderr): split at LF and CRLF, each line made
    /// safe as `terminal` does except that a tab stays (it only moves right, and columns of `ps` or `df` need it).
    /// A lone CR is shown: written, it would let a line overwrite the host prefix printed before it.
    public static func terminalLines(_ text: String) -> [String] {
        // "\r\n" is a single Character in Swift: normalise it before splitting on "\n". Most output has no CR at
        // all, and Foundation's search was most of what printing a host's output cost (`exec` at 500 hosts).
        let normalised =
            anyByte(of: text, where: { $0 == UInt8(ascii: "\r") })
            ? text.replacingOccurrences(of: "\r\n", with: "\n") : text
        var lines = normalised.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            visible(String(line), keeping: { $0 == "\t" })
        }
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    // MARK: Markdown

    /// Characters with an inline meaning in CommonMark or GitHub Flavored Markdown: escapes, code, emphasis,
    /// strikethrough, links and images, raw HTML and autolinks, entities, table cells, math and headings.
    private static let markdownSpecial: Set<Character> = [
        "\\", "`", "*", "_", "{", "}", "[", "]", "(", ")", "<", ">", "#", "!", "|", "~", "&", "$",
    ]

    /// Remote text inside a Markdown paragraph, list item, heading or table cell: renders as exactly the text.
    ///
    /// Hidden characters are named (so CR/LF never end a row or a paragraph), every inline metacharacter is
    /// backslash-escaped (CommonMark allows escaping any ASCII punctuation, and `\|` is GFM's escaped pipe inside
    /// a table cell), so `[x](http://e)`, `![x](…)` and `<b>` render as text. Autolinks are broken visibly, because
    /// GFM (and linkify in other renderers) turns bare `http://…`, `www.…` and `a@b.c` into links with no
    /// metacharacter at all: `://` becomes `[:]//`, `www.` becomes `www[.]`, `@` becomes `[@]` (which also stops
    /// `@team` mentions when a report is pasted into an issue).
    public static func markdown(_ text: String) -> String {
        let defanged = defangLinks(visible(text))
        // Fast path: every special character is one ASCII byte, so text without those bytes has none.
        if !anyByte(of: defanged, where: { $0 < 0x80 && markdownSpecialBytes[Int($0)] }) { return defanged }
        // Byte by byte, not by Character: a metacharacter followed by a combining mark is one Character that is not
        // in the set, yet a Markdown parser still reads the metacharacter.
        var result: [UInt8] = []
        result.reserveCapacity(defanged.utf8.count + 16)
        for byte in defanged.utf8 {
            if byte < 0x80 && markdownSpecialBytes[Int(byte)] { result.append(UInt8(ascii: "\\")) }
            result.append(byte)
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// `markdownSpecial` as a table of ASCII bytes.
    private static let markdownSpecialBytes: [Bool] = (0..<128).map { byte in
        markdownSpecial.contains(Character(Unicode.Scalar(UInt8(byte))))
    }

    /// A complete code span (fences included) showing `text` literally, for ids and values set in code.
    ///
    /// Inside a code span Markdown interprets nothing (no link, autolink, emphasis or HTML), so only the fence
    /// matters: it is one backtick longer than the longest run of backticks inside (CommonMark 6.1), padded with a
    /// space when the text starts or ends with a backtick or space. In a table cell GFM splits cells at an unescaped
    /// `|` even inside code, and removes the backslash of `\|` there, so `inTable` escapes pipes.
    public static func markdownCode(_ text: String, inTable: Bool = false) -> String {
        var content = visible(text)
        if inTable { content = content.replacingOccurrences(of: "|", with: "\\|") }
        // Backticks and spaces counted as bytes: a backtick followed by a combining mark is still a backtick to a
        // Markdown parser, though not the Character "`".
        var longestRun = 0
        var run = 0
        for byte in content.utf8 {
            run = byte == UInt8(ascii: "`") ? run + 1 : 0
            longestRun = max(longestRun, run)
        }
        let fence = String(repeating: "`", count: longestRun + 1)
        let edges = [content.utf8.first, content.utf8.last]
        let padded = edges.contains(UInt8(ascii: "`")) || edges.contains(UInt8(ascii: " "))
        let space = padded ? " " : ""
        return fence + space + content + space + fence
    }

    /// Breaks what a Markdown renderer would turn into a link without any markup, visibly and reversibly for a
    /// reader.
    private static func defangLinks(_ text: String) -> String {
        // Fast path: in ASCII text the three patterns are byte patterns (`www.` in any case), so text holding none
        // of them is returned without the Foundation searches, which cost more than the rest of a cell.
        if !anyByte(of: text, where: { $0 >= 0x80 }) && !containsLinkPattern(Array(text.utf8)) { return text }
        guard text.contains("://") || text.contains("@") || text.range(of: "www.", options: .caseInsensitive) != nil
        else { return text }
        var result = text.replacingOccurrences(of: "://", with: "[:]//").replacingOccurrences(of: "@", with: "[@]")
        var searchStart = result.startIndex
        while let range = result.range(of: "www.", options: .caseInsensitive, range: searchStart..<result.endIndex) {
            let www = result[range].dropLast()
            result.replaceSubrange(range, with: www + "[.]")
            searchStart = result.index(range.lowerBound, offsetBy: 6)
        }
        return result
    }

    /// Whether ASCII bytes hold `://`, `@` or `www.` with any case of `w`.
    private static func containsLinkPattern(_ bytes: [UInt8]) -> Bool {
        for index in bytes.indices {
            switch bytes[index] {
            case 0x40: return true
            case 0x3A where index + 2 < bytes.count && bytes[index + 1] == 0x2F && bytes[index + 2] == 0x2F: return true
            case 0x2E where index >= 3 && bytes[(index - 3)..<index].allSatisfy({ $0 | 0x20 == 0x77 }): return true
            default: continue
            }
        }
        return false
    }

    // MARK: CSV

    /// One CSV field: RFC 4180 quoting, one physical line per record, and no spreadsheet formula.
    ///
    /// Hidden characters are named, so a CR or LF never splits a record for line-based tools (RFC 4180 allows them
    /// quoted, but `grep`, `wc -l` and many importers do not). A field whose first non-space character is `=`, `+`,
    /// `-` or `@` is prefixed with `'` (OWASP's CSV injection advice: spreadsheets evaluate such cells, and some
    /// skip leading spaces first), unless it is a plain number such as `-1`; a leading tab or CR is already shown
    /// as `\t` or `\r`. A field holding a comma, quote or leading or trailing space is quoted, quotes doubled.
    public static func csvField(_ value: String) -> String {
        // Bytes, not Characters: `=` or `,` followed by a combining mark is one Character that equals neither, yet a
        // spreadsheet still starts a formula and a CSV reader still ends the field there.
        var text = visible(value)
        if let first = text.utf8.first(where: { $0 != UInt8(ascii: " ") }), Self.formulaStarts.contains(first),
            !isPlainNumber(text)
        {
            text = "'" + text
        }
        let utf8 = text.utf8
        if anyByte(of: text, where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") })
            || utf8.first == UInt8(ascii: " ") || utf8.last == UInt8(ascii: " ")
        {
            var quoted: [UInt8] = [UInt8(ascii: "\"")]
            quoted.reserveCapacity(utf8.count + 8)
            for byte in utf8 {
                quoted.append(byte)
                if byte == UInt8(ascii: "\"") { quoted.append(byte) }
            }
            quoted.append(UInt8(ascii: "\""))
            return String(decoding: quoted, as: UTF8.self)
        }
        return text
    }

    /// `=`, `+`, `-`, `@`: a spreadsheet reads a cell starting with one as a formula.
    private static let formulaStarts: [UInt8] = [
        UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"),
    ]

    /// `-1`, `+2.5`, `-3e6`: a number a spreadsheet reads as a number (not `-inf` or a hex float).
    private static func isPlainNumber(_ text: String) -> Bool {
        Double(text) != nil && text.allSatisfy { "0123456789.eE+-".contains($0) }
    }

    /// One CSV record: fields made safe by `csvField`, ended by CRLF (RFC 4180).
    public static func csvRecord(_ fields: [String]) -> String {
        fields.map(csvField).joined(separator: ",") + "\r\n"
    }

    // MARK: HTML

    /// HTML text for element content and quoted attribute values: `& < > " '` escaped, hidden characters named (a
    /// browser applies bidi overrides and hides zero-width characters, so escaping alone would not show them).
    public static func html(_ text: String) -> String {
        let shown = visible(text)
        // Fast path: without one of the five characters the text is its own escape.
        if !anyByte(of: shown, where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) {
            return shown
        }
        // Byte by byte, not by Character: `"` followed by a combining mark is one Character that is not `"`, yet an
        // HTML parser still ends the attribute value at its quote.
        var result: [UInt8] = []
        result.reserveCapacity(shown.utf8.count + 32)
        for byte in shown.utf8 {
            switch byte {
            case UInt8(ascii: "&"): result.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): result.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): result.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): result.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): result.append(contentsOf: "&#39;".utf8)
            default: result.append(byte)
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    // MARK: JSON

    /// A serialized JSON document with every hidden scalar that the serializer left raw written as a `\uXXXX`
    /// escape: the same JSON value (exact data, nothing renamed), but `cat report.json` can no longer drive a
    /// terminal through C1 or bidi characters. JSON encoders already escape C0 controls; outside strings a
    /// JSON document is ASCII, so every replaced scalar was inside a string, where `\u` escapes are valid
    /// (RFC 8259 section 7; scalars above U+FFFF as a surrogate pair).
    public static func jsonEscapingHidden(_ json: String) -> String {
        // A raw C0 character in serialized JSON is whitespace between tokens (strings escape theirs): kept.
        let needsEscape = { (scalar: Unicode.Scalar) in scalar.value >= 0x7F && isHidden(scalar) }
        guard json.unicodeScalars.contains(where: needsEscape) else { return json }
        var result = ""
        result.unicodeScalars.reserveCapacity(json.unicodeScalars.count)
        for scalar in json.unicodeScalars {
            guard needsEscape(scalar) else {
                result.unicodeScalars.append(scalar)
                continue
            }
            for unit in String(scalar).utf16 {
                result += "\\u" + String(unit, radix: 16).leftPadded(to: 4)
            }
        }
        return result
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

extension JSONWriter {
    /// A report or plan file: `JSONSerialization`'s bytes with every hidden scalar escaped, safe to `cat`.
    public static func report(reservingCapacity capacity: Int = 0) -> JSONWriter {
        JSONWriter(reservingCapacity: capacity, style: .serialization(escaping: OutputText.isHidden))
    }

    /// A report or plan file written as it is made, `chunkSize` bytes at a time (`JSONWriter.init(style:chunkSize:drain:)`).
    public static func report(chunkSize: Int, drain: @escaping (UnsafeRawBufferPointer) -> Void) -> JSONWriter {
        JSONWriter(style: .serialization(escaping: OutputText.isHidden), chunkSize: chunkSize, drain: drain)
    }

    /// A database column: `JSONEncoder`'s compact bytes with every hidden scalar escaped.
    public static func databaseColumn(reservingCapacity capacity: Int = 0) -> JSONWriter {
        JSONWriter(reservingCapacity: capacity, style: .compactEncoder(escaping: OutputText.isHidden))
    }
}
