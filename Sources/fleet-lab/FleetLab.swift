import ArgumentParser
import Foundation
import LabKit

@main
struct FleetLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet-lab",
        abstract: "Bring up a fleet of EC2-like Redis hosts in network namespaces, for demos, tests and benchmarks.",
        discussion: """
            Each host gets its own network, PID, mount and UTS namespaces on a private bridge (no route out of the \
            machine), its own sshd, redis-server instances, resource view and EC2 instance metadata. Needs root.

            Examples:
              fleet-lab up inventory/lab/demo.yaml --out lab-out/demo
              fleet-audit audit -i lab-out/demo/inventory.yaml -t inventory/lab/demo-target.yaml
              fleet-lab down
            """,
        subcommands: [Up.self, Down.self, Status.self, ServeMetadata.self, Relay.self]
    )

    struct PrefixOption: ParsableArguments {
        @Option(help: "Name prefix of every namespace, link and bridge of this lab (2-6 lowercase letters/digits).")
        var prefix = "fa"

        func validate() throws {
            do { try Lab.validate(prefix: prefix) } catch { throw ValidationError(error.description) }
        }

        /// The lab runs this very executable inside each host (to serve instance metadata).
        var lab: Lab {
            let executable =
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                ?? CommandLine.arguments[0]
            return Lab(prefix: prefix, executable: executable)
        }
    }

    struct Up: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bring a scenario's hosts up and write the auditor's inventory.")

        @Argument(
            help:
                """
                A scenario file (inventory/lab/*.yaml), scale-N for N plain hosts, hostile-flood-N for N flooding \
                ones, hostile-hold-N for N that print just under the output cap and then hold the session.
                """
        )
        var scenario: String

        @Option(help: "Where inventory.yaml, known_hosts, id_ed25519 and the hosts' files go.")
        var out = "lab-out/lab"

        @Option(help: "The hosts' subnet inside 10.0.0.0/8 (default: the scenario's).")
        var subnet: String?

        @Flag(
            help: """
                One sshd and redis-server per host on its own 127.x address instead of network namespaces (also \
                chosen, with a note, when namespaces cannot be made here). Prints what it cannot emulate.
                """)
        var loopback = false

        @OptionGroup var prefix: PrefixOption

        func run() throws {
            let loaded: Scenario
            if scenario.hasPrefix("scale-"), let count = Int(scenario.dropFirst("scale-".count)) {
                loaded = Scenario.scale(count)
            } else if scenario.hasPrefix("hostile-flood-"), let count = Int(scenario.dropFirst("hostile-flood-".count))
            {
                loaded = Scenario.hostileFlood(count)
            } else if scenario.hasPrefix("hostile-hold-"), let count = Int(scenario.dropFirst("hostile-hold-".count)) {
                loaded = Scenario.hostileFlood(count, mode: .hold)
            } else {
                do { loaded = try Scenario.load(path: scenario) } catch {
                    FileHandle.standardError.write(Data("fleet-lab: \(error)\n".utf8))
                    throw ExitCode(2)
                }
            }
            let lab = prefix.lab
            do {
                let result = try lab.up(loaded, out: out, subnet: subnet, loopback: loopback)
                if let reason = result.loopbackReason {
                    print("loopback mode (\(reason)); it cannot emulate:")
                    for limitation in Lab.loopbackLimitations { print("  - \(limitation)") }
                }
                print(
                    "\(loaded.hosts.count) hosts of \(loaded.name) up (prefix \(prefix.prefix)); inventory: \(out)/inventory.yaml"
                )
                for problem in result.problems { print("warning: \(problem)") }
            } catch {
                FileHandle.standardError.write(Data("fleet-lab: \(error)\n".utf8))
                try? lab.down()
                throw ExitCode(3)
            }
        }
    }

    struct Down: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove every namespace, link and process of the lab.")
        @OptionGroup var prefix: PrefixOption

        func run() throws {
            try prefix.lab.down()
            print("lab \(prefix.prefix) is down")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the lab's hosts and what runs in each.")
        @OptionGroup var prefix: PrefixOption

        func run() throws {
            let lines = try prefix.lab.status()
            if lines.isEmpty { print("lab \(prefix.prefix): no hosts") }
            lines.forEach { print($0) }
        }
    }

    struct ServeMetadata: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve-metadata", abstract: "Serve EC2 instance metadata (IMDSv2) inside a lab host.",
            shouldDisplay: false)

        @Option var address = "169.254.169.254"
        @Option var port = 80
        @Option var file: String

        func run() throws {
            try MetadataServer(file: file).serve(address: address, port: port)
        }
    }

    struct Relay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Relay TCP to a lab host's sshd, delaying what it sends (latency without netem).",
            shouldDisplay: false)

        @Option(help: "Where clients connect (IPv4ADDRESS:PORT).") var listen: String
        @Option(help: "sshd's private address (IPv4ADDRESS:PORT).") var to: String
        @Option(help: "Milliseconds added to every round trip.") var delayMs: Int

        func run() throws {
            guard (0...60_000).contains(delayMs) else { throw ValidationError("--delay-ms is 0 to 60000") }
            try DelayRelay(listen: listen, target: to, delayMilliseconds: delayMs).serve()
        }
    }
}
