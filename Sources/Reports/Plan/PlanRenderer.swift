import Planning

/// One plan format: the plan files and the terminal summary. Renderers read the plan only; they never reach back
/// into the verdict, snapshots or rules, and make text safe with their kind's `OutputText` sanitiser.
public protocol PlanRenderer: Sendable {
    /// Short name used by `--format` (the same names as the report formats; `terminal` for the summary).
    var identifier: String { get }
    /// The file it writes beside the reports; nil for the terminal summary, which is printed, not written.
    var fileName: String? { get }
    func render(_ plan: MigrationPlan) -> String
}

/// Every plan file format, in the order `--format all` writes them (the terminal summary is always printed).
public enum PlanRenderers {
    public static let all: [any PlanRenderer] = [
        PlanJSONRenderer(), PlanHTMLRenderer(), PlanMarkdownRenderer(), PlanCSVRenderer(),
    ]

    public static func named(_ identifier: String) -> (any PlanRenderer)? { all.first { $0.identifier == identifier } }
}

/// Writes the chosen plan formats into a run directory, beside its reports. The only file I/O of this module.
public enum PlanWriter {
    public static func write(_ plan: MigrationPlan, formats: [any PlanRenderer], to directory: String) throws
        -> [String]
    {
        try ReportWriter.write(
            files: formats.compactMap { format in format.fileName.map { ($0, format.render(plan)) } }, to: directory)
    }
}
