/// `--order-by-tag env=dev,staging,prod`: a host tag whose listed values move in that order, earlier first.
public struct TagOrder: Sendable, Hashable {
    /// The tag's key, e.g. `env`.
    public var key: String
    /// The values in the order their waves move; hosts with another value, or without the tag, move after them.
    public var values: [String]

    public init(key: String, values: [String]) {
        self.key = key
        self.values = values
    }

    /// Parses `KEY=V1,V2,...`; every value listed once, none empty.
    public init(parsing text: String) throws(PlanConstraintError) {
        let option = "--order-by-tag"
        guard let equals = text.firstIndex(of: "=") else {
            throw PlanConstraintError(
                option: option, message: "expected KEY=VALUE,VALUE,... (e.g. env=dev,staging,prod)")
        }
        let key = String(text[..<equals]).trimmingSpaces
        let values = text[text.index(after: equals)...].split(separator: ",", omittingEmptySubsequences: false)
            .map { String($0).trimmingSpaces }
        guard !key.isEmpty else {
            throw PlanConstraintError(option: option, message: "the tag key is empty in '\(text)'")
        }
        guard !values.contains(where: \.isEmpty) else {
            throw PlanConstraintError(option: option, message: "an empty value in '\(text)'")
        }
        if let repeated = values.first(where: { value in values.filter { $0 == value }.count > 1 }) {
            throw PlanConstraintError(option: option, message: "value '\(repeated)' is listed twice")
        }
        self.init(key: key, values: values)
    }

    /// The position of a host's tag value in the order; `values.count` (last) when the tag is missing or unlisted.
    public func position(of tags: [String: String]) -> Int {
        tags[key].flatMap { values.firstIndex(of: $0) } ?? values.count
    }

    /// The listed value at `position`, or nil for the missing-or-unlisted position.
    public func value(at position: Int) -> String? { position < values.count ? values[position] : nil }

    /// `env=dev,staging,prod`, as given on the command line.
    public var description: String { key + "=" + values.joined(separator: ",") }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
