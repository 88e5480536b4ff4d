import Foundation
import Yams

/// A problem in a YAML input file (inventory, target, waivers, lab scenario), located by file, line and field.
public struct YAMLFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    /// 1-based line, when known.
    public var line: Int?
    /// Dotted path of the offending field, e.g. `hosts[2].port`.
    public var field: String?
    public var message: String

    public init(file: String, line: Int?, field: String?, message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let field { return "\(location): \(field): \(message)" }
        return "\(location): \(message)"
    }
}

/// Walks a YAML document node by node, so that every error names the file, the line and the field.
///
/// Decoding through `Codable` loses line numbers; the loaders of this project read nodes instead.
public struct YAMLNode {
    public let node: Node
    /// Dotted path from the document root, used in errors.
    public let path: String
    public let file: String

    /// Parses `text`; a syntax error becomes a `YAMLFileError` with the line libyaml reported.
    public static func parse(_ text: String, file: String) throws(YAMLFileError) -> YAMLNode {
        do {
            guard let root = try composeUnresolved(text) else {
                throw YAMLFileError(file: file, line: 1, field: nil, message: "the file is empty")
            }
            return YAMLNode(node: root, path: "", file: file)
        } catch let error as YAMLFileError {
            throw error
        } catch YamlError.duplicatedKeysInMapping(let duplicates, let context) {
            // Yams rejects a key repeated with the same tag (`{a: 1, a: 2}`), at the first occurrence's line;
            // `mappingEntries` catches the rest (`{1: a, "1": b}`), which Yams sees as different keys.
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            throw YAMLFileError(
                file: file, line: context.mark.line, field: nil,
                message: "\(names) appears twice in one mapping (first at this line); give each key once")
        } catch let error as YamlError {
            throw YAMLFileError(file: file, line: Self.line(of: error), field: nil, message: "not valid YAML: \(error)")
        } catch {
            throw YAMLFileError(file: file, line: nil, field: nil, message: "not valid YAML: \(error)")
        }
    }

    /// The document's nodes, without resolving plain scalars' tags. The readers here never look at a tag (every
    /// scalar is read as its text), but Yams' check for repeated keys hashes each key with its resolved tag, and the
    /// default resolver tries up to seven regular expressions per key: half of a 500-host inventory's load. Without
    /// resolving, every key is a plain string, so only a file with two keys of the same text in one mapping can fail
    /// that check; such a file is parsed again as before, so the errors it gets (Yams' for `{a: 1, a: 2}`, ours for
    /// `{1: a, "1": b}`) do not change.
    private static func composeUnresolved(_ text: String) throws -> Node? {
        do {
            return try Yams.compose(yaml: text, .basic)
        } catch YamlError.duplicatedKeysInMapping {
            return try Yams.compose(yaml: text)
        }
    }

    /// Reads and parses a file; an unreadable file is a `YAMLFileError` too.
    public static func load(path: String) throws(YAMLFileError) -> YAMLNode {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw YAMLFileError(
                file: path, line: nil, field: nil, message: "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(text, file: path)
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return nil
        }
    }

    public var line: Int? { node.mark?.line }

    /// An error located at this node.
    public func error(_ message: String) -> YAMLFileError {
        YAMLFileError(file: file, line: line, field: path.isEmpty ? nil : path, message: message)
    }

    private func child(_ node: Node, _ component: String) -> YAMLNode {
        let childPath = component.hasPrefix("[") || path.isEmpty ? path + component : path + "." + component
        return YAMLNode(node: node, path: childPath, file: file)
    }

    // MARK: Mappings

