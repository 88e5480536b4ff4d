import FleetCore
import RedisFacts

extension CheckID {
    /// Memory headroom for the RDB fork.
    public static let sourceMemoryHeadroom: CheckID = "source.memory-headroom"
}

/// source.memory-headroom: room for copy-on-write while the RDB is forked.
struct SourceMemoryHeadroomRule: InstanceRule {
    let id = CheckID.sourceMemoryHeadroom
    let title = "Memory headroom for the RDB fork"
    let severity = Severity.blocker

    func evaluate(_ context: InstanceContext) -> CheckResult {
        guard let rss = context.info.usedMemoryRSS else { return missingCount("used_memory_rss", context) }
        guard let memInfo = context.memInfo, var available = memInfo.available else {
            return result(.unknown, "/proc/meminfo was not readable.", [context.infoEvidence("used_memory_rss")])
        }
        var evidence = [
            context.infoEvidence("used_memory_rss"),
            Evidence(source: "/proc/meminfo MemAvailable", observed: Format.bytes(available)),
        ]
        if let limit = context.hostFacts.cgroupMemoryLimit, limit < (memInfo.total ?? .max) {
            // A cgroup limit caps what the fork may use, whatever the host has free.
            available = min(available, limit)
            evidence.append(Evidence(source: "cgroup memory limit", observed: Format.bytes(limit)))
        }
        let share = Double(available) / Double(max(rss, 1)) * 100
        let remediation =
            "Free memory on the host (or move the instance) so that available memory is at least used_memory_rss (\(Format.bytes(rss))) before the migration's full sync."
        if available >= rss {
            return result(.pass, "\(Format.bytes(available)) available for a \(Format.bytes(rss)) fork.", evidence)
        }
        if share >= context.target.policy.memoryHeadroomWarnPercent {
            return result(
                .warn, "Available memory covers only \(Format.number(share))% of used_memory_rss.", evidence,
                remediation: remediation)
        }
        return result(
            .fail, "Available memory covers \(Format.number(share))% of used_memory_rss: the fork may fail.", evidence,
            remediation: remediation)
    }
}

extension CheckID {
    /// CPU headroom for the sync.
    public static let sourceCpuHeadroom: CheckID = "source.cpu-headroom"
}

/// source.cpu-headroom: the extra load of the sync needs spare CPU.
struct SourceCPUHeadroomRule: InstanceRule {
    let id = CheckID.sourceCpuHeadroom
    let title = "CPU headroom for the sync"
    let severity = Severity.warning

    func evaluate(_ context: InstanceContext) -> CheckResult {
        guard let load = context.loadAverage, let cores = context.cpuCount, cores > 0 else {
            return result(.unknown, "Load average or CPU count was not readable.")
        }
        let perCore = load.oneMinute / Double(cores)
        let policy = context.target.policy
        let evidence = [
            Evidence(source: "/proc/loadavg", observed: Format.number(load.oneMinute), note: "1-minute load"),
            Evidence(source: "nproc", observed: String(cores)),
        ]
        let remediation = "Schedule the migration when the host is quieter, or move other workloads off it."
        if perCore > policy.loadPerCoreFail {
            return result(
                .fail, "Load per core \(Format.number(perCore)) is above \(Format.number(policy.loadPerCoreFail)).",
                evidence, remediation: remediation)
        }
        if perCore >= policy.loadPerCoreWarn {
            return result(
                .warn,
                "Load per core \(Format.number(perCore)) is at or above \(Format.number(policy.loadPerCoreWarn)).",
                evidence, remediation: remediation)
        }
        return result(.pass, "Load per core \(Format.number(perCore)).", evidence)
    }
}

extension CheckID {
    /// vm.overcommit_memory is 1.
    public static let sourceOvercommit: CheckID = "source.overcommit"
}

/// source.overcommit: without vm.overcommit_memory=1 the fork can fail under memory pressure.
struct SourceOvercommitRule: InstanceRule {
    let id = CheckID.sourceOvercommit
    let title = "vm.overcommit_memory is 1"
    let severity = Severity.warning

    func evaluate(_ context: InstanceContext) -> CheckResult {
        guard let value = context.hostFacts.overcommitMemory else {
            return result(.unknown, "/proc/sys/vm/overcommit_memory was not readable.")
        }
        let evidence = [Evidence(source: "/proc/sys/vm/overcommit_memory", observed: value)]
        return value == "1"
            ? result(.pass, "Overcommit is enabled.", evidence)
            : result(
                .warn, "vm.overcommit_memory is \(value): the RDB fork can fail under memory pressure.", evidence,
                remediation: "sysctl vm.overcommit_memory=1 (and persist it in /etc/sysctl.d/).")
    }
}

extension CheckID {
    /// Transparent huge pages not always.
    public static let sourceThp: CheckID = "source.thp"
}

/// source.thp: transparent huge pages `always` slows the fork and inflates copy-on-write.
struct SourceTransparentHugepagesRule: InstanceRule {
    let id = CheckID.sourceThp
    let title = "Transparent huge pages not always"
    let severity = Severity.warning

    func evaluate(_ context: InstanceContext) -> CheckResult {
        guard let mode = context.hostFacts.transparentHugepages else {
            return result(.unknown, "Transparent huge page mode was not readable.")
        }
        let evidence = [Evidence(source: "/sys/kernel/mm/transparent_hugepage/enabled", observed: "[\(mode)]")]
        return mode == "always"
            ? result(
                .warn, "THP is always: fork latency and copy-on-write grow.", evidence,
                remediation: "echo madvise > /sys/kernel/mm/transparent_hugepage/enabled (and persist it).")
            : result(.pass, "THP is \(mode).", evidence)
    }
}

extension CheckID {
    /// Disk space for a disk-based sync.
    public static let sourceDiskSpace: CheckID = "source.disk-space"
}

/// source.disk-space: disk-based sync writes the RDB into `dir` first.
struct SourceDiskSpaceRule: InstanceRule {
    let id = CheckID.sourceDiskSpace
    let title = "Disk space for a disk-based sync"
    let severity = Severity.warning

    func evaluate(_ context: InstanceContext) -> CheckResult {
        guard let used = context.usedMemory else { return missingCount("used_memory", context) }
        let diskless: (value: String, evidence: Evidence)? = context.setting("repl-diskless-sync")
        // repl-diskless-sync defaults to yes only from Redis 7.0.
        let isDiskless = diskless.map { $0.value == "yes" } ?? (context.info.version.map { $0.major >= 7 } ?? false)
        if isDiskless {
            return result(
                .notApplicable, "Diskless sync: the RDB goes straight to the socket.",
                diskless.map { [$0.evidence] } ?? [])
        }
        guard let free = context.diskFreeBytes else {
            return result(.unknown, "Free space of the RDB directory was not readable.")
        }
        var evidence = [
            context.infoEvidence("used_memory"), Evidence(source: "df -Pk dir", observed: Format.bytes(free)),
        ]
        if let diskless { evidence.append(diskless.evidence) }
        let remediation = "Free space in the RDB `dir`, or CONFIG SET repl-diskless-sync yes (no restart)."
        if free >= used {
            return result(.pass, "\(Format.bytes(free)) free for a \(Format.bytes(used)) RDB.", evidence)
        }
        // free * 2 overflowing Int64 means it is certainly at least used_memory.
        if (free.multipliedChecked(by: 2) ?? .max) >= used {
            return result(
                .warn, "Free space \(Format.bytes(free)) is below used_memory.", evidence, remediation: remediation)
        }
        return result(
            .fail, "Free space \(Format.bytes(free)) is below half of used_memory.", evidence, remediation: remediation)
    }
}
