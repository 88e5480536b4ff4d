import FleetCore
import Foundation
import RedisFacts

/// Sampled key names are application data (user ids, e-mail addresses in `session:<email>`): unless the user asks
/// for them (`--show-key-names`), each is replaced by `sha256:` and the first 12 hex digits of the SHA-256 of its
/// bytes before the section is stored, so no snapshot, evidence file or report holds one. The same name always
/// gives the same hash, so a key can be found again on the host (`printf '%s' NAME | sha256sum`).
enum KeyNames {
    /// `text` with the name of every `key ` line hashed. Lines are "\n" Characters apart: an LF byte not preceded by a
    /// CR (CR LF is one Character, so such a pair does not end a line, as with `split(separator: "\n")`).
    static func hidden(in text: String) -> String {
        var text = text
        return text.withUTF8 { bytes in
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count)
            var start = 0
            var end = 0
            while true {
                while end < bytes.count, !(bytes[end] == 0x0A && (end == 0 || bytes[end - 1] != 0x0D)) { end += 1 }
                appendLine(UnsafeBufferPointer(rebasing: bytes[start..<end]), to: &output)
                guard end < bytes.count else { break }
                output.append(0x0A)
                end += 1
                start = end
            }
            return String(decoding: output, as: UTF8.self)
        }
    }

    /// One line, its name hashed when it is a `key ` line. An ASCII line is read as bytes (there each byte is one
    /// Character); any other as Characters, where a quote or space joined with a combining mark is no quote or space.
    private static func appendLine(_ line: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        guard line.allSatisfy({ $0 < 0x80 }) else {
            output.append(contentsOf: hiddenLine(Substring(String(decoding: line, as: UTF8.self))).utf8)
            return
        }
        guard line.starts(with: "key ".utf8), let quote = line.firstIndex(of: UInt8(ascii: "\"")) else {
            output.append(contentsOf: line)
            return
        }
        let quoted = UnsafeBufferPointer(rebasing: line[quote...])
        output.append(contentsOf: UnsafeBufferPointer(rebasing: line[..<quote]))
        output.append(contentsOf: "sha256:".utf8)
        output.append(
            contentsOf: digestPrefix(KeySample.unquote(String(decoding: quoted, as: UTF8.self)) ?? Array(quoted)))
    }

    /// One line read as Characters.
    static func hiddenLine(_ line: Substring) -> String {
        guard line.hasPrefix("key "), let quote = line.firstIndex(of: "\"") else { return String(line) }
        let quoted = String(line[quote...])
        // A name redis-cli quoted is hashed as the bytes it stands for; anything else as the text itself.
        let bytes = KeySample.unquote(quoted) ?? Array(quoted.utf8)
        return line[..<quote] + "sha256:" + String(decoding: digestPrefix(bytes), as: UTF8.self)
    }

    /// The first 12 lower-case hex digits of the SHA-256 of `bytes`.
    private static func digestPrefix(_ bytes: [UInt8]) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return SHA256.digest(of: Data(bytes)).prefix(6).flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] }
    }
}
