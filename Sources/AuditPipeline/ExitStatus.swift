/// Every exit status fleet-audit uses, defined here and nowhere else (and listed in `--help`), and the one function
/// that decides which one a command ends with.
public enum ExitStatus {
    /// Everything succeeded (and, for `audit`/`report`, nothing reached the `--fail-on` level).
    public static let success: Int32 = 0
    /// The work ran, but some host failed, or findings reached the `--fail-on` level.
    public static let findings: Int32 = 1
    /// An input file (inventory, target, waivers, stored run) is invalid or missing, or `plan` was given an
    /// incomplete run without `--allow-incomplete`; nothing ran.
    public static let invalidInput: Int32 = 2
    /// The machine running fleet-audit could not do the work (file limits, output not writable, history locked).
    public static let environment: Int32 = 3
    /// The command line itself is wrong: swift-argument-parser's `ExitCode.validationFailure` (EX_USAGE of
    /// sysexits.h), which the parser exits with by itself; named here so that the list is whole.
    public static let usage: Int32 = 64

    /// The status of an outcome: an input problem first (nothing, or not everything, ran because of it), then one of
    /// this machine, then findings at the `--fail-on` level. Commands without `--fail-on` (collect, exec) pass
    /// `.blocked`: a host that failed is `unreachable`, which reaches it.
    public static func of(_ outcome: AuditOutcome, failOn: FailOn) -> Int32 {
        let kinds = Set(outcome.problems.map(\.kind))
        if kinds.contains(.input) { return invalidInput }
        if kinds.contains(.environment) { return environment }
        let found = outcome.problems.compactMap { $0.kind == .findings ? $0.status : nil }
        return failOn.isReached(by: found) ? findings : success
    }

    public static let helpText = """
        Exit status: 0 success; 1 some host failed or findings reached --fail-on; 2 invalid input file \
        or, for plan, an incomplete run (nothing ran); 3 local environment problem; 64 command-line usage error.
        """
}
