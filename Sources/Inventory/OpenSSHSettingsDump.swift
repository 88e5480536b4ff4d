import FleetCore

/// The SSH settings a host resolved to, as `keyword value` lines in the form `ssh -G` prints, so they can be read
/// (and compared) against what OpenSSH would use (`fleet-audit hosts --show-ssh`).
public enum OpenSSHSettingsDump {
    /// The host's lines, then each ProxyJump hop's as `jump N NAME` followed by its lines indented two spaces.
    public static func lines(for connection: HostConnection) -> [String] {
        var lines = settings(connection)
        for (index, hop) in connection.jumps.enumerated() {
            lines.append("jump \(index + 1) \(hop.name)")
            lines += settings(hop).map { "  " + $0 }
        }
        return lines
    }

    private static func settings(_ connection: HostConnection) -> [String] {
        let authentication = connection.authentication
        var lines = ["hostname \(connection.address)", "user \(connection.user)", "port \(connection.port)"]
        let files = [authentication.identityFile].compactMap { $0 } + authentication.extraIdentityFiles
        lines += files.map { "identityfile \($0)" }
        lines.append("identitiesonly \(authentication.identitiesOnly ? "yes" : "no")")
        if !authentication.useAgent {
            lines.append("identityagent none")
        } else {
            lines.append("identityagent \(authentication.agentSocketPath ?? "SSH_AUTH_SOCK")")
        }
        if !connection.jumps.isEmpty {
            lines.append("proxyjump \(connection.jumps.map(\.name).joined(separator: ","))")
        }
        if let command = connection.proxyCommand { lines.append("proxycommand \(command)") }
        lines.append("userknownhostsfile \(connection.knownHostsFile ?? "none")")
        // ssh -G's spelling: true (yes, and ask, which an audit cannot answer), false, accept-new.
        switch connection.hostKeyChecking {
        case .strict: lines.append("stricthostkeychecking true")
        case .acceptNew: lines.append("stricthostkeychecking accept-new")
        case .off: lines.append("stricthostkeychecking false")
        }
        let connect = connection.deadlines.connect
        lines.append("connecttimeout \(connect == connect.rounded() ? String(Int(connect)) : String(connect))")
        return lines
    }
}
