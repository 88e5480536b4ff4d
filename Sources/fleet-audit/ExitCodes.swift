import ArgumentParser
import Collector

/// Every exit status fleet-audit uses, defined here and nowhere else (and listed in `--help`).
enum ExitCodes {
    /// Everything succeeded (and, for `audit`/`report`, nothing reached the `--fail-on` level).
    static let success: Int32 = 0
    /// The work ran, but some host failed, or findings reached the `--fail-on` level.
    static let findings: Int32 = 1
    /// An input file (inventory, target, waivers, stored run) is invalid or missing, or `plan` was given an
    /// incomplete run without `--allow-incomplete`; nothing ran.
    static let invalidInput: Int32 = 2
    /// The machine running fleet-audit could not do the work (file limits, output not writable, history locked).
    static let environment: Int32 = 3
    /// The command line itself is wrong (swift-argument-parser's EX_USAGE).
    static let usage: Int32 = ExitCode.validationFailure.rawValue

    /// The status of a collection that could not start: its input, or this machine (the run directory).
    static func status(of error: any Error) -> Int32 {
        (error as? Collector.CollectionError)?.kind == .environment ? environment : invalidInput
    }

    static let helpText = """
        Exit status: 0 success; 1 some host failed or findings reached --fail-on; 2 invalid input file \
        or, for plan, an incomplete run (nothing ran); 3 local environment problem; 64 command-line usage error.
        """
}
