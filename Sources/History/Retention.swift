import Collector
import Foundation

/// `--keep N`: keeps the newest N complete runs in the history and deletes older run directories under `DIR/runs/`.
///
/// Never deletes the run just written, a directory fleet-audit did not name (its name is not a run id and it is not
/// recorded), a symbolic link (nor what it points at), or anything outside `DIR/runs/`. Incomplete and unevaluated
/// run directories older than the oldest kept run go too; newer ones stay.
public enum Retention {
    public struct Outcome: Sendable, Hashable {
        /// Run ids whose records left the history.
        public var deletedRecords: [String]
        /// Run directories deleted, oldest first.
        public var deletedDirectories: [String]
    }

    public static func apply(keep: Int, store: HistoryStore, protecting protectedID: String) throws(HistoryError)
        -> Outcome
    {
        let recorded = try store.runs()  // newest first
        guard keep >= 1, recorded.count > keep else {
            return Outcome(deletedRecords: [], deletedDirectories: [])
        }
        let kept = Set(recorded.prefix(keep).map(\.id) + [protectedID])
        let oldestKept = recorded.filter { kept.contains($0.id) }.map(\.startedAt).min() ?? .distantPast
        let dropped = recorded.filter { !kept.contains($0.id) }.map(\.id)
        // Records first: a crash between the two steps leaves directories the next retention deletes.
        try store.delete(runIDs: dropped)
        let droppedSet = Set(dropped)
        var deleted: [String] = []
        for directory in RunDirectory.scan(root: store.root) where !kept.contains(directory.id) {
            let isOld = directory.startedAt.map { $0 < oldestKept } ?? false
            guard droppedSet.contains(directory.id) || (isOld && RunStore.startTime(ofRunID: directory.id) != nil)
            else { continue }
            do {
                try FileManager.default.removeItem(atPath: directory.path)
                deleted.append(directory.path)
            } catch {
                throw HistoryError(
                    .retention, path: directory.path,
                    message: "cannot delete this old run directory (its record is already gone; delete it by hand)",
                    underlying: "\(error)")
            }
        }
        return Outcome(deletedRecords: dropped, deletedDirectories: deleted)
    }
}
