import ArgumentParser
import Foundation
import Planning

/// Developer command behind bench/plan-bench.sh: plans a generated fleet and prints how long planning took.
/// Hidden from help; it reads and writes nothing.
struct PlanBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan-bench",
        abstract: "Time the wave planner on a generated fleet (benchmark; see bench/plan-bench.sh).",
        shouldDisplay: false
    )

    @Option(help: "Instances in the generated fleet.")
    var instances = 10_000

    @Option(help: "Seed of the generated fleet (the same seed gives the same fleet).")
    var seed: UInt64 = 1

    @Option(help: "Times to plan; the minimum and median are reported.")
    var repeats = 5

    @OptionGroup var limits: PlanConstraintOptions

    func validate() throws {
        guard instances >= 1, repeats >= 1 else { throw ValidationError("--instances and --repeats must be >= 1") }
    }

    func run() throws {
        let constraints = try limits.constraints()
        let verdict = SyntheticFleet(instanceCount: instances, seed: seed).verdict()
        let planner = WavePlanner(constraints: constraints)
        var timings: [Double] = []
        var plan: MigrationPlan?
        for _ in 0..<repeats {
            let clock = ContinuousClock()
            let start = clock.now
            plan = planner.plan(verdict, generatedAt: Date())
            let elapsed = clock.now - start
            timings.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        }
        timings.sort()
        let planned = plan?.plannedInstances.count ?? 0
        print(
            "instances=\(instances) seed=\(seed) planned=\(planned) waves=\(plan?.waves.count ?? 0) "
                + "not_ready=\(plan?.notReady.count ?? 0) notes=\(plan?.notes.count ?? 0) "
                + String(format: "plan_ms_min=%.1f plan_ms_median=%.1f", timings[0], timings[timings.count / 2]))
    }
}
