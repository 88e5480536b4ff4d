import Foundation

/// The root namespace's IPv4 neighbour (ARP) table holds one entry per lab host it talks to. Linux refuses new entries
/// past `gc_thresh3` (1,024 by default), so a lab of more hosts goes silent beyond that: it is raised for the lab's
/// lifetime and put back by `down` (the previous values are recorded beside the lab's state).
struct NeighbourTable {
    static let keys = ["gc_thresh1", "gc_thresh2", "gc_thresh3"]
    /// Headroom for the root namespace's other neighbours and the bridges' own addresses.
    static let spare = 256

    let stateFile: String

    private static func path(_ key: String) -> String { "/proc/sys/net/ipv4/neigh/default/" + key }

    private static func read(_ key: String) -> Int? {
        (try? String(contentsOfFile: path(key), encoding: .utf8)).flatMap {
            Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// The thresholds a lab of `hosts` needs: unchanged values when the current ones suffice.
    static func needed(hosts: Int, current: [Int]) -> [Int]? {
        guard current.count == 3, hosts + spare > current[2] else { return nil }
        let hard = hosts + spare
        return [max(current[0], hard / 4), max(current[1], hard / 2), hard]
    }

    /// Raises the thresholds when `hosts` needs it, recording the old values first (only once: a second `up` before
    /// `down` keeps the original values).
    func raise(forHosts hosts: Int) throws {
        let current = Self.keys.compactMap(Self.read)
        guard let values = Self.needed(hosts: hosts, current: current) else { return }
        if !FileManager.default.fileExists(atPath: stateFile) {
            try current.map(String.init).joined(separator: " ").write(
                toFile: stateFile, atomically: true, encoding: .utf8)
        }
        // gc_thresh3 first: Linux keeps thresh1 <= thresh2 <= thresh3 sensible only when raised top-down.
        for (key, value) in zip(Self.keys, values).reversed() {
            try String(value).write(toFile: Self.path(key), atomically: false, encoding: .utf8)
        }
    }

    /// Puts back what `raise` recorded, if anything.
    func restore() {
        guard let text = try? String(contentsOfFile: stateFile, encoding: .utf8) else { return }
        let values = text.split(separator: " ").compactMap { Int($0) }
        if values.count == 3 {
            for (key, value) in zip(Self.keys, values) {
                try? String(value).write(toFile: Self.path(key), atomically: false, encoding: .utf8)
            }
        }
        try? FileManager.default.removeItem(atPath: stateFile)
    }
}
