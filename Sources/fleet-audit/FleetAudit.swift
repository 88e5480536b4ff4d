import ArgumentParser
import AuditPipeline
import FleetCore

@main
struct FleetAudit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet-audit",
        abstract: "Tell which self-managed Redis servers on EC2 are ready to migrate to Amazon ElastiCache.",
        discussion: """
            Collects redis.conf, INFO, network addressing and resource usage from every host of an inventory over \
            parallel SSH sessions, checks each Redis instance against the target ElastiCache deployment, and ranks \
            hosts by migration readiness. Every audit is kept in a history (what changed since last time), and the \
            ready instances can be planned into migration waves.

            Examples:
              fleet-audit exec --inventory inventory/example.yaml -- uptime
              fleet-audit audit --inventory inventory/example.yaml --target inventory/target.example.yaml
              fleet-audit diff
              fleet-audit plan --target inventory/target.example.yaml --order-by-tag env=dev,staging,prod

            \(ExitStatus.helpText)
            """,
        version: FleetCore.FleetAuditVersion.current,
        subcommands: [
            AuditCommand.self, ReportCommand.self, PlanCommand.self, CollectCommand.self, ExecCommand.self,
            HostsCommand.self, HistoryCommand.self, DiffCommand.self, PlanBenchCommand.self, RunBenchCommand.self,
            EvaluateBenchCommand.self,
        ]
    )

    /// swift-argument-parser's `main`, with the one place that turns how a command ended into the exit status: an
    /// outcome (`CommandEnd`) or a problem that stopped the command (`AuditProblem`, reported here) goes through
    /// `ExitStatus.of(_:failOn:)`; the parser's own errors (usage, `--help`) keep its handling.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let end as CommandEnd {
            exit(withError: ExitCode(ExitStatus.of(end.outcome, failOn: end.failOn)))
        } catch let problem as AuditProblem {
            Console.standard.report(problem)
            exit(withError: ExitCode(ExitStatus.of(AuditOutcome(problems: [problem]), failOn: .never)))
        } catch {
            exit(withError: error)
        }
    }
}

/// How a command that ran ends: its outcome and the `--fail-on` level to judge it by (`.blocked` for commands that
/// have none). Thrown by `run()`, because swift-argument-parser takes the exit status from what `run()` throws.
struct CommandEnd: Error {
    var outcome: AuditOutcome
    var failOn: FailOn

    init(_ outcome: AuditOutcome, failOn: FailOn) {
        self.outcome = outcome
        self.failOn = failOn
    }
}
