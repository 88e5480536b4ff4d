/// Why the engine cannot start a run at all (as opposed to one host failing, which is a result).
public struct EngineError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The process may not open enough files for the requested concurrency.
        case fileLimit
        case invalidConfiguration
    }

    public var code: Code
    public var message: String

    public var description: String { message }
}
