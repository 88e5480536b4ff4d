import ArgumentParser
import AuditPipeline
import FleetCore
import Foundation
import Planning
import Readiness
import Reports

/// The limits and ordering of a plan, shared by `plan` and the hidden `plan-bench`.
struct PlanConstraintOptions: ParsableArguments {
    @Option(help: ArgumentHelp("At most this many instances in a wave.", valueName: "n"))
    var maxInstancesPerWave: Int?

    @Option(help: ArgumentHelp("At most this much dataset (used_memory, GiB) in a wave.", valueName: "gib"))
    var maxGibPerWave: Double?

    @Option(
        help: ArgumentHelp(
            "At most this many minutes of summed full-sync estimates (dataset at the target policy's bandwidth_gbps) "
                + "in a wave.", valueName: "minutes"))
    var maxSyncMinutesPerWave: Double?

    @Option(
        help: ArgumentHelp(
            "Move hosts by this tag's values, earlier first; other values and untagged hosts go last.",
            valueName: "key=v1,v2,..."))
    var orderByTag: String?

    @Option(
        help: ArgumentHelp(
            "Move instances sharing this tag's value in the same wave when the limits allow.", valueName: "key"))
    var keepTogether: String?

    func validate() throws { _ = try constraints() }

    /// The constraints, in bytes and seconds; an impossible value is a usage error naming the option.
    func constraints() throws -> PlanConstraints {
        do {
            return try PlanConstraints.fromCommandLine(
                maxInstancesPerWave: maxInstancesPerWave, maxGiBPerWave: maxGibPerWave,
                maxSyncMinutesPerWave: maxSyncMinutesPerWave, orderByTag: orderByTag, keepTogether: keepTogether)
        } catch {
            throw ValidationError(error.description)
        }
    }
}

/// Turn the ready and warnings instances of a stored run into migration waves, offline.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Plan migration waves from a stored run, with the not-ready list and the remediation backlog.",
        discussion: """
            Evaluates the run against the target (and waivers), packs the ready and warnings instances into waves \
            under the limits given, lists blocked, review and unreachable ones apart with their fixes, and groups \
            those fixes by check across the fleet. Writes plan.json, plan.html, plan.md and plan.csv into the \
            run's directory, beside its reports. docs/planning.md describes the algorithm and plan.json. A run \
            that did not finish (killed or failed mid-collection) is refused (exit 2) unless --allow-incomplete is \
            given; the plan then says which hosts it is missing.

            Examples:
              fleet-audit plan -t target.yaml --max-instances-per-wave 10
              fleet-audit plan -t target.yaml --max-gib-per-wave 50 --max-sync-minutes-per-wave 30
              fleet-audit plan -t target.yaml --order-by-tag env=dev,staging,prod --keep-together app
              fleet-audit plan -t target.yaml --run reports/runs/20261125T031500Z --format json,md
              fleet-audit plan -t target.yaml --allow-incomplete

            \(ExitStatus.helpText)
            """
    )

    @Option(
        name: .customLong("run"),
        help: ArgumentHelp("A run directory (DIR/runs/<time>); default: DIR/latest of --out.", valueName: "dir"))
    var runDirectory: String?

    @OptionGroup var output: OutputOptions
    @OptionGroup var targetOptions: TargetOptions
    @OptionGroup var limits: PlanConstraintOptions

    @Option(help: ArgumentHelp("Plan files to write: all, or a comma list of json, html, md, csv.", valueName: "list"))
    var format = "all"

    @Flag(
        help: ArgumentHelp(
            "Plan a run that did not finish (killed or failed mid-collection); every plan output then says which "
                + "hosts it is missing."))
    var allowIncomplete = false

    func validate() throws { _ = try formatNames(format, known: PlanRenderers.all.map(\.identifier)) }

    func run() throws {
        let constraints = try limits.constraints()
        let (target, waivers) = try targetOptions.loadOne()
        let stored = try AuditPipeline.loadRun(runDirectory ?? output.out + "/latest")
        // A plan of part of the fleet looks like a plan of all of it: refused unless asked for (`latest` points at
        // a run being collected, or killed, as much as at a finished one).
        if let warning = stored.completeness.warning, !allowIncomplete {
            throw AuditProblem.input(
                "\(stored.directory): \(warning)\nfleet-audit: not planning an incomplete run; "
                    + "collect again, or pass --allow-incomplete to plan the hosts it has.")
        }
        let now = Date()
        let verdict = Evaluator(target: target, waivers: waivers, now: now).evaluate(run: stored)
        let plan = WavePlanner(constraints: constraints).plan(verdict, generatedAt: now)
        let renderers = try formatNames(format, known: PlanRenderers.all.map(\.identifier))
            .compactMap(PlanRenderers.named)
        let written: [String]
        do {
            written = try PlanWriter.write(plan, formats: renderers, to: stored.directory)
        } catch {
            throw AuditProblem.environment(
                "cannot write the plan into \(stored.directory): \(error.localizedDescription)")
        }
        print(PlanTerminalRenderer().render(plan), terminator: "")
        if plan.hostKeysUnverified { print("WARNING: host keys were NOT verified for some hosts") }
        print("Plan: " + written.joined(separator: ", "))
    }
}
