import Foundation

/// Two root-namespace limits sized for ordinary machines stop a lab of more than about a thousand hosts, found with
/// 1,030 hosts (docs/lab.md):
/// - the IPv4 neighbour (ARP) table: Linux evicts entries above `gc_thresh2` (512) and refuses them past
///   `gc_thresh3` (1,024); every eviction costs an ARP broadcast to every host, and 376 of 1,030 hosts timed out in
///   `connect`;
/// - the per-CPU receive backlog (`net.core.netdev_max_backlog`, 1,000): a broadcast the bridge floods to more ports
///   than that in one go drops the rest, always the same ones (the oldest ports: the first hosts and the link to the
///   next bridge), so 29 hosts never answered ARP.
/// They are raised for the lab's lifetime and put back by `down` (the previous values are recorded beside the lab's
/// state).
struct KernelLimits {
    static let neighbourThresholds = [1, 2, 3].map { "/proc/sys/net/ipv4/neigh/default/gc_thresh\($0)" }
    static let receiveBacklog = "/proc/sys/net/core/netdev_max_backlog"
    /// Headroom for the root namespace's other neighbours, the bridges and the root's own copy of a broadcast.
    static let spare = 256

    let stateFile: String

    /// New values for the settings that are too small for `hosts` (never lowered): path → value.
    static func needed(hosts: Int, current: [String: Int]) -> [String: Int] {
        let entries = hosts + spare
        var values: [String: Int] = [:]
        let thresholds = neighbourThresholds.compactMap { current[$0] }
        // No garbage collection while every host fits; room for twice and four times that.
        if thresholds.count == 3, entries > thresholds[1] {
            for (path, (now, wanted)) in zip(neighbourThresholds, zip(thresholds, [entries, 2 * entries, 4 * entries]))
            {
                values[path] = max(now, wanted)
            }
        }
        if let backlog = current[receiveBacklog], entries > backlog { values[receiveBacklog] = 2 * entries }
        return values
    }

    private static func read(_ path: String) -> Int? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap {
            Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// Raises what `hosts` needs, recording the old values first (only once: a second `up` before `down` keeps the
    /// original values).
    func raise(forHosts hosts: Int) throws {
        let paths = Self.neighbourThresholds + [Self.receiveBacklog]
        let current = Dictionary(uniqueKeysWithValues: paths.compactMap { path in Self.read(path).map { (path, $0) } })
        let values = Self.needed(hosts: hosts, current: current)
        guard !values.isEmpty else { return }
        if !FileManager.default.fileExists(atPath: stateFile) {
            let lines = values.keys.sorted().compactMap { path in current[path].map { "\(path) \($0)" } }
            try lines.joined(separator: "\n").write(toFile: stateFile, atomically: true, encoding: .utf8)
        }
        // Highest threshold first: gc_thresh1 <= gc_thresh2 <= gc_thresh3 holds at every step.
        for path in values.keys.sorted().reversed() {
            try String(values[path] ?? 0).write(toFile: path, atomically: false, encoding: .utf8)
        }
    }

    /// Puts back what `raise` recorded, if anything.
    func restore() {
        guard let text = try? String(contentsOfFile: stateFile, encoding: .utf8) else { return }
        let recorded = text.split(separator: "\n").compactMap { line -> (String, String)? in
            let fields = line.split(separator: " ")
            return fields.count == 2 && fields[0].hasPrefix("/proc/sys/") ? (String(fields[0]), String(fields[1])) : nil
        }
        // Lowest threshold first, the mirror of `raise`.
        for (path, value) in recorded.sorted(by: { $0.0 < $1.0 }) {
            try? value.write(toFile: path, atomically: false, encoding: .utf8)
        }
        try? FileManager.default.removeItem(atPath: stateFile)
    }
}
