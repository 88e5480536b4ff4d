import FleetCore
import Foundation
import Inventory
import RedisFacts

/// The POSIX sh collector (Resources/collector.sh) and how one host's invocation is built.
public enum CollectorScript {
    /// Bytes kept per section (the collector cuts each command's output at this size as it is produced); more is
    /// flagged as truncated. A large host's process list or CLIENT LIST is a few hundred KiB.
    public static let sectionLimit = 512 << 10
    /// What one host's whole output may cost: the engine stops reading there and drops the connection. With the
    /// default 256 sessions in flight that bounds collected output to 512 MiB however hostile every host is
    /// (docs/security.md measures it). A real host prints 30-300 KiB.
    public static let hostOutputLimit = 2 << 20
    /// Redis instances examined per host, and sections kept per host (16 host sections, at most 24 per instance).
    public static let maximumInstances = 32
    public static let maximumSections = 16 + 24 * maximumInstances

    /// The script's text as sent, from the module's resources, without its full-line comments: the whole command
    /// travels in one SSH channel request, and libssh2 refuses a packet of 35,000 bytes or more
    /// (MAX_SSH_PACKET_LEN, "Unable to send channel request", error -34). The comments stay in the repository for
    /// reviewers; `commandLineLimit` is the bound a test holds the command to.
    public static let source: String = {
        guard let url = Bundle.module.url(forResource: "Resources/collector", withExtension: "sh"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return "echo 'fleet-audit: collector script missing from the build' >&2; exit 70" }
        return withoutCommentLines(text)
    }()

    /// The longest command line the collector may have (with the most ports an inventory lists), well under
    /// libssh2's 35,000-byte packet.
    public static let commandLineLimit = 30_000

    /// `text` without the lines whose first non-blank character is `#` (the first line, a shebang, stays). The
    /// script has no here-document and no multi-line string holding such a line, so only comments go.
    static func withoutCommentLines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().filter { index, line in
            index == 0 || !line.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("#")
        }.map { String($0.element) }.joined(separator: "\n")
    }

    /// `sh -c '<script>' fleet-audit-collector MARKER METADATA LIMIT DEADLINE MAX_INSTANCES BECOME SYNC_SAMPLE
    /// KEY_SAMPLE PORTS...`: the script is an argument, so standard input stays free for the framing token and the
    /// passwords (see `standardInput`). The order is the script's contract (docs/collector.md); `arguments` builds it.
    static func commandLine(marker: String, host: InventoryHost, options: CollectionOptions = CollectionOptions())
        -> String
    {
        "sh -c " + shellQuoted(source) + " fleet-audit-collector "
            + arguments(marker: marker, host: host, options: options).map(shellQuoted).joined(separator: " ")
    }

    /// The script's positional arguments after `$0`, in the order it reads them: MARKER, METADATA (`off` or a URL),
    /// LIMIT, DEADLINE, MAX_INSTANCES, BECOME (`none` or `sudo`), SYNC_SAMPLE (seconds), KEY_SAMPLE
    /// (`COUNT,SECONDS`), then the listed ports.
    static func arguments(
        marker: String, host: InventoryHost, sectionLimit limit: Int = sectionLimit, deadline: Int? = nil,
        options: CollectionOptions = CollectionOptions()
    ) -> [String] {
        let metadata: String
        switch host.metadata {
        case .off: metadata = "off"
        case .url(let url): metadata = url
        }
        return [
            marker, metadata, String(limit), String(deadline ?? watchdogSeconds(host.connection.deadlines)),
            String(maximumInstances), host.become.rawValue,
        ] + options.scriptArguments + host.redis.map { String($0.port) }
    }

    /// One Redis credential sent to the script: the port, the ACL user (`default` when none) and the password.
    struct Credential: Sendable {
        var port: Int
        var username: String?
        var password: String
    }

    /// The script's standard input: the framing token on the first line, the commands to look up by name in each
    /// server on the second (those that must keep their names), then `PORT USER PASSWORD` lines.
    ///
    /// The token travels here rather than in argv because any local user can read a process's argv (`ps`) and could
    /// then print forged frames into a file the collector captures.
    static func standardInput(token: String, credentials: [Credential]) -> Data {
        let lines = credentials.map { "\($0.port) \($0.username ?? "default") \($0.password)\n" }
        let lookup = RedisCommandCatalogue.lookedUpNames.joined(separator: " ")
        return Data((token + "\n" + lookup + "\n" + lines.joined()).utf8)
    }

    /// The collector ends itself (and every child) a little before the engine would give up on it, so what it
    /// printed arrives with a clean end rather than being cut by the connection's deadline.
    static func watchdogSeconds(_ deadlines: PhaseDeadlines) -> Int {
        let budget = min(deadlines.command, deadlines.host)
        guard budget.isFinite, budget > 0 else { return 3 }
        return max(3, Int(min(budget * 0.9, 86_400)))
    }

    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A random token for one run: sections framed with it cannot be forged by what a host prints.
    static func newToken() -> String {
        (0..<4).map { _ in String(UInt32.random(in: .min ... .max), radix: 16) }.joined()
    }
}
