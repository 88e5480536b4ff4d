/// The `key_sample` section: how far the bounded sampling got, and the largest keys it measured.
///
/// Format (docs/collector.md#key-sampling): `sampled N complete yes|no seconds T count C measure memory|length`,
/// then `key DB TYPE SIZE MEASURE NAME` lines, NAME being redis-cli's quoted form of the name (`"a\nb\xff"`), or
/// `sha256:<hex>` once the auditor hid it, with `cut ` before it when the collector cut a long name. Everything is
/// validated: a line that does not fit the format is dropped, never guessed at.
public struct KeySample: Sendable, Hashable {
    public var sampled: Int64
    /// SCAN reached the end of every database within the bounds: the keys shown are the largest there are.
    public var complete: Bool
    public var measure: String
    public var keys: [Key]

    public struct Key: Sendable, Hashable {
        public var database: Int
        public var type: String
        public var size: Int64?
        /// `memory` (bytes), `strlen` (bytes) or a length command (`llen`, `hlen`, `scard`, `zcard`, `xlen`: elements).
        public var measuredBy: String
        /// As it stands in the section: quoted (`"..."`) or hidden (`sha256:...`).
        public var name: String
        public var nameCut: Bool

        /// Bytes, when the measure is one of bytes (MEMORY USAGE, STRLEN).
        public var bytes: Int64? { measuredBy == "memory" || measuredBy == "strlen" ? size : nil }
        /// Elements, when a length command measured an aggregate.
        public var elements: Int64? { Self.lengthMeasures.contains(measuredBy) ? size : nil }

        static let lengthMeasures: Set = ["llen", "hlen", "scard", "zcard", "xlen"]
        static let measures: Set = lengthMeasures.union(["memory", "strlen", "-"])
    }

    public init?(parsing text: String) {
        if let parsed = ASCIIBytes.withASCII(text, Self.init(ascii:)) {
            guard let parsed else { return nil }
            self = parsed
            return
        }
        let lines = text.newlineSeparatedLines
        guard let header = lines.first?.split(separator: " "), header.count == 10, header[0] == "sampled",
            let sampled = Int64(header[1]), sampled >= 0, header[2] == "complete",
            header[3] == "yes" || header[3] == "no", header[8] == "measure"
        else { return nil }
        self.sampled = sampled
        complete = header[3] == "yes"
        measure = String(header[9].prefix(16))
        keys = []
        for line in lines.dropFirst().prefix(64) {
            if let key = Self.key(line) { keys.append(key) }
        }
    }

    /// The same reading of ASCII text, on its bytes (see `ASCIIBytes`): lines cut at bytes 10-13 with the empty
    /// ones dropped (`newlineSeparatedLines`), words at spaces.
    private init?(ascii bytes: UnsafeBufferPointer<UInt8>) {
        let lines = ASCIIBytes.pieces(bytes[...], isSeparator: { (10...13).contains($0) })
        guard let first = lines.first else { return nil }
        let header = ASCIIBytes.pieces(bytes[first], separator: UInt8(ascii: " ")).map { bytes[$0] }
        guard header.count == 10, header[0].elementsEqual("sampled".utf8),
            let sampled = ASCIIBytes.integer(header[1], as: Int64.self), sampled >= 0,
            header[2].elementsEqual("complete".utf8),
            header[3].elementsEqual("yes".utf8) || header[3].elementsEqual("no".utf8),
            header[8].elementsEqual("measure".utf8)
        else { return nil }
        self.sampled = sampled
        complete = header[3].elementsEqual("yes".utf8)
        measure = ASCIIBytes.string(header[9].prefix(16))
        keys = []
        for line in lines.dropFirst().prefix(64) {
            if let key = Self.key(ascii: bytes[line]) { keys.append(key) }
        }
    }

