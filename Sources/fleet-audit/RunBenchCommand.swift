import ArgumentParser
import Collector
import Foundation

/// Developer command behind bench/report-bench.sh: writes a synthetic stored run of N hosts (a reports root with
/// one or more runs) from captured collector outputs, and prints the CPU that building and storing the snapshots
/// took. Hidden from help; it never contacts a host.
struct RunBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synthesize-run",
        abstract: "Write a synthetic stored run from captured collector outputs (benchmark; bench/report-bench.sh).",
        shouldDisplay: false
    )

    @Option(help: "Directory of captures: NAME.out (the collector's stdout) and one `token` file (its framing token).")
    var captures = ""

    @Flag(help: "Print what collect sends the collector (arguments after MARKER, then the lookup line) and exit.")
    var printCollectorInvocation = false

    @Option(help: "Hosts in the run.")
    var hosts = 1_000

    @Option(help: "Runs to write, a week apart (the later ones have history to compare with).")
    var runs = 1

    @Option(help: "Seed of the varied values (the same seed gives the same runs).")
    var seed: UInt64 = 1

    @Option(help: "Reports root to write the runs into (DIR/runs/<id>).")
    var out = ""

    func validate() throws {
        guard hosts >= 1, runs >= 1 else { throw ValidationError("--hosts and --runs must be >= 1") }
        guard printCollectorInvocation || (!captures.isEmpty && !out.isEmpty) else {
            throw ValidationError("--captures and --out are required")
        }
    }

    func run() throws {
        if printCollectorInvocation {
            let invocation = try SyntheticRun.collectorInvocation()
            print(invocation.arguments.joined(separator: " "))
            print(invocation.lookupLine)
            return
        }
        let token = try String(contentsOfFile: captures + "/token", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let names = try FileManager.default.contentsOfDirectory(atPath: captures).filter { $0.hasSuffix(".out") }
            .sorted()
        guard !names.isEmpty else { throw ValidationError("no *.out captures in \(captures)") }
        let loaded = try names.map { name in
            SyntheticRun.Capture(
                name: name, stdout: try Data(contentsOf: URL(fileURLWithPath: captures + "/" + name)), token: token)
        }
        let synthetic = SyntheticRun(captures: loaded, hostCount: hosts, seed: seed)
        // Fixed dates: the same seed gives the same run ids.
        let first = Date(timeIntervalSince1970: 1_790_000_000)
        for generation in 0..<runs {
            let (directory, cost) = try synthetic.write(
                root: out, startedAt: first.addingTimeInterval(Double(generation) * 7 * 86_400),
                generation: generation)
            print(
                "run=\(directory) hosts=\(cost.hosts) "
                    + String(
                        format: "build_cpu_ms_per_host=%.3f store_cpu_ms_per_host=%.3f",
                        cost.buildSeconds * 1000 / Double(cost.hosts), cost.storeSeconds * 1000 / Double(cost.hosts)))
        }
    }
}
