import Foundation
import Inventory

/// The POSIX sh collector (Resources/collector.sh) and how one host's invocation is built.
public enum CollectorScript {
    /// Bytes kept per section; more is flagged as truncated.
    public static let sectionLimit = 1 << 20

    /// The script's text, from the module's resources.
    public static let source: String = {
        guard let url = Bundle.module.url(forResource: "Resources/collector", withExtension: "sh"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return "echo 'fleet-audit: collector script missing from the build' >&2; exit 70" }
        return text
    }()

    /// `sh -c '<script>' fleet-audit-collector MARKER METADATA LIMIT PORTS...`: the script is an argument, so
    /// standard input stays free for the framing token and the passwords (see `standardInput`).
    static func commandLine(marker: String, host: InventoryHost) -> String {
        let metadata: String
        switch host.metadata {
        case .off: metadata = "off"
        case .url(let url): metadata = url
        }
        let arguments = [marker, metadata, String(sectionLimit)] + host.redis.map { String($0.port) }
        return "sh -c " + shellQuoted(source) + " fleet-audit-collector "
            + arguments.map(shellQuoted).joined(separator: " ")
    }

    /// One Redis credential sent to the script: the port, the ACL user (`default` when none) and the password.
    struct Credential: Sendable {
        var port: Int
        var username: String?
        var password: String
    }

    /// The script's standard input: the framing token on the first line, then `PORT USER PASSWORD` lines.
    ///
    /// The token travels here rather than in argv because any local user can read a process's argv (`ps`) and could
    /// then print forged frames into a file the collector captures.
    static func standardInput(token: String, credentials: [Credential]) -> Data {
        let lines = credentials.map { "\($0.port) \($0.username ?? "default") \($0.password)\n" }
        return Data((token + "\n" + lines.joined()).utf8)
    }

    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A random token for one run: sections framed with it cannot be forged by what a host prints.
    static func newToken() -> String {
        (0..<4).map { _ in String(UInt32.random(in: .min ... .max), radix: 16) }.joined()
    }
}
