import ArgumentParser
import FleetCore

@main
struct FleetAudit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet-audit",
        abstract: "Tell which self-managed Redis servers on EC2 are ready to migrate to Amazon ElastiCache.",
        version: FleetAuditVersion.current
    )
}
