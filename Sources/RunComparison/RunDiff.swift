import FleetCore
import Foundation

/// Compares two evaluated runs: hosts that became ready, regressed, improved, appeared or disappeared; the same for
/// the instances of hosts present in both; and every check whose status changed (on those instances and on the
/// target), with the evidence before and after. Pure: the history only supplies the earlier verdict.
public enum RunDiff {
    /// The changes from `before` to `after`; `before` nil means `after` is the first run.
    public static func changes(from before: FleetVerdict?, to after: FleetVerdict) -> RunChanges {
        guard let before else { return RunChanges(previousRunID: nil, runID: after.runID) }
        let earlierHosts = Dictionary(before.hosts.map { ($0.host.name, $0) }, uniquingKeysWith: { first, _ in first })
        let laterHosts = Dictionary(after.hosts.map { ($0.host.name, $0) }, uniquingKeysWith: { first, _ in first })
        var hosts: [RunChanges.Host] = []
        var instances: [RunChanges.Instance] = []
        var checks = compare(before.targetChecks, after.targetChecks, host: nil, port: nil)
        // Hosts an incomplete later run never reached did not disappear: nothing is known about them, and every
        // format's incomplete-run warning names them instead.
        let notCollected = Set(after.completeness.missingHosts)
        for name in Set(earlierHosts.keys).union(laterHosts.keys) {
            let earlier = earlierHosts[name]
            let later = laterHosts[name]
            if later == nil, notCollected.contains(name) { continue }
            if let kind = RunChanges.Kind.of(before: earlier?.status, after: later?.status) {
                hosts.append(
                    RunChanges.Host(
                        name: name, address: later?.host.address ?? earlier?.host.address ?? "", kind: kind,
                        before: earlier?.status, after: later?.status))
            }
            // Instances and checks only of hosts in both runs: an appeared or disappeared host is one line.
            guard let earlier, let later else { continue }
            let earlierInstances = Dictionary(earlier.instances.map { ($0.port, $0) }, uniquingKeysWith: { a, _ in a })
            let laterInstances = Dictionary(later.instances.map { ($0.port, $0) }, uniquingKeysWith: { a, _ in a })
            for port in Set(earlierInstances.keys).union(laterInstances.keys) {
                let old = earlierInstances[port]
                let new = laterInstances[port]
                if let kind = RunChanges.Kind.of(before: old?.status, after: new?.status) {
                    instances.append(
                        RunChanges.Instance(host: name, port: port, kind: kind, before: old?.status, after: new?.status)
                    )
                }
                if let old, let new { checks += compare(old.checks, new.checks, host: name, port: port) }
            }
        }
        let kindOrder = Dictionary(uniqueKeysWithValues: RunChanges.Kind.allCases.enumerated().map { ($1, $0) })
        hosts.sort { (kindOrder[$0.kind] ?? 0, $0.name) < (kindOrder[$1.kind] ?? 0, $1.name) }
        instances.sort {
            (kindOrder[$0.kind] ?? 0, $0.host, $0.port) < (kindOrder[$1.kind] ?? 0, $1.host, $1.port)
        }
        // Target checks first (empty host sorts first), then by host, port and check id.
        checks.sort { ($0.host ?? "", $0.port ?? 0, $0.id) < ($1.host ?? "", $1.port ?? 0, $1.id) }
        return RunChanges(
            previousRunID: before.runID, previousStartedAt: before.collectionStartedAt, runID: after.runID,
            hosts: hosts, instances: instances, checks: checks)
    }

    /// Checks whose status differs, or that ran in only one of the two lists.
    private static func compare(_ before: [CheckResult], _ after: [CheckResult], host: String?, port: Int?)
        -> [RunChanges.Check]
    {
        let earlier = Dictionary(before.map { ($0.id.rawValue, $0) }, uniquingKeysWith: { first, _ in first })
        let later = Dictionary(after.map { ($0.id.rawValue, $0) }, uniquingKeysWith: { first, _ in first })
        return Set(earlier.keys).union(later.keys).compactMap { id -> RunChanges.Check? in
            let old = earlier[id]
            let new = later[id]
            guard old?.status != new?.status, let any = new ?? old else { return nil }
            return RunChanges.Check(
                host: host, port: port, id: id, title: any.title, severity: any.severity, before: old?.status,
                after: new?.status, evidenceBefore: old?.evidence ?? [], evidenceAfter: new?.evidence ?? [])
        }
    }
}
