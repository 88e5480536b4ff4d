import Foundation
import Synchronization

/// Brings a scenario's hosts up in network namespaces, and takes them down again.
///
/// Each host: a network namespace on the lab bridge (no default route: nothing leaves the machine), its own PID,
/// mount and UTS namespaces (first process: a shell that holds them; killing `unshare` ends them all), its own sshd,
/// redis-server instances, resource view (bind mounts over /proc files), instance metadata on 169.254.169.254 inside
/// the namespace only, and its faults. Every name starts with the lab's prefix; `down` removes exactly those.
public struct Lab: Sendable {
    public let prefix: String
    /// The `fleet-lab` executable, run inside namespaces to serve instance metadata.
    public let executable: String

    public init(prefix: String, executable: String) {
        self.prefix = prefix
        self.executable = executable
    }

    public struct LabError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Where each lab records its output folder (and so its PIDs) for `down`: /run for root, else a private temp.
    static var stateDirectory: String {
        geteuid() == 0 ? "/run/fleet-lab" : NSTemporaryDirectory() + "fleet-lab-\(getuid())"
    }

    /// The first bridge (holding the gateway address); further ones past 1,023 ports: `BridgePlan`.
    var bridge: String { prefix + "br" }
    func bridge(_ number: Int) -> String { number == 0 ? bridge : "\(prefix)br\(number)" }
    /// The veth pair joining bridge `number` to the first: this end on the first bridge, the peer on the other.
    func bridgeLink(_ number: Int) -> String { "\(prefix)bl\(number)" }
    func bridgeLinkPeer(_ number: Int) -> String { "\(prefix)bm\(number)" }
    func namespace(_ index: Int) -> String { "\(prefix)-\(index)" }
    func veth(_ index: Int) -> String { "\(prefix)v\(index)" }
    func peer(_ index: Int) -> String { "\(prefix)p\(index)" }
    /// The private bridge (no address in the root namespace: it cannot reach the private hosts), and the bastion's
    /// second veth on it.
    var privateBridge: String { prefix + "pb" }
    func privateVeth(_ index: Int) -> String { "\(prefix)x\(index)" }
    func privatePeer(_ index: Int) -> String { "\(prefix)q\(index)" }
    /// Where `up` records the private subnet's `unreachable` route, for `down`.
    static func privateRouteFile(out: String) -> String { out + "/private-route" }

