import Foundation

/// Redis and Valkey servers (and modules) beyond Debian's redis-server, installed by scripts/install-lab-servers.sh,
/// so lab hosts run the versions real fleets still run.
struct LabServers {
    /// `LAB_SERVERS`, or /opt/fleet-audit-lab (where scripts/install-lab-servers.sh puts them).
    let root: String

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        root = environment["LAB_SERVERS"] ?? "/opt/fleet-audit-lab"
    }

    /// The server binary for a scenario's `server:` (`redis-X.Y.Z` or `valkey-X.Y.Z`, any that
    /// scripts/install-lab-servers.sh installed: `redis-2.8.17`, `valkey-8.1.1`, ...); Debian's without one.
    func executable(for server: String?) throws(Lab.LabError) -> String {
        guard let server else {
            // An absolute path: loopback mode links to it.
            let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
                .map { "\($0)/redis-server" }.first { FileManager.default.isExecutableFile(atPath: $0) }
            return path ?? "/usr/bin/redis-server"
        }
        let name = server.hasPrefix("valkey-") ? "valkey-server" : "redis-server"
        let path = "\(root)/\(server)/\(name)"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Lab.LabError(
                description: "server \(server): \(path) is missing; run scripts/install-lab-servers.sh \(server)")
        }
        return path
    }

    /// A module's shared object for a scenario's `modules:` entry (e.g. `labmodule`).
    func module(_ name: String) throws(Lab.LabError) -> String {
        let path = "\(root)/modules/\(name).so"
        guard FileManager.default.fileExists(atPath: path) else {
            throw Lab.LabError(description: "module \(name): \(path) is missing; run scripts/install-lab-servers.sh")
        }
        return path
    }
}
