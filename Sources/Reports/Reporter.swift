import FleetCore
import Foundation
import RunComparison

/// What every renderer reads: one evaluated run, and when the report was made.
public struct ReportModel: Sendable {
    public var verdict: FleetVerdict
    public var generatedAt: Date
    /// Waivers that expired and so no longer apply (listed so they are renewed or dropped).
    public var expiredWaivers: [String]
    /// What changed since the previous complete run in the history; nil when the report was made without history.
    public var sinceLastRun: RunChanges?
    /// Instances per status over the recorded runs up to this one, oldest first; empty without history.
    public var trend: [TrendPoint]

    public init(
        verdict: FleetVerdict, generatedAt: Date, expiredWaivers: [String] = [], sinceLastRun: RunChanges? = nil,
        trend: [TrendPoint] = []
    ) {
        self.verdict = verdict
        self.generatedAt = generatedAt
        self.expiredWaivers = expiredWaivers
        self.sinceLastRun = sinceLastRun
        self.trend = trend
    }

    /// The per-path matrix every format shows when the run has several targets (nil with one): one row per
    /// instance, one cell per target in the order given.
    public var pathMatrix: PathMatrix? {
        guard verdict.paths.count > 1 else { return nil }
        let targets = verdict.paths.map(\.target.name)
        var rows: [PathMatrix.Row] = []
        for host in verdict.hosts where host.status != .unreachable {
            for instance in host.instances {
                let byTarget = Dictionary(
                    instance.paths.map { ($0.target, $0) }, uniquingKeysWith: { first, _ in first })
                rows.append(
                    PathMatrix.Row(
                        host: host.host.name, port: instance.port, cells: targets.map { byTarget[$0] },
                        bestPath: instance.bestPath))
            }
        }
        return PathMatrix(targets: targets, rows: rows)
    }

    /// Instances per status, and hosts per status.
    public var instanceCounts: [ReadinessStatus: Int] { verdict.instanceCounts }

    public var hostCounts: [ReadinessStatus: Int] { verdict.hostCounts }

    /// Failing blocker checks across the fleet, most hosts affected first.
    public var topBlockers: [(id: String, hosts: Int, instances: Int)] {
        var hosts: [String: Set<String>] = [:]
        var instances: [String: Int] = [:]
        for host in verdict.hosts {
            for instance in host.instances {
                for check in instance.checks where check.severity == .blocker && check.status == .fail {
                    hosts[check.id.rawValue, default: []].insert(host.host.name)
                    instances[check.id.rawValue, default: 0] += 1
                }
            }
        }
        for check in verdict.targetChecks where check.status == .fail {
            hosts[check.id.rawValue] = Set(verdict.hosts.map(\.host.name))
            instances[check.id.rawValue] = verdict.hosts.reduce(0) { $0 + $1.instances.count }
        }
        return hosts.map { (id: $0.key, hosts: $0.value.count, instances: instances[$0.key] ?? 0) }
            .sorted { ($0.hosts, $1.id) > ($1.hosts, $0.id) }
    }

    /// Every check id seen, in a stable order (target checks first, then by id).
    public var checkIDs: [String] {
        var ids: [String] = []
        // A set beside the list: `ids.contains` per check made this hosts x checks x ids.
        var seen: Set<String> = []
        for host in verdict.hosts {
            for instance in host.instances {
                for check in instance.checks where seen.insert(check.id.rawValue).inserted {
                    ids.append(check.id.rawValue)
                }
            }
        }
        return ids
    }
}

/// One output format: the report files and the terminal summary. Renderers read the model only; they never reach
/// back into snapshots or rules, and make every piece of text safe with their kind's `OutputText` sanitiser.
public protocol Reporter: Sendable {
    /// Short name used by `--format` (`terminal` for the summary, which `--format` does not select).
    var identifier: String { get }
    /// The file it writes into the run directory; nil for the terminal summary, which is printed, not written.
    var fileName: String? { get }
    func render(_ model: ReportModel) -> String
    /// Writes the same bytes as `render` into `path`, atomically and privately. JSON and HTML hand their text to the
    /// file about `chunkSize` bytes at a time as they make it, instead of holding tens of megabytes; the others
    /// render it whole (the default).
    func write(_ model: ReportModel, toFile path: String, chunkSize: Int) throws
}

extension Reporter {
    public func write(_ model: ReportModel, toFile path: String, chunkSize: Int) throws {
        try PrivateFile.write(render(model), to: path)
    }

