import ArgumentParser

@main
struct FleetLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet-lab",
        abstract: "Bring up a fleet of EC2-like Redis hosts in network namespaces, for demos, tests and benchmarks."
    )
}
