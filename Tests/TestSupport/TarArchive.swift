import Foundation

/// A tar archive as a user reads it: listed and extracted by the system's GNU tar, for tests of the evidence
/// archives (never parsed by the code under test).
public struct TarArchive: Sendable {
    /// Member names in archive order (`tar -tf`).
    public var names: [String]
    /// Each member's text, as `tar -xf` extracts it.
    public var contents: [String: String]
    /// `tar -tvf --numeric-owner --utc`: mode, owner, size and time of each member.
    public var listing: String

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static func read(_ path: String) throws -> TarArchive {
        let list = try ProcessRunner.run("/usr/bin/tar", ["-tf", path], timeout: 30)
        let verbose = try ProcessRunner.run(
            "/usr/bin/tar", ["-tvf", path, "--numeric-owner", "--utc"], timeout: 30)
        guard list.exitCode == 0, verbose.exitCode == 0 else {
            throw Failure(description: "tar cannot read \(path): \(list.stderr)\(verbose.stderr)")
        }
        let directory = try TemporaryDirectory(prefix: "fleet-audit-untar")
        defer { directory.remove() }
        let extract = try ProcessRunner.run("/usr/bin/tar", ["-xf", path, "-C", directory.path], timeout: 30)
        guard extract.exitCode == 0 else { throw Failure(description: "tar -xf \(path): \(extract.stderr)") }
        let names = list.stdout.split(separator: "\n").map(String.init)
        var contents: [String: String] = [:]
        for name in names {
            contents[name] = try String(contentsOfFile: directory.file(name), encoding: .utf8)
        }
        return TarArchive(names: names, contents: contents, listing: verbose.stdout)
    }
}
