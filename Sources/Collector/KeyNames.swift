import FleetCore
import Foundation
import RedisFacts

/// Sampled key names are application data (user ids, e-mail addresses in `session:<email>`): unless the user asks
/// for them (`--show-key-names`), each is replaced by `sha256:` and the first 12 hex digits of the SHA-256 of its
/// bytes before the section is stored, so no snapshot, evidence file or report holds one. The same name always
/// gives the same hash, so a key can be found again on the host (`printf '%s' NAME | sha256sum`).
enum KeyNames {
    static func hidden(in text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard line.hasPrefix("key "), let quote = line.firstIndex(of: "\"") else { return String(line) }
            let quoted = String(line[quote...])
            // A name redis-cli quoted is hashed as the bytes it stands for; anything else as the text itself.
            let bytes = KeySample.unquote(quoted) ?? Array(quoted.utf8)
            return line[..<quote] + "sha256:" + String(SHA256.hexDigest(of: Data(bytes)).prefix(12))
        }.joined(separator: "\n")
    }
}
