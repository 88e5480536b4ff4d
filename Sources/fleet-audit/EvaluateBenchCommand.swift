import ArgumentParser
import AuditPipeline
import Foundation
import Readiness

/// Developer command: evaluates a stored run against one target several times and prints the CPU the evaluation
/// alone took per host (loading, reports and history left out), so a change to the parsers or rules can be measured
/// without the rest of `report --run` and its noise. Hidden from help; it writes nothing.
struct EvaluateBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate-bench",
        abstract: "Time the evaluation of a stored run (benchmark; see docs/benchmarks.md).",
        shouldDisplay: false
    )

    @Option(name: .customLong("run"), help: "The run directory (DIR/runs/<id>).")
    var runDirectory = ""

    @Option(help: "The target file.")
    var target = ""

    @Option(help: "Times to evaluate; the minimum and median are reported.")
    var repeats = 5

    func validate() throws {
        guard !runDirectory.isEmpty, !target.isEmpty else { throw ValidationError("--run and --target are required") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be >= 1") }
    }

    func run() throws {
        let stored = try AuditPipeline.loadRun(runDirectory)
        let evaluator = Evaluator(target: try Target.load(path: target))
        var timings: [Double] = []
        var instances = 0
        for _ in 0..<repeats {
            let start = Self.threadCPUSeconds()
            let verdict = evaluator.evaluate(run: stored)
            timings.append(Self.threadCPUSeconds() - start)
            instances = verdict.hosts.reduce(0) { $0 + $1.instances.count }
        }
        timings.sort()
        let hosts = max(stored.snapshots.count, 1)
        print(
            "hosts=\(stored.snapshots.count) instances=\(instances) repeats=\(repeats) "
                + String(
                    format: "evaluate_cpu_ms_per_host_min=%.3f evaluate_cpu_ms_per_host_median=%.3f",
                    timings[0] * 1000 / Double(hosts), timings[timings.count / 2] * 1000 / Double(hosts)))
    }

    /// CPU time of the calling thread: the evaluation runs on it alone, and other processes' load does not count.
    private static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
