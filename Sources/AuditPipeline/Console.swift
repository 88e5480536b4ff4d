import FleetCore
import Foundation
import Reports

/// Where the pipeline says what it does while it runs: the summary and file lists on standard output, problems on
/// standard error as they are met (a long audit shows a history failure before the reports, as before).
public struct Console: Sendable {
    /// Writes `text` as given (the caller ends its lines).
    public var output: @Sendable (String) -> Void
    /// Writes one problem line (the caller gives it without a newline).
    public var error: @Sendable (String) -> Void

    public init(output: @escaping @Sendable (String) -> Void, error: @escaping @Sendable (String) -> Void) {
        self.output = output
        self.error = error
    }

    /// The process's standard output (through `print`, so it stays in order with the CLI's own prints) and standard
    /// error, each line of it through `OutputText.terminal`: messages quote host names and remote errors.
    public static let standard = Console(
        output: { print($0, terminator: "") },
        error: { message in
            let safe = OutputText.terminalLines(message).joined(separator: "\n")
            StandardStream.error.write(safe + "\n")
        })

    /// Reports a problem the way the CLI always has: `fleet-audit: ` and its message.
    public func report(_ problem: AuditProblem) { error("fleet-audit: \(problem.message)") }
}
