import FleetCore

/// One readiness check on one instance: an id from checks.md, a severity, and a pure evaluation.
/// Adding a check means adding one rule (and its test); `RuleCatalogue` lists them by profile.
public protocol InstanceRule: Sendable {
    var id: CheckID { get }
    var title: String { get }
    var severity: Severity { get }
    func evaluate(_ context: InstanceContext) -> CheckResult
}

/// A check on the target deployment alone, evaluated once per run.
public protocol TargetRule: Sendable {
    var id: CheckID { get }
    var title: String { get }
    var severity: Severity { get }
    func evaluate(_ target: Target) -> CheckResult
}

extension InstanceRule {
    func result(
        _ status: CheckStatus, _ summary: String, _ evidence: [Evidence] = [], remediation: String? = nil
    ) -> CheckResult {
        CheckResult(
            id: id, title: title, severity: severity, status: status, summary: summary, evidence: evidence,
            remediation: status == .pass || status == .notApplicable ? nil : remediation)
    }

    /// `unknown`, never a pass, when the instance did not answer.
    func silent(_ context: InstanceContext) -> CheckResult {
        result(
            .unknown, "Cannot tell: \(context.silenceReason).", [],
            remediation:
                "Make the instance answer INFO to the auditor (is it running? is its password referenced in the inventory?)."
        )
    }

    /// For a rule that needs the count `field` from INFO: `unknown` naming the value when the instance reported
    /// it out of range (negative, beyond Int64), else `silent` (the instance did not answer, or lacks the field).
    func missingCount(_ field: String, _ context: InstanceContext) -> CheckResult {
        guard let problem = context.info.unusableCount(field) else { return silent(context) }
        return result(
            .unknown, "Cannot tell: \(problem).", [context.infoEvidence(field)],
            remediation: "Check what the instance reports in INFO: a real Redis server never reports this value.")
    }

    /// `unknown` for a setting no layer could tell (CONFIG GET unavailable and the command line or a config file
    /// unreadable), saying which layer hid it; `silent` when the instance did not answer at all.
    func hiddenSetting(_ name: String, _ context: InstanceContext, _ evidence: [Evidence] = []) -> CheckResult {
        guard context.answered else { return silent(context) }
        return result(
            .unknown, "Cannot tell \(name): \(context.settingGap(name)).", evidence,
            remediation:
                "Let the audit user read the running value (ACL: +config|get for it), or make the server's config files and command line readable to the audit (become: sudo, docs/collector.md#privilege)."
        )
    }

    /// `unknown` when arithmetic on the instance's numbers (a sum, a product, a conversion) leaves the range this
    /// check can compute in: the numbers are evidence, but no verdict follows from them.
    func outOfRange(_ what: String, _ evidence: [Evidence]) -> CheckResult {
        result(
            .unknown, "Cannot tell: \(what) is out of range.", evidence,
            remediation: "Check the values in the evidence on the host: a real server does not report them.")
    }
}

extension TargetRule {
    func result(_ status: CheckStatus, _ summary: String, _ evidence: [Evidence], remediation: String? = nil)
        -> CheckResult
    {
        CheckResult(
            id: id, title: title, severity: severity, status: status, summary: summary, evidence: evidence,
            remediation: status == .pass ? nil : remediation)
    }
}

/// The rules of each requirement profile.
public enum RuleCatalogue {
    public static func targetRules(for profile: RequirementProfile) -> [any TargetRule] {
        var rules: [any TargetRule] = [
            TargetClusterModeRule(), TargetEngineVersionRule(), TargetEncryptionRule(), TargetMultiAZRule(),
            TargetServerlessReadyRule(),
        ]
        if profile == .awsCurrent { rules.append(TargetCurrentRestrictionsRule()) }
        return rules
    }

    /// Every check id a rule declares, in any profile.
    public static let knownIDs: Set<CheckID> = Set(
        RequirementProfile.allCases.flatMap { profile in
            targetRules(for: profile).map(\.id) + instanceRules(for: profile).map(\.id)
        })

    public static func instanceRules(for profile: RequirementProfile) -> [any InstanceRule] {
        [
            TargetCapacityRule(), TargetDatabasesRule(), TargetVersionOrderRule(),
            SourceVersionRule(), SourceClusterModeRule(), SourceAuthRule(), SourceProtectedModeRule(), SourceBindRule(),
            SourceRenamedCommandsRule(), SourceMemoryHeadroomRule(), SourceCPUHeadroomRule(), SourceTLSOnlyRule(),
            SourceModulesRule(), SourceBgsaveRule(), SourceOvercommitRule(), SourceTransparentHugepagesRule(),
            SourceOutputBufferRule(), SourceReplTimeoutRule(), SourceDiskSpaceRule(), SourceRoleRule(),
            SourceMaxclientsRule(), SourceRestrictedCommandsRule(), SourceSentinelRule(), SourceReplBacklogRule(),
            SourceConfigDriftRule(), SourceFullSyncRule(), SourceBigKeysRule(),
            NetworkPrivateIPRule(), NetworkVPCRule(), NetworkSecurityGroupRule(),
            InfoDatasetRule(), InfoClientsRule(),
        ]
    }
}