    /// The entries of a mapping, in file order, each key once. Fails when the node is not a mapping, or when a key
    /// appears twice: libyaml keeps both (`{a: 1, a: 2}`, or `{1: a, "1": b}` whose keys are both the string
    /// "1"), and which one a reader honours would otherwise be a silent guess (Ansible warns and keeps the last).
    public func mappingEntries() throws(YAMLFileError) -> [(key: String, value: YAMLNode)] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping (key: value)") }
        var entries: [(key: String, value: YAMLNode)] = []
        var lineOfKey: [String: Int?] = [:]
        for (keyNode, valueNode) in mapping {
            let keyAt = YAMLNode(node: keyNode, path: path, file: file)
            guard let key = keyNode.string else { throw keyAt.error("keys must be plain strings") }
            let value = child(valueNode, key)
            if let firstLine = lineOfKey[key] {
                let first = firstLine.map { " (first at line \($0))" } ?? ""
                throw YAMLNode(node: keyNode, path: value.path, file: file).error("'\(key)' appears twice\(first)")
            }
            lineOfKey[key] = keyAt.line
            entries.append((key, value))
        }
        return entries
    }

    /// A mapping whose keys must all be in `allowed`: a misspelt key is an error, not silently ignored.
    /// Errors about a key point at the key's own line.
    public func mapping(allowedKeys allowed: Set<String>) throws(YAMLFileError) -> [String: YAMLNode] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping (key: value)") }
        var result: [String: YAMLNode] = [:]
        for (keyNode, valueNode) in mapping {
            let keyAt = YAMLNode(node: keyNode, path: path, file: file)
            guard let key = keyNode.string else { throw keyAt.error("keys must be plain strings") }
            let value = child(valueNode, key)
            let located = YAMLNode(node: keyNode, path: value.path, file: file)
            guard allowed.contains(key) else {
                throw located.error(
                    "unknown key '\(key)' (expected one of: \(allowed.sorted().joined(separator: ", ")))")
            }
            if result[key] != nil { throw located.error("'\(key)' appears twice") }
            result[key] = value
        }
        return result
    }

    // MARK: Sequences

    public func sequence() throws(YAMLFileError) -> [YAMLNode] {
        guard case .sequence(let sequence) = node else { throw error("expected a list") }
        return sequence.enumerated().map { child($0.element, "[\($0.offset)]") }
    }

    // MARK: Scalars

    public var isNull: Bool {
        if case .scalar(let scalar) = node {
            return scalar.string == "" || scalar.string == "~" || scalar.string == "null"
        }
        return false
    }

    public func string() throws(YAMLFileError) -> String {
        guard case .scalar(let scalar) = node else { throw error("expected a single value") }
        return scalar.string
    }

    public func nonEmptyString() throws(YAMLFileError) -> String {
        let value = try string().trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { throw error("must not be empty") }
        return value
    }

    public func integer(in range: ClosedRange<Int>? = nil) throws(YAMLFileError) -> Int {
        let text = try string()
        guard let value = Int(text) else { throw error("expected a whole number, found '\(text)'") }
        if let range, !range.contains(value) {
            throw error("\(value) is out of range (\(range.lowerBound)...\(range.upperBound))")
        }
        return value
    }

    public func double(in range: ClosedRange<Double>? = nil) throws(YAMLFileError) -> Double {
        let text = try string()
        guard let value = Double(text), value.isFinite else { throw error("expected a number, found '\(text)'") }
        if let range, !range.contains(value) {
            throw error("\(text) is out of range (\(range.lowerBound)...\(range.upperBound))")
        }
        return value
    }

    public func bool() throws(YAMLFileError) -> Bool {
        switch try string().lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw error("expected true or false, found '\(other)'")
        }
    }

    /// One of a fixed set of spellings, e.g. `strict | accept-new | off`.
    public func oneOf<Value: RawRepresentable & CaseIterable>(_: Value.Type) throws(YAMLFileError) -> Value
    where Value.RawValue == String {
        let text = try string()
        if let value = Value(rawValue: text) { return value }
        let allowed = Value.allCases.map(\.rawValue).joined(separator: ", ")
        throw error("'\(text)' is not one of: \(allowed)")
    }

    /// A list of strings; a single string is accepted as a one-element list.
    public func stringList() throws(YAMLFileError) -> [String] {
        if case .scalar = node { return [try nonEmptyString()] }
        var values: [String] = []
        for item in try sequence() { values.append(try item.nonEmptyString()) }
        return values
    }

    /// A flat mapping of strings to strings (tags).
    public func stringMap() throws(YAMLFileError) -> [String: String] {
        var values: [String: String] = [:]
        for (key, value) in try mappingEntries() { values[key] = try value.string() }
        return values
    }
}
