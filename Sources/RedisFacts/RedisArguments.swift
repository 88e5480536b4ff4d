/// Redis's tokeniser for one config line (sds.c `sdssplitargs`), with where each word was in the line, so a
/// redaction can replace one word and keep every other byte.
///
/// Followed to the letter, because a secret hides wherever our reading and Redis's differ:
/// - words are separated by C `isspace` (space, \t, \n, \v, \f, \r; redis-server leaves LC_CTYPE at "C"), but an
///   unquoted word ends only at space, \n, \r, \t or the end (the `switch` in sdssplitargs): `a\vb` is ONE word;
/// - "double quotes" know \n \r \t \b \a, \xHH with two hex digits (`is_hex_digit`; anything else after `\x` is a
///   plain `x`) and `\c` for any other c; 'single quotes' know only \';
/// - a quote may open in the middle of a word (`ab"c d"` is `abc d`), and a closing quote must be followed by
///   `isspace` or the end, else the line is an error (`"foo"bar`), as are unterminated quotes;
/// - the line is a C string: sdssplitargs stops at the first NUL byte.
public enum RedisArguments {
    /// One word: its value after unquoting, and its place in the line.
    public struct Word: Sendable, Hashable {
        public var value: String
        /// Unicode scalar offsets of the word in the line, quotes included, separators excluded.
        public var span: Range<Int>
    }

    /// The words of `line` as sdssplitargs returns them, or nil where sdssplitargs fails (unbalanced quotes, a
    /// closing quote followed by something other than a space).
    public static func words(_ line: some StringProtocol) -> [Word]? {
        words(scalars: Array(line.unicodeScalars))
    }

    static func words(scalars all: [Unicode.Scalar]) -> [Word]? {
        let scalars = all.prefix { $0 != "\0" }
        func at(_ index: Int) -> Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }
        var words: [Word] = []
        var index = 0
        while true {
            while let scalar = at(index), isSpace(scalar) { index += 1 }
            guard index < scalars.count else { return words }
            let start = index
            var end = index
            var value = String.UnicodeScalarView()
            // The quote the word is inside, if any: '"' or "'".
            var quote: Unicode.Scalar?
            var done = false
            while !done {
                let scalar = at(index)
                if let quote {
                    if quote == "\"", scalar == "\\", at(index + 1) == "x", let high = at(index + 2).flatMap(hexValue),
                        let low = at(index + 3).flatMap(hexValue)
                    {
                        // A byte, kept as the scalar of the same number (Latin-1): values >= 0x80 are not valid
                        // UTF-8 on their own, and no check reads them.
                        value.append(Unicode.Scalar(high * 16 + low))
                        index += 3
                    } else if quote == "\"", scalar == "\\", let escaped = at(index + 1) {
                        index += 1
                        value.append(unescaped(escaped))
                    } else if quote == "'", scalar == "\\", at(index + 1) == "'" {
                        index += 1
                        value.append("'")
                    } else if scalar == quote {
                        if let next = at(index + 1), !isSpace(next) { return nil }
                        end = index + 1
                        done = true
                    } else if let scalar {
                        value.append(scalar)
                    } else {
                        return nil
                    }
                } else {
                    switch scalar {
                    case nil, " "?, "\n"?, "\r"?, "\t"?:
                        end = index
                        done = true
                    case "\""?, "'"?: quote = scalar
                    case let scalar?: value.append(scalar)
                    }
                }
                if index < scalars.count { index += 1 }
            }
            words.append(Word(value: String(value), span: start..<end))
        }
    }

    /// C `isspace` in the "C" locale.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", "\n", "\u{0B}", "\u{0C}", "\r": true
        default: false
        }
    }

    private static func hexValue(_ scalar: Unicode.Scalar) -> UInt8? {
        switch scalar {
        case "0"..."9": UInt8(scalar.value - 48)
        case "a"..."f": UInt8(scalar.value - 87)
        case "A"..."F": UInt8(scalar.value - 55)
        default: nil
        }
    }

    private static func unescaped(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar {
        case "n": "\n"
        case "r": "\r"
        case "t": "\t"
        case "b": "\u{08}"
        case "a": "\u{07}"
        default: scalar
        }
    }
}
