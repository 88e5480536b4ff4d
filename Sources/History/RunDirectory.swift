import Collector
import Foundation

/// One directory under `DIR/runs/` and what its manifest says about it. Lets `history`, `diff` and retention tell a
/// complete run from one killed mid-collection (no manifest, or one without `complete`).
public struct RunDirectory: Sendable, Hashable {
    public enum State: String, Sendable {
        /// The manifest says `complete`: every host was recorded.
        case complete
        /// No readable manifest, or one without `complete`: a run killed or failed mid-collection.
        case incomplete
    }

    /// The directory's name: the run id.
    public var id: String
    public var path: String
    public var state: State
    /// From the manifest, or else from the id (`yyyyMMddTHHmmssZ`); nil for a directory fleet-audit did not name.
    public var startedAt: Date?

    /// Every real directory under `DIR/runs/` (symbolic links are skipped, never followed), oldest first.
    public static func scan(root: String) -> [RunDirectory] {
        let runs = root + "/runs"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runs)) ?? []
        return names.compactMap { name -> RunDirectory? in
            let path = runs + "/" + name
            // attributesOfItem does not follow a symbolic link: a link to elsewhere is never taken for a run.
            guard let type = try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType,
                type == .typeDirectory
            else { return nil }
            let manifest = try? RunStore.manifest(runDirectory: path)
            return RunDirectory(
                id: name, path: path, state: manifest?.complete == true ? .complete : .incomplete,
                startedAt: manifest?.startedAt ?? RunStore.startTime(ofRunID: name))
        }.sorted { ($0.startedAt ?? .distantPast, $0.id) < ($1.startedAt ?? .distantPast, $1.id) }
    }
}
