/// A plan constraint that cannot be used, with the option it came from and what to write instead.
public struct PlanConstraintError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The command-line option, e.g. `--max-gib-per-wave`.
    public var option: String
    public var message: String

    public init(option: String, message: String) {
        self.option = option
        self.message = message
    }

    public var description: String { "\(option): \(message)" }
}