    /// `write(_:toFile:chunkSize:)` a mebibyte at a time.
    public func write(_ model: ReportModel, toFile path: String) throws {
        try write(model, toFile: path, chunkSize: ReportFile.defaultChunkSize)
    }
}

/// A report file written as it is made (`PrivateFile.AtomicWriter`): pieces are appended without throwing, from
/// inside a renderer, and the first failure is thrown by `commit()`, which otherwise makes the file visible.
final class ReportFile {
    static let defaultChunkSize = 1 << 20
    private let file: PrivateFile.AtomicWriter
    private var failure: PrivateFile.WriteError?

    init(path: String) throws { file = try PrivateFile.AtomicWriter(path: path) }

    func append(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil else { return }
        do { try file.write(bytes) } catch { failure = error }
    }

    func append(_ text: String) {
        guard failure == nil else { return }
        do { try file.write(text) } catch { failure = error }
    }

    func commit() throws {
        if let failure { throw failure }
        try file.commit()
    }
}

/// Every file format, in the order `--format all` writes them (the terminal summary is always printed).
public enum Reporters {
    public static let all: [any Reporter] = [JSONReporter(), HTMLReporter(), MarkdownReporter(), CSVReporter()]

    public static func named(_ identifier: String) -> (any Reporter)? { all.first { $0.identifier == identifier } }
}

/// Writes the chosen formats into a run directory. The only file I/O of this module.
public enum ReportWriter {
    /// Writes each format that has a file into `directory` (a reporter without one, the terminal's, is skipped).
    public static func write(_ model: ReportModel, formats: [any Reporter], to directory: String) throws -> [String] {
        try formats.compactMap { format in
            guard let name = format.fileName else { return nil }
            let path = directory + "/" + name
            try format.write(model, toFile: path)
            return path
        }
    }

    /// Writes each `(file name, contents)` atomically into `directory`; returns the paths written.
    public static func write(files: [(name: String, contents: String)], to directory: String) throws -> [String] {
        try files.map { name, contents in
            let path = directory + "/" + name
            // Reports quote evidence from hosts: private like the run they sit in. Written from the text's own
            // storage (`PrivateFile.write(_:String)`), not a copy of it.
            try PrivateFile.write(contents, to: path)
            return path
        }
    }
}

/// Text helpers every renderer (reports and plans) shares.
public enum Text {
    /// `1.5 GiB`, or `?` when unknown.
    public static func bytes(_ value: Int64?) -> String { value.map(ByteCount.format) ?? "?" }

    /// RFC 3339 UTC time, e.g. `2026-11-30T17:09:00Z`.
    public static func iso(_ date: Date?) -> String? {
        guard let date else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

}

extension HostVerdict {
    /// What kept this host's collection from being whole, one line for every format (`output-cut: ...; timed-out:
    /// ...`); nil when it was collected whole. The messages are the auditor's own words and numbers.
    public var collectionSummary: String? {
        let cuts = collectionNotes.filter { $0.kind != .access }
        return cuts.isEmpty ? nil : cuts.map { "\($0.kind.rawValue): \($0.message)" }.joined(separator: "; ")
    }

    /// What the login user could not read and what `become: sudo` was needed for (the `access` note), one line for
    /// every format; nil when nothing needed privilege. Shown apart from `collectionSummary`: it is not a cut.
    public var accessSummary: String? {
        let notes = collectionNotes.filter { $0.kind == .access }
        return notes.isEmpty ? nil : notes.map(\.message).joined(separator: "; ")
    }
}

/// Instances by migration path: what each target (path) makes of each instance, and which path is best.
public struct PathMatrix: Sendable {
    public struct Row: Sendable {
        public var host: String
        public var port: Int
        /// One per target, in `targets` order (nil: the instance was not evaluated on that path).
        public var cells: [PathVerdict?]
        public var bestPath: String?
    }

    public var targets: [String]
    public var rows: [Row]

    /// A cell as text: the status, and on a path that blocks, the first blocking checks.
    public static func describe(_ cell: PathVerdict?) -> String {
        guard let cell else { return "-" }
        guard !cell.blockers.isEmpty else { return cell.status.rawValue }
        let shown = cell.blockers.prefix(3).map(\.rawValue).joined(separator: ", ")
        return "\(cell.status.rawValue) (\(shown)\(cell.blockers.count > 3 ? ", ..." : ""))"
    }
}
