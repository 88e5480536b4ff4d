import ArgumentParser
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

            \(ExitCodes.helpText)
            """,
        version: FleetCore.FleetAuditVersion.current,
        subcommands: [
            AuditCommand.self, ReportCommand.self, PlanCommand.self, CollectCommand.self, ExecCommand.self,
            HostsCommand.self, HistoryCommand.self, DiffCommand.self, PlanBenchCommand.self, RunBenchCommand.self,
        ]
    )
}