    /// Lab prefixes name links (at most 15 characters with the host index): keep them short and plain.
    public static func validate(prefix: String) throws(LabError) {
        guard (2...6).contains(prefix.count), prefix.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber) }),
            prefix.first?.isLetter == true
        else {
            throw LabError(description: "--prefix must be 2 to 6 lowercase letters or digits, starting with a letter")
        }
    }

    // MARK: Up

    /// What `up` did: the hosts that did not come up, and why it ran on loopback (nil: in network namespaces).
    public struct UpResult: Sendable {
        public var problems: [String]
        public var loopbackReason: String?
    }

    /// Brings `scenario` up and writes inventory.yaml, known_hosts, id_ed25519 (and secrets.env) into `out`: in
    /// network namespaces, or on loopback addresses when `loopback` is set or namespaces cannot be made here.
    public func up(_ scenario: Scenario, out: String, subnet overrideSubnet: String?, loopback: Bool = false) throws
        -> UpResult
    {
        let loopbackReason = loopback ? "asked for with --loopback" : Self.whyNamespacesAreUnavailable()
        try? down()
        let subnet = overrideSubnet ?? scenario.subnet
        let addressing = try Addressing(subnet: subnet, hosts: scenario.hosts.count)
        let outDirectory = URL(fileURLWithPath: out).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: outDirectory + "/hosts", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: Self.stateDirectory, withIntermediateDirectories: true)
        // Record what we are about to create first, so that `down` can clean up even after a crash half-way.
        let statePath = Self.stateDirectory + "/\(prefix).json"
        try Data("{\"prefix\":\"\(prefix)\",\"out\":\"\(outDirectory)\"}".utf8).write(
            to: URL(fileURLWithPath: statePath))
        try LabShell.run(
            "rm -f \(outDirectory)/id_ed25519 \(outDirectory)/id_ed25519.pub && ssh-keygen -q -t ed25519 -N '' -C fleet-lab -f \(outDirectory)/id_ed25519"
        )
        try LabShell.run("cp \(outDirectory)/id_ed25519.pub \(outDirectory)/authorized_keys")
        // sshd refuses to start without its privilege-separation directory, which only systemd-tmpfiles creates: /run
        // is a tmpfs, empty after every boot, and a container has none. Hosts share the root namespace's /run.
        if geteuid() == 0 { try LabShell.run("mkdir -p /run/sshd") }

        var scenario = scenario
        if loopbackReason != nil { scenario.hosts = scenario.hosts.map(LoopbackLab.withoutUsers) }
        var files = LabFiles(lab: self, out: outDirectory, scenario: scenario, addressing: addressing)
        let knownHosts: [String]
        let problems: [String]
        if loopbackReason != nil {
            files.loopback = LoopbackLayout(addressing: addressing)
            (knownHosts, problems) = try LoopbackLab(files: files).up()
        } else {
            (knownHosts, problems) = try upInNamespaces(files)
        }
        try knownHosts.joined(separator: "\n").appending("\n").write(
            toFile: outDirectory + "/known_hosts", atomically: true, encoding: .utf8)
        try files.inventory().write(toFile: outDirectory + "/inventory.yaml", atomically: true, encoding: .utf8)
        let secrets = files.secrets()
        if !secrets.isEmpty {
            try secrets.write(toFile: outDirectory + "/secrets.env", atomically: true, encoding: .utf8)
            chmod(outDirectory + "/secrets.env", 0o600)
        }
        return UpResult(problems: problems, loopbackReason: loopbackReason)
    }

    /// What loopback mode cannot emulate (docs/lab.md#loopback).
    public static var loopbackLimitations: [String] { LoopbackLab.limitations }

    /// Why this process cannot make the lab's namespaces (nil: it can).
    static func whyNamespacesAreUnavailable() -> String? {
        guard geteuid() == 0 else { return "not running as root" }
        let probe = (try? LabShell.run("unshare --net --mount --pid --uts --fork true 2>&1 && echo ok")) ?? ""
        return probe.hasSuffix("ok\n")
            ? nil : "network namespaces are not allowed here (unshare: \(probe.trimmingCharacters(in: .newlines)))"
    }

    /// The bridges, then every host's namespace in parallel batches; returns known_hosts lines and problems.
    private func upInNamespaces(_ files: LabFiles) throws -> ([String], [String]) {
        let (scenario, addressing) = (files.scenario, files.addressing)
        try LabShell.run(
            "ip link add \(bridge) type bridge && ip addr add \(addressing.gateway)/\(addressing.bits) dev \(bridge) && ip link set \(bridge) up"
        )
        for number in 1..<BridgePlan(hosts: scenario.hosts.count).bridges {
            try LabShell.run(
                "ip link add \(bridge(number)) type bridge && ip link set \(bridge(number)) up"
                    + " && ip link add \(bridgeLink(number)) type veth peer name \(bridgeLinkPeer(number))"
                    + " && ip link set \(bridgeLink(number)) master \(bridge) up"
                    + " && ip link set \(bridgeLinkPeer(number)) master \(bridge(number)) up")
        }
        if scenario.hosts.contains(where: { $0.network == .private }) {
            // Without this route the root namespace would send packets for the private subnet to its default
            // gateway, out of the machine; with it they fail here, at once, as in a VPC without a route.
            let cidr = "\(addressing.privateNetworkAddress)/\(addressing.bits)"
            try cidr.write(toFile: Self.privateRouteFile(out: files.out), atomically: true, encoding: .utf8)
            try LabShell.run(
                "ip link add \(privateBridge) type bridge && ip link set \(privateBridge) up && ip route add unreachable \(cidr)"
            )
        }
        try kernelLimits.raise(forHosts: scenario.hosts.count)
        let knownHosts = try Self.inParallel(scenario.hosts.count) { try files.prepare(scenario.hosts[$0], index: $0) }
        // Bring hosts up in parallel batches: each is a handful of ip commands and one unshare in the background.
        let batchSize = 16
        for batchStart in stride(from: 0, to: scenario.hosts.count, by: batchSize) {
            let batch = Array(scenario.hosts.indices[batchStart..<min(batchStart + batchSize, scenario.hosts.count)])
            let script = batch.map { "bash \(files.directory(scenario.hosts[$0]))/up.sh &" }.joined(separator: "\n")
            try LabShell.run(script + "\nwait")
        }
        // Every host at once (8 probes in flight), 15 s each at most and 120 s for the whole fleet.
        let deadline = Date().addingTimeInterval(120)
        let bastion = scenario.hosts.firstIndex(where: \.bastion).map(namespace)
        let problems = try Self.inParallel(scenario.hosts.count) { index in
            let host = scenario.hosts[index]
            // A private host is probed from the bastion's namespace: the root namespace cannot reach it.
            return try Self.waitForSSH(
                host, address: files.address(host, index: index), port: 22,
                log: files.directory(host) + "/init.log", until: deadline,
                fromNamespace: host.network == .private ? bastion : nil)
        }.compactMap { $0 }
        return (knownHosts, problems)
    }

    /// `work(0..<count)` on a few threads (key generation and file writing per host), results in index order; the
    /// first error is thrown.
    static func inParallel<Result: Sendable>(_ count: Int, _ work: @Sendable (Int) throws -> Result) throws -> [Result]
    {
        let results = Mutex([Int: Swift.Result<Result, any Error>]())
        let workers = 8
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for index in stride(from: worker, to: count, by: workers) {
                let result = Swift.Result { try work(index) }
                results.withLock { $0[index] = result }
            }
        }
        let all = results.withLock { $0 }
        return try (0..<count).map { index in
            guard let result = all[index] else { throw LabError(description: "host \(index) was not prepared") }
            return try result.get()
        }
    }

    /// Waits (bounded: 15 s, and never past `deadline`, though one probe is always made) until the host's SSH port
    /// answers, unless its fault means it never will; returns the problem when it does not.
    static func waitForSSH(
        _ host: LabHost, address: String, port: Int, log: String, until deadline: Date = .distantFuture,
        fromNamespace namespace: String? = nil
    )
        throws -> String?
    {
        guard host.fault != .refused && host.fault != .blackhole else { return nil }
        let tries = max(1, min(150, Int(deadline.timeIntervalSinceNow * 10)))
        let inNamespace = namespace.map { "ip netns exec \($0) " } ?? ""
        let ready = try LabShell.run(
            "for i in $(seq \(tries)); do \(inNamespace)nc -z -w 1 \(address) \(port) 2>/dev/null && echo up && break; sleep 0.1; done",
            allowFailure: true)
        return ready.contains("up") ? nil : "\(host.name) (\(address):\(port)): sshd did not come up; see \(log)"
    }

    // MARK: Down

    /// Removes every namespace, link and process of this lab: by the recorded PIDs and the lab's own prefix.
    public func down() throws {
        if let out = recordedOut() { LoopbackLab.stop(out: out) }
        let namespaces = try LabShell.run("ip netns list", allowFailure: true).split(separator: "\n")
            .compactMap { $0.split(separator: " ").first.map(String.init) }
            .filter { $0.hasPrefix(prefix + "-") && Int($0.dropFirst(prefix.count + 1)) != nil }
        // Kill exactly the processes inside the lab's namespaces (the unshare holders die with their PID 1).
        // One shell for all namespaces: a process per namespace was most of the teardown time at 500 hosts.
        var pids = try LabShell.run(
            namespaces.map { "ip netns pids \($0)" }.joined(separator: "\n"), allowFailure: true
        ).split(separator: "\n").map(String.init)
        if let out = recordedOut() {
            pids += try LabShell.run("cat \(out)/hosts/*/unshare.pid 2>/dev/null", allowFailure: true).split(
                separator: "\n"
            ).map(String.init)
        }
        let numeric = Set(pids.filter { Int($0) != nil })
        if !numeric.isEmpty {
            try LabShell.run("kill -9 \(numeric.sorted().joined(separator: " ")) 2>/dev/null", allowFailure: true)
        }
        if !namespaces.isEmpty {
            try LabShell.run(
                "sleep 0.2; " + Self.ipBatch(namespaces.map { "netns del \($0)" }), allowFailure: true)
        }
        let links = try LabShell.run("ip -o link show", allowFailure: true).split(separator: "\n").compactMap {
            line -> String? in
            let fields = line.split(separator: ":", maxSplits: 2)
            guard fields.count >= 2 else { return nil }
            let name = fields[1].trimmingCharacters(in: .whitespaces).split(separator: "@").first.map(String.init) ?? ""
            return name == bridge || name == privateBridge
                || ["v", "br", "bl", "bm", "x"].contains { isNumbered(name, prefix + $0) }
                ? name : nil
        }
        if !links.isEmpty {
            try LabShell.run(Self.ipBatch(links.map { "link del \($0)" }), allowFailure: true)
        }
        if let out = recordedOut() { try LabShell.run("rm -f \(out)/hosts/*/unshare.pid", allowFailure: true) }
        if let out = recordedOut(),
            let cidr = try? String(contentsOfFile: Self.privateRouteFile(out: out), encoding: .utf8),
            Self.isCIDR(cidr)
        {
            try LabShell.run("ip route del unreachable \(cidr)", allowFailure: true)
            try? FileManager.default.removeItem(atPath: Self.privateRouteFile(out: out))
        }
        kernelLimits.restore()
        try? FileManager.default.removeItem(atPath: Self.stateDirectory + "/\(prefix).json")
    }

    /// Only a dotted quad and a prefix length reach the `ip route del` command line.
    static func isCIDR(_ text: String) -> Bool {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let bits = Int(parts[1]), (8...30).contains(bits) else { return false }
        let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.allSatisfy { UInt8($0) != nil }
    }

    /// One `ip` process for many commands; -force goes on past one that fails (a veth gone with its peer).
    static func ipBatch(_ commands: [String]) -> String {
        "ip -force -batch - <<'FLEET_LAB_IP'\n" + commands.joined(separator: "\n") + "\nFLEET_LAB_IP\n"
    }

    /// `name` is `stem` followed by a number (never another lab's link: prefixes end where the digits start).
    private func isNumbered(_ name: String, _ stem: String) -> Bool {
        name.hasPrefix(stem) && Int(name.dropFirst(stem.count)) != nil
    }

    private var kernelLimits: KernelLimits {
        KernelLimits(stateFile: Self.stateDirectory + "/\(prefix).sysctl")
    }

    private func recordedOut() -> String? {
        guard let data = FileManager.default.contents(atPath: Self.stateDirectory + "/\(prefix).json"),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: String]
        else { return nil }
        return object["out"]
    }

    // MARK: Status

    /// One line per namespace of this lab: its name and what runs in it.
    public func status() throws -> [String] {
        let namespaces = try LabShell.run("ip netns list", allowFailure: true).split(separator: "\n")
            .compactMap { $0.split(separator: " ").first.map(String.init) }.filter { $0.hasPrefix(prefix + "-") }
        let loopbackHosts = recordedOut().map(LoopbackLab.status(out:)) ?? []
        return try loopbackHosts
            + namespaces.sorted().map { namespace in
                let pids = try LabShell.run("ip netns pids \(namespace)", allowFailure: true).split(separator: "\n")
                    .joined(
                        separator: ",")
                let programs =
                    pids.isEmpty
                    ? ""
                    : try LabShell.run(
                        "ps -o comm= -p \(pids) | sort | uniq -c | awk '{printf \"%s×%s \", $2, $1}'",
                        allowFailure: true)
                return "\(namespace): \(programs.isEmpty ? "nothing running" : programs)"
            }
    }
}

