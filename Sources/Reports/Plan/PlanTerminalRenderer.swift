import FleetCore
import Planning

/// The terminal summary of a plan: one line per wave with its counts and totals, then what stays behind. Table cells
/// (tag values) are made safe by `TextTable`; check ids and notes (which quote host names) by `OutputText.terminal`.
/// A `PlanRenderer` like the file formats, printed rather than written (no file name).
public struct PlanTerminalRenderer: PlanRenderer {
    public let identifier = "terminal"
    public let fileName: String? = nil
    /// Waves listed one by one; longer plans show the first ones and a total line.
    public var maxWaves: Int
    /// Notes printed; the plan files hold them all.
    public var maxNotes: Int

    public init(maxWaves: Int = 40, maxNotes: Int = 10) {
        self.maxWaves = maxWaves
        self.maxNotes = maxNotes
    }

    public func render(_ plan: MigrationPlan) -> String {
        var rows = [["WAVE", "ORDER", "INSTANCES", "HOSTS", "DATASET", "SYNC", "NOTE"]]
        for wave in plan.waves.prefix(maxWaves) {
            rows.append([
                String(wave.number), wave.orderTagValue ?? "", String(wave.instances.count), String(wave.hostCount),
                PlanText.dataset(wave), PlanText.duration(wave.estimatedSyncSeconds),
                wave.exceededLimits.isEmpty ? "" : "alone: exceeds " + wave.exceededLimits.joined(separator: ", "),
            ])
        }
        // The warning opens and closes the summary, as in the audit's.
        let warning = PlanText.incompleteWarning(plan).map { OutputText.terminal($0) + "\n" } ?? ""
        var text = warning + (plan.waves.isEmpty ? "No wave: nothing is ready.\n" : TextTable.render(rows: rows))
        if plan.waves.count > maxWaves { text += "... \(plan.waves.count - maxWaves) more wave(s)\n" }
        let planned = plan.plannedInstances
        let dataset = plan.waves.map(\.datasetBytes).saturatingSum()
        text +=
            "\(plan.waves.count) wave(s), \(planned.count) instance(s), \(ByteCount.format(dataset)); not ready: "
            + [ReadinessStatus.review, .blocked, .unreachable].map { status in
                "\(plan.notReady.filter { $0.status == status }.count) \(status.rawValue)"
            }.joined(separator: ", ") + "\n"
        for item in plan.backlog.prefix(3) {
            text +=
                "fix \(OutputText.terminal(item.checkID)): unblocks \(item.unblocksInstances) instance(s) alone, blocks \(item.instances)\n"
        }
        for note in plan.notes.prefix(maxNotes) {
            text += "note (\(note.kind.rawValue)): \(OutputText.terminal(note.message).prefix(200))\n"
        }
        if plan.notes.count > maxNotes { text += "... \(plan.notes.count - maxNotes) more note(s) in plan.md\n" }
        return text + warning
    }
}
