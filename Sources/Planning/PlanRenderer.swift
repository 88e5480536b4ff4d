import Reports

/// One plan format. Renderers read the plan only; they never reach back into the verdict, snapshots or rules.
public protocol PlanRenderer: Sendable {
    /// Short name used by `--format` (the same names as the report formats).
    var identifier: String { get }
    var fileName: String { get }
    func render(_ plan: MigrationPlan) -> String
}

/// Every plan format, in the order `--format all` writes them.
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
        try ReportWriter.write(files: formats.map { ($0.fileName, $0.render(plan)) }, to: directory)
    }
}
