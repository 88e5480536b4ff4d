/// Which lab bridge each host's veth joins. A Linux bridge takes at most 1,023 ports ("Exchange full" on the next,
/// BR_MAX_PORTS in net/bridge/br_private.h), so a larger fleet gets further bridges, each joined to the first by one
/// veth pair: a star, so no loop and no spanning tree needed. The first bridge holds the gateway address and one
/// port per further bridge; every further bridge holds one port for its link.
public struct BridgePlan: Sendable, Equatable {
    public static let linuxPortLimit = 1023

    public let hosts: Int
    public let portsPerBridge: Int
    /// How many bridges: the smallest count whose ports hold every host and every link.
    public let bridges: Int

    public init(hosts: Int, portsPerBridge: Int = Self.linuxPortLimit) {
        precondition(portsPerBridge >= 3, "a bridge must hold its link and at least one host")
        self.hosts = hosts
        self.portsPerBridge = portsPerBridge
        // k bridges hold (P - (k - 1)) + (k - 1)(P - 1) = k(P - 2) + 2 hosts.
        var count = 1
        while count * (portsPerBridge - 2) + 2 < hosts { count += 1 }
        bridges = count
    }

    /// Hosts on the first bridge: its ports less one per further bridge.
    var firstBridgeHosts: Int { portsPerBridge - (bridges - 1) }

    /// The bridge (0 = the first) host `index` joins; hosts fill the first bridge, then each further one in turn.
    public func bridge(ofHost index: Int) -> Int {
        index < firstBridgeHosts ? 0 : 1 + (index - firstBridgeHosts) / (portsPerBridge - 1)
    }

    /// Ports in use on each bridge: its hosts and its links.
    public var portsInUse: [Int] {
        var ports = [Int](repeating: 0, count: bridges)
        for index in 0..<hosts { ports[bridge(ofHost: index)] += 1 }
        for further in ports.indices.dropFirst() {
            ports[0] += 1
            ports[further] += 1
        }
        return ports
    }
}
