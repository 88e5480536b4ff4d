import Foundation

extension LabFiles {
    /// sshd's port behind the delay relay, on the host namespace's own loopback (reachable from nowhere else).
    static let relayedSSHPort = 2222

    /// Init-script lines that add `latency_ms` to every round trip to the host: netem on eth0 where the kernel has
    /// it; otherwise (this machine's kernel has no sch_netem) sshd moves to 127.0.0.1 and `fleet-lab relay` takes
    /// port 22, delaying everything sshd sends. Runs inside the host's namespaces, so the relay ends with the host.
    func latencySetup(_ host: LabHost, dir: String) -> String {
        guard host.latencyMilliseconds > 0 else { return "" }
        let delay = host.latencyMilliseconds
        return """
            if tc qdisc add dev eth0 root netem delay \(delay)ms 2>/dev/null; then echo "latency \(delay) ms: netem"
            else
              sed -i 's/^ListenAddress .*/ListenAddress 127.0.0.1:\(Self.relayedSSHPort)/' \(dir)/sshd_config
              \(lab.executable) relay --listen 0.0.0.0:22 --to 127.0.0.1:\(Self.relayedSSHPort) --delay-ms \(delay) \\
                >\(dir)/relay.log 2>&1 &
              echo "latency \(delay) ms: delay relay (no netem in this kernel)"
            fi

            """
    }
}
