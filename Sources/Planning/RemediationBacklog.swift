/// The fixes that would move not-ready instances into a wave, grouped by check id across the fleet.
///
/// Order (largest impact first): instances the fix alone unblocks, then instances it concerns, then hosts, then
/// the check id. An instance counts as unblocked by a fix alone when that check is its only blocker.
public enum RemediationBacklog {
    public static func items(for notReady: [NotReadyInstance]) -> [BacklogItem] {
        let blocked = notReady.filter { !$0.blockingChecks.isEmpty }
        let notReadyPerHost = Dictionary(grouping: blocked, by: \.host).mapValues(\.count)
        var items: [String: BacklogItem] = [:]
        var hosts: [String: Set<String>] = [:]
        var remediations: [String: Set<String>] = [:]
        var unblockedPerHost: [String: [String: Int]] = [:]
        for entry in blocked {
            let onlyBlocker = Set(entry.blockingChecks.map(\.id)).count == 1
            for check in entry.blockingChecks {
                if items[check.id] == nil {
                    items[check.id] = BacklogItem(
                        checkID: check.id, title: check.title, scope: check.scope, instances: 0, hosts: 0,
                        unblocksInstances: 0, unblocksHosts: 0, failing: 0, unknown: 0, remediations: [],
                        affected: [])
                }
                // Mutated in place: copying the item out and back would copy `affected` every time.
                items[check.id]?.instances += 1
                if check.status == .unknown { items[check.id]?.unknown += 1 } else { items[check.id]?.failing += 1 }
                if onlyBlocker {
                    items[check.id]?.unblocksInstances += 1
                    unblockedPerHost[check.id, default: [:]][entry.host, default: 0] += 1
                }
                items[check.id]?.affected.append(entry.name)
                hosts[check.id, default: []].insert(entry.host)
                remediations[check.id, default: []].insert(check.remediation)
            }
        }
        return items.values.map { item in
            var item = item
            item.hosts = hosts[item.checkID]?.count ?? 0
            item.remediations = (remediations[item.checkID] ?? []).sorted()
            item.unblocksHosts =
                (unblockedPerHost[item.checkID] ?? [:])
                .filter { host, count in notReadyPerHost[host] == count }.count
            return item
        }.sorted { left, right in
            (-left.unblocksInstances, -left.instances, -left.hosts, left.checkID)
                < (-right.unblocksInstances, -right.instances, -right.hosts, right.checkID)
        }
    }
}
