import FleetCore
import SSHClient

/// Checks the key a server presented against its known_hosts entries, for targets and bastions alike.
enum HostKeyVerifier {
    enum Verdict {
        case verified
        /// Host key checking is off: the result must say so.
        case unverified
        case refused(Failure)
    }

    static func verify(_ session: SSHSession, host: HostConnection, knownHosts store: KnownHostsStore) -> Verdict {
        if host.hostKeyChecking == .off { return .unverified }
        guard let key = session.hostKey() else {
            return .refused(Failure(.hostKeyUnknown, phase: .hostKey, message: "the server presented no host key"))
        }
        guard let path = host.knownHostsFile else {
            return .refused(
                Failure(
                    .hostKeyUnknown, phase: .hostKey,
                    message: "no known_hosts file is configured; set known_hosts in the inventory"))
        }
        let name = KnownHosts.hostName(host.address, port: host.port)
        switch store.knownHosts(at: path).verify(host: host.address, port: host.port, key: key) {
        case .match:
            return .verified
        case .revoked(let line):
            return .refused(
                Failure(
                    .hostKeyChanged, phase: .hostKey,
                    message:
                        "REFUSED: \(name) presented \(key.type) \(key.fingerprint), which \(path):\(line) marks @revoked"
                ))
        case .mismatch(let knownTypes, let line):
            return .refused(
                Failure(
                    .hostKeyChanged, phase: .hostKey,
                    message: """
                        HOST KEY CHANGED for \(name): it presented \(key.type) \(key.fingerprint), but \(path):\(line) \
                        records a different key (\(knownTypes.joined(separator: ", "))). Someone may be intercepting \
                        the connection, or the host was rebuilt. Verify the new fingerprint out of band, then remove \
                        the old entry with: ssh-keygen -R '\(name)' -f \(path)
                        """))
        case .unknown:
            if host.hostKeyChecking == .acceptNew {
                if let problem = store.append(host: host.address, port: host.port, key: key, to: path) {
                    return .refused(
                        Failure(.hostKeyUnknown, phase: .hostKey, message: "cannot record the new key: \(problem)"))
                }
                return .verified
            }
            return .refused(
                Failure(
                    .hostKeyUnknown, phase: .hostKey,
                    message: """
                        \(name) is not in \(path) (it presented \(key.type) \(key.fingerprint)). Verify the \
                        fingerprint, then add it (ssh-keyscan -p \(host.port) \(host.address) >> \(path)), or run \
                        with --host-key-checking accept-new
                        """))
        }
    }
}