    /// `key(_:)` of an ASCII line, on its bytes: there every Character is one byte.
    static func key(ascii line: Slice<UnsafeBufferPointer<UInt8>>) -> Key? {
        // split(separator: " ", maxSplits: 5, omittingEmptySubsequences: false): five spaces, then the rest.
        var words: [Slice<UnsafeBufferPointer<UInt8>>] = []
        words.reserveCapacity(6)
        var start = line.startIndex
        var index = start
        while index < line.endIndex, words.count < 5 {
            if line[index] == UInt8(ascii: " ") {
                words.append(line[start..<index])
                start = index + 1
            }
            index += 1
        }
        guard words.count == 5 else { return nil }
        words.append(line[start...])
        guard words[0].elementsEqual("key".utf8), let database = ASCIIBytes.integer(words[1], as: Int.self),
            (0...65_535).contains(database), words[2].count <= 32,
            words[2].allSatisfy({
                ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z"))
                    || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                    || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
            })
        else { return nil }
        let measuredBy = ASCIIBytes.string(words[4])
        guard Key.measures.contains(measuredBy) else { return nil }
        let size: Int64?
        if words[3].elementsEqual("-".utf8) {
            size = nil
        } else {
            guard let value = ASCIIBytes.integer(words[3], as: Int64.self), value >= 0 else { return nil }
            size = value
        }
        var name = words[5]
        let cut = name.starts(with: "cut ".utf8)
        if cut { name = name.dropFirst(4) }
        let hidden =
            name.starts(with: "sha256:".utf8) && name.count == 19
            && name.dropFirst(7).allSatisfy({
                ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                    || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f"))
                    || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "F"))
            })
        // Printable ASCII only (0x20-0x7E): the Character check's `isASCII && !isNewline && != DEL && >= " "`.
        guard name.count <= 520, name.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }),
            (name.first == UInt8(ascii: "\"") && name.last == UInt8(ascii: "\"") && name.count >= 2) || hidden
        else { return nil }
        return Key(
            database: database, type: ASCIIBytes.string(words[2]), size: size, measuredBy: measuredBy,
            name: ASCIIBytes.string(name), nameCut: cut)
    }

    static func key(_ line: Substring) -> Key? {
        let words = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: false)
        guard words.count == 6, words[0] == "key", let database = Int(words[1]), (0...65_535).contains(database),
            words[2].count <= 32,
            words[2].allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || "_-".contains($0)) }),
            Key.measures.contains(String(words[4]))
        else { return nil }
        let size: Int64?
        if words[3] == "-" {
            size = nil
        } else {
            guard let value = Int64(words[3]), value >= 0 else { return nil }
            size = value
        }
        var name = words[5]
        let cut = name.hasPrefix("cut ")
        if cut { name = name.dropFirst(4) }
        // Quoted by redis-cli (printable ASCII only) or hidden by the auditor (exactly 12 hex digits: a host cannot
        // pass text off as a hash).
        let hidden = name.hasPrefix("sha256:") && name.count == 19 && name.dropFirst(7).allSatisfy(\.isHexDigit)
        guard name.count <= 520, name.allSatisfy({ $0.isASCII && !$0.isNewline && $0 != "\u{7F}" && $0 >= " " }),
            (name.hasPrefix("\"") && name.hasSuffix("\"") && name.count >= 2) || hidden
        else { return nil }
        return Key(
            database: database, type: String(words[2]), size: size, measuredBy: String(words[4]), name: String(name),
            nameCut: cut)
    }

    /// The bytes of a name redis-cli quoted (sdscatrepr: `\\`, `\"`, `\n`, `\r`, `\t`, `\a`, `\b`, `\xHH`), or nil
    /// when the text is not such a quoted form.
    public static func unquote(_ quoted: String) -> [UInt8]? {
        let bytes = Array(quoted.utf8)
        guard bytes.count >= 2, bytes.first == UInt8(ascii: "\""), bytes.last == UInt8(ascii: "\"") else { return nil }
        var result: [UInt8] = []
        var index = 1
        let end = bytes.count - 1
        while index < end {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "\\") else {
                result.append(byte)
                index += 1
                continue
            }
            guard index + 1 < end else { return nil }
            let escape = bytes[index + 1]
            switch escape {
            case UInt8(ascii: "n"): result.append(0x0A)
            case UInt8(ascii: "r"): result.append(0x0D)
            case UInt8(ascii: "t"): result.append(0x09)
            case UInt8(ascii: "a"): result.append(0x07)
            case UInt8(ascii: "b"): result.append(0x08)
            case UInt8(ascii: "\\"), UInt8(ascii: "\""): result.append(escape)
            case UInt8(ascii: "x"):
                guard index + 3 < end,
                    let value = UInt8(String(decoding: bytes[(index + 2)...(index + 3)], as: UTF8.self), radix: 16)
                else { return nil }
                result.append(value)
                index += 4
                continue
            default: return nil
            }
            index += 2
        }
        return result
    }
}
