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

    /// `sh -c '<script>' fleet-audit TOKEN METADATA LIMIT PORTS...`: the script is an argument, so standard input
    /// stays free for the passwords.
    static func commandLine(token: String, host: InventoryHost) -> String {
        let metadata: String
        switch host.metadata {
        case .off: metadata = "off"
        case .url(let url): metadata = url
        }
        let arguments = [token, metadata, String(sectionLimit)] + host.redis.map { String($0.port) }
        return "sh -c " + shellQuoted(source) + " fleet-audit " + arguments.map(shellQuoted).joined(separator: " ")
    }

    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A random token for one run: sections framed with it cannot be forged by what a host prints.
    static func newToken() -> String {
        (0..<4).map { _ in String(UInt32.random(in: .min ... .max), radix: 16) }.joined()
    }
}