/// Addresses of a lab subnet: the bridge takes .1, hosts start at .11.
struct Addressing {
    let network: UInt32
    let bits: Int

    init(subnet: String, hosts: Int) throws {
        let parts = subnet.split(separator: "/")
        let octets = parts.first?.split(separator: ".").compactMap { UInt32($0) } ?? []
        guard parts.count == 2, octets.count == 4, let bits = Int(parts[1]), (8...28).contains(bits), octets[0] == 10
        else {
            throw Lab.LabError(
                description: "the lab subnet must be inside 10.0.0.0/8, like 10.77.0.0/24 (got \(subnet))")
        }
        self.bits = bits
        let mask: UInt32 = ~UInt32(0) << (32 - bits)
        network = (octets[0] << 24 | octets[1] << 16 | octets[2] << 8 | octets[3]) & mask
        guard hosts + 12 < (1 << (32 - bits)) else {
            throw Lab.LabError(description: "\(subnet) is too small for \(hosts) hosts")
        }
    }

    static func text(_ value: UInt32) -> String {
        [value >> 24, value >> 16 & 255, value >> 8 & 255, value & 255].map(String.init).joined(separator: ".")
    }

    var gateway: String { Self.text(network + 1) }
    func host(_ index: Int) -> String { Self.text(network + 11 + UInt32(index)) }

    /// The private subnet: the block of the same size right after the lab's (before it at the top of 10/8).
    var privateNetwork: UInt32 {
        let size = UInt32(1) << (32 - bits)
        return network &+ size <= 0x0AFF_FFFF && network &+ size > network ? network + size : network - size
    }
    var privateNetworkAddress: String { Self.text(privateNetwork) }
    func privateHost(_ index: Int) -> String { Self.text(privateNetwork + 11 + UInt32(index)) }
}
