/// `CLUSTER NODES`: one line per node, `<id> <ip:port@cport[,hostname]> <flags> <primary-id|-> <ping> <pong>
/// <epoch> <link> <slot> <slot>...`, slots as `N` or `A-B` (importing/migrating `[...]` entries are not owned).
/// Only what shard mapping needs: the primaries and the slot ranges each owns.
public struct ClusterNodes: Sendable, Hashable {
    public struct Primary: Sendable, Hashable {
        /// `ip:port` the node announces (the cluster bus port and hostname cut off).
        public var address: String
        /// Owned slot ranges, inclusive, in the order listed.
        public var slots: [ClosedRange<Int>]
        /// Whether this is the node the collector asked (`myself`).
        public var isMyself: Bool

        public var slotCount: Int { slots.reduce(0) { $0 + $1.count } }
    }

    /// Primaries that own at least one slot, in the order listed.
    public private(set) var primaries: [Primary] = []

    /// The number of slots of a Redis Cluster.
    public static let slotCount = 16_384

    /// Nodes listed, with or without slots.
    public private(set) var nodeCount = 0

    /// nil when the text is not a CLUSTER NODES reply (an error, nothing). A reply whose primaries own no slot (a
    /// cluster node nobody assigned slots to) has no primaries.
    public init?(parsing text: String) {
        for line in TextLine.split(text).prefix(4_096) {
            let fields = line.content.split(separator: " ")
            guard fields.count >= 8, fields[0].count == 40, fields[0].allSatisfy(\.isHexDigit) else { continue }
            nodeCount += 1
            let flags = fields[2].split(separator: ",")
            guard flags.contains("master"), !flags.contains("fail"), !flags.contains("noaddr") else { continue }
            var slots: [ClosedRange<Int>] = []
            for slot in fields.dropFirst(8) where !slot.hasPrefix("[") {
                let bounds = slot.split(separator: "-", maxSplits: 1).map { Int($0) }
                guard let low = bounds.first ?? nil, let high = bounds.count == 2 ? bounds[1] : low,
                    (0..<Self.slotCount).contains(low), (low..<Self.slotCount).contains(high)
                else { continue }
                slots.append(low...high)
            }
            guard !slots.isEmpty else { continue }
            let address = String(fields[1].split(separator: "@").first ?? fields[1])
            primaries.append(Primary(address: address, slots: slots, isMyself: flags.contains("myself")))
        }
        guard nodeCount > 0 else { return nil }
    }

    /// Slots owned by some primary (each counted once). Ranges are merged, not enumerated: a forged reply of
    /// thousands of nodes each claiming every slot costs its number of ranges, not 16,384 per range.
    public var coveredSlots: Int {
        var covered = 0
        var end = -1
        for range in primaries.flatMap(\.slots).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if range.upperBound <= end { continue }
            covered += range.upperBound - max(range.lowerBound, end + 1) + 1
            end = range.upperBound
        }
        return covered
    }
}
