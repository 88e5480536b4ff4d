import FleetCore

/// The pooled connections of one loop to its bastions. A key is a hop's user@address:port with its authentication
/// and host key settings, and the route to it (the hops before it): holders with the same key share connections.
/// Each connection carries at most `maxChannelsPerConnection` tunnels (OpenSSH's MaxSessions is 10 by default);
/// at most `maxConnectionsPerBastion` connections per key are open at once (a burst of new connections meets the
/// bastion's MaxStartups). A holder that finds every slot taken waits in a FIFO queue, in the loop, with no
/// deadline running, until a tunnel ends.
final class BastionPool {
    let maxChannelsPerConnection: Int
    let maxConnectionsPerBastion: Int
    private unowned let context: SessionContext
    private var connections: [String: [BastionConnection]] = [:]
    private var queues: [String: [Connector]] = [:]
    /// Connections opened over the run, per key (for tests and logs).
    private(set) var connectionsOpened: [String: Int] = [:]

    init(maxChannelsPerConnection: Int, maxConnectionsPerBastion: Int, context: SessionContext) {
        self.maxChannelsPerConnection = max(1, maxChannelsPerConnection)
        self.maxConnectionsPerBastion = max(1, maxConnectionsPerBastion)
        self.context = context
    }

    static func key(_ chain: [HostConnection]) -> String {
        chain.map { hop in
            "\(hop.user)@\(hop.address):\(hop.port)|\(hop.authentication)|\(hop.knownHostsFile ?? "")|"
                + "\(hop.hostKeyChecking.rawValue)|\(hop.proxyCommand ?? "")"
        }.joined(separator: " -> ")
    }

    /// A slot for `holder` on a connection to the last hop of `chain`, or nil when it is queued (it is woken with
    /// `Connector.grant` or `Connector.refuse` later).
    func lease(chain: [HostConnection], for holder: Connector) -> BastionConnection? {
        let key = Self.key(chain)
        var pooled = connections[key] ?? []
        if queues[key]?.isEmpty ?? true,
            let connection = pooled.first(where: { $0.isUsable && $0.leases < maxChannelsPerConnection })
        {
            connection.takeSlot(for: holder)
            return connection
        }
        if pooled.count < maxConnectionsPerBastion {
            let connection = BastionConnection(key: key, chain: chain, pool: self, context: context)
            pooled.append(connection)
            connections[key] = pooled
            connectionsOpened[key, default: 0] += 1
            connection.takeSlot(for: holder)
            context.scheduler.add(connection)
            return connection
        }
        queues[key, default: []].append(holder)
        return nil
    }

    func hasWaiters(for key: String) -> Bool { !(queues[key]?.isEmpty ?? true) }

    func cancel(_ holder: Connector) {
        for key in queues.keys { queues[key]?.removeAll { $0 === holder } }
    }

    /// A slot on `connection` became free: the next queued holder gets it; the connection is woken to close when
    /// it is idle.
    func slotFreed(_ connection: BastionConnection) {
        if connection.isUsable, connection.leases < maxChannelsPerConnection, var queue = queues[connection.key],
            !queue.isEmpty
        {
            let next = queue.removeFirst()
            queues[connection.key] = queue
            connection.takeSlot(for: next)
            next.grant(connection)
            context.scheduler.wake(next.owner)
        }
        context.scheduler.wake(connection)
    }

    /// A connection could not be established or broke. Queued holders fail with it when no usable connection to
    /// that bastion is left (they would otherwise wait for a slot that never comes); otherwise they keep waiting.
    func connectionFailed(_ connection: BastionConnection, _ failure: Failure) {
        remove(connection)
        let key = connection.key
        guard !(connections[key] ?? []).contains(where: \.isUsable) else { return }
        for holder in queues[key] ?? [] {
            holder.refuse(failure)
            context.scheduler.wake(holder.owner)
        }
        queues[key] = nil
    }

    func connectionClosed(_ connection: BastionConnection) { remove(connection) }

    private func remove(_ connection: BastionConnection) {
        connections[connection.key]?.removeAll { $0 === connection }
        if connections[connection.key]?.isEmpty ?? false { connections[connection.key] = nil }
    }
}
