import FleetCore
import Foundation

/// Where runs live: `ROOT/runs/<UTC time>/` with one snapshot per host, redacted evidence and a manifest, and
/// `ROOT/latest` pointing at the newest run. Files are written atomically as each host finishes, so a crash or
/// Ctrl-C keeps everything done so far, and the manifest says whether the run completed.
public struct RunStore: Sendable {
    public static let manifestSchema = "fleet-audit.run/1"

    public let root: String

    public init(root: String) { self.root = root }

    /// Problems writing a run: the reports root is not writable, or a stored run cannot be read.
    public struct StoreError: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }
    }

    /// A run being written.
    public final class Run: Sendable {
        public let directory: String
        public let id: String

        init(directory: String, id: String) {
            self.directory = directory
            self.id = id
        }

        /// Writes one host's snapshot and its evidence archive (`evidence/<name>.tar`, see `EvidenceArchive`).
        ///
        /// Every path is built from validated parts only: the host's inventory name through `fileName(for:)`, a
        /// `SectionName` (a closed set), an instance port (an `Int`) and an index. Nothing a host printed names a file.
        public func record(_ snapshot: HostSnapshot) throws(StoreError) {
            let name = RunStore.fileName(for: snapshot.host.name)
            // The encoder's bytes, written by hand: a snapshot holds every section's text, and JSONEncoder's boxing
            // of it cost as much as the rest of storing a host (HostSnapshotWritingTests holds the two equal).
            try RunStore.write(snapshot.storedJSON(), to: directory + "/hosts/\(name).json")
            // Atomic like every file here: a reader never sees half an archive, and recording a host again replaces it.
            try RunStore.write(
                EvidenceArchive.bytes(of: RunStore.evidenceMembers(of: snapshot), modified: snapshot.collectedAt),
                to: directory + "/evidence/\(name).tar")
        }

        public func writeManifest(_ manifest: RunManifest) throws(StoreError) {
            try RunStore.writeJSON(manifest, to: directory + "/manifest.json")
        }
    }

    /// The evidence of one host, each member named from validated parts only: a `SectionName` (a closed set), an
    /// instance port (an `Int` in 1...65535) and an index. Nothing a host printed names a member. Sections in name
    /// order, so the same snapshot always makes the same archive.
    static func evidenceMembers(of snapshot: HostSnapshot) -> [EvidenceArchive.Member] {
        var members: [EvidenceArchive.Member] = []
        func add(_ name: String, _ text: String) { members.append(EvidenceArchive.Member(name: name, text: text)) }
        for (key, captured) in snapshot.sections.sorted(by: { $0.key < $1.key }) {
            guard let section = SectionName(rawValue: key) else { continue }
            add("\(section.rawValue).txt", captured.text)
        }
        for instance in snapshot.instances where (1...65_535).contains(instance.port) {
            for (key, captured) in instance.sections.sorted(by: { $0.key < $1.key }) {
                guard let section = SectionName(rawValue: key) else { continue }
                add("\(instance.port)-\(section.rawValue).txt", captured.text)
            }
            for (index, file) in instance.configFiles.enumerated() where file.skipped == nil {
                add("\(instance.port)-config-\(index).conf", file.text)
            }
        }
        for (index, unexpected) in snapshot.unexpectedSections.enumerated() {
            add("unexpected-\(index).txt", unexpected.text)
        }
        return members
    }

    /// Creates `ROOT/runs/<UTC time>/` (with a suffix if that second is taken) and points `ROOT/latest` at it.
    /// Run ids are the start time, `20261125T041900Z` (UTC), with `-2`, `-3`... when two runs start in one second.
    private static var runIDFormatter: DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter
    }

    /// The start time a run id names; nil for a name `startRun` did not make.
    public static func startTime(ofRunID id: String) -> Date? {
        runIDFormatter.date(from: String(id.prefix(16)))
    }

    public func startRun(at date: Date = Date()) throws(StoreError) -> Run {
        let base = Self.runIDFormatter.string(from: date)
        try Self.makeDirectory(root + "/runs")
        var id = base
        var attempt = 1
        while FileManager.default.fileExists(atPath: root + "/runs/" + id) {
            attempt += 1
            id = "\(base)-\(attempt)"
        }
        let directory = root + "/runs/" + id
        try Self.makeDirectory(directory + "/hosts")
        try Self.makeDirectory(directory + "/evidence")
        let latest = root + "/latest"
        try? FileManager.default.removeItem(atPath: latest)
        do {
            try FileManager.default.createSymbolicLink(atPath: latest, withDestinationPath: "runs/" + id)
        } catch {
            throw StoreError(path: latest, message: "cannot point at the new run: \(error.localizedDescription)")
        }
        return Run(directory: directory, id: id)
    }

    /// A run directory's manifest alone (cheap: no snapshot is read).
    public static func manifest(runDirectory: String) throws(StoreError) -> RunManifest {
        try readJSON((runDirectory as NSString).resolvingSymlinksInPath + "/manifest.json")
    }

    /// Reads a run directory (or the `latest` link) back.
    public static func load(runDirectory: String) throws(StoreError) -> StoredRun {
        let directory = (runDirectory as NSString).resolvingSymlinksInPath
        let manifest = try manifest(runDirectory: directory)
        // Every stored snapshot counts, also those of a run that crashed before its manifest listed them.
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory + "/hosts")) ?? [])
            .filter { $0.hasSuffix(".json") }.sorted()
        var snapshots: [HostSnapshot] = []
        for name in names { snapshots.append(try readSnapshot(directory + "/hosts/" + name)) }
        return StoredRun(directory: directory, manifest: manifest, snapshots: snapshots)
    }

    // MARK: Files

    /// A host's name as a single safe path component. Inventory names come from users and EC2 `Name` tags, which may
    /// hold `/`, spaces or `..`: such a name keeps its readable characters plus a digest, so two names never collide.
    public static func fileName(for hostName: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        let isSafe =
            !hostName.isEmpty && hostName.count <= 200 && hostName.allSatisfy(allowed.contains)
            && !hostName.hasPrefix(".")
        if isSafe { return hostName }
        let readable = String(hostName.map { allowed.contains($0) ? $0 : "_" }.prefix(100))
        let digest = SHA256.hexDigest(of: Data(hostName.utf8)).prefix(12)
        return "_" + readable + "-" + digest
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static func writeJSON<Value: Encodable>(_ value: Value, to path: String) throws(StoreError) {
        let data: Data
        do {
            data = try encoder.encode(value)
        } catch {
            throw StoreError(path: path, message: "cannot encode: \(error)")
        }
        try write(data, to: path)
    }

    static func readJSON<Value: Decodable>(_ path: String) throws(StoreError) -> Value {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StoreError(path: path, message: "missing or unreadable (is this a fleet-audit run directory?)")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(Value.self, from: data)
        } catch {
            throw StoreError(path: path, message: "not a valid fleet-audit file: \(error)")
        }
    }

    /// A snapshot through `HostSnapshot.read` (a hand-written reader, JSONDecoder where it declines).
    static func readSnapshot(_ path: String) throws(StoreError) -> HostSnapshot {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StoreError(path: path, message: "missing or unreadable (is this a fleet-audit run directory?)")
        }
        do {
            return try HostSnapshot.read(from: data)
        } catch {
            throw StoreError(path: path, message: "not a valid fleet-audit file: \(error)")
        }
    }

    /// Atomic (a reader never sees half a file) and private: evidence holds what hosts hold, so every file is 0600
    /// and every directory 0700 from the moment it exists, whatever the process umask.
    public static func write(_ data: Data, to path: String) throws(StoreError) {
        do {
            try PrivateFile.write(data, to: path)
        } catch {
            throw StoreError(path: path, message: "cannot write: \(error.description)")
        }
    }

    public static func write(_ text: String, to path: String) throws(StoreError) {
        try write(Data(text.utf8), to: path)
    }

    public static func makeDirectory(_ path: String) throws(StoreError) {
        do {
            try PrivateFile.makeDirectory(path)
        } catch {
            throw StoreError(path: path, message: "cannot create the directory: \(error.description)")
        }
    }
}
