import Foundation

/// A stored run, for offline evaluation: its manifest and every host snapshot it holds. Written by Collector's
/// `RunStore`, read by Readiness, History and the CLI, so it lives with the other shared value types.
public struct StoredRun: Sendable {
    public var directory: String
    public var manifest: RunManifest
    public var snapshots: [HostSnapshot]

    public init(directory: String, manifest: RunManifest, snapshots: [HostSnapshot]) {
        self.directory = directory
        self.manifest = manifest
        self.snapshots = snapshots
    }

    /// Whether the run finished, and which planned hosts have no snapshot: the manifest's `complete` decides,
    /// the stored snapshots tell which hosts did finish (a killed run's manifest lists no outcome).
    public var completeness: RunCompleteness {
        guard !manifest.complete else { return .complete }
        let stored = Set(snapshots.map(\.host.name))
        return RunCompleteness(
            complete: false, plannedHostCount: manifest.plannedHosts.isEmpty ? nil : manifest.plannedHosts.count,
            missingHosts: manifest.plannedHosts.filter { !stored.contains($0) })
    }
}
