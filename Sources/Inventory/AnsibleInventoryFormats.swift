import Foundation
import YAMLInput

/// One Ansible variable's value with where it was written, so that a wrong value names file and line (INI, YAML)
/// or the key path (JSON, where no line is known).
struct AnsibleVariable {
    enum Value {
        case text(String)
        case integer(Int)
        case boolean(Bool)
        case mapping([String: String])
        /// A list or nested mapping: not a connection setting fleet-audit can use.
        case other(String)
    }

    var value: Value
    var file: String
    var line: Int?
    var field: String

    func error(_ message: String) -> YAMLFileError {
        YAMLFileError(file: file, line: line, field: field, message: message)
    }

    func string() throws(YAMLFileError) -> String {
        switch value {
        case .text(let text): return text
        case .integer(let number): return String(number)
        case .boolean(let flag): return flag ? "true" : "false"
        case .mapping, .other: throw error("expected a single value")
        }
    }

    func nonEmptyString() throws(YAMLFileError) -> String {
        let text = try string().trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw error("must not be empty") }
        return text
    }

    func integer(in range: ClosedRange<Int>) throws(YAMLFileError) -> Int {
        let text = try string()
        guard let number = Int(text), range.contains(number) else {
            throw error("expected a whole number in \(range.lowerBound)...\(range.upperBound), found '\(text)'")
        }
        return number
    }

    /// Ansible's boolean conversion (`module_utils.parsing.convert_bool`): yes/on/true/1 and no/off/false/0.
    func bool() throws(YAMLFileError) -> Bool {
        let text = try string().lowercased()
        if ["yes", "on", "true", "1", "y", "t"].contains(text) { return true }
        if ["no", "off", "false", "0", "n", "f"].contains(text) { return false }
        throw error("expected true or false, found '\(text)'")
    }

    func stringMap() throws(YAMLFileError) -> [String: String] {
        guard case .mapping(let values) = value else { throw error("expected a mapping of tag names to values") }
        return values
    }

    init(value: Value, file: String, line: Int?, field: String) {
        self.value = value
        self.file = file
        self.line = line
        self.field = field
    }

    /// A YAML node as a variable.
    init(_ node: YAMLNode) throws(YAMLFileError) {
        switch node.node {
        case .scalar(let scalar): value = .text(scalar.string)
        case .mapping: value = .mapping(try node.stringMap())
        default: value = .other("a list")
        }
        file = node.file
        line = node.line
        field = node.path
    }
}

/// Groups, hosts and variables of an Ansible inventory before Ansible's precedence is applied.
struct AnsibleGroupGraph {
    struct Group {
        var hosts: [String] = []
        var children: [String] = []
        var variables: [String: AnsibleVariable] = [:]
        var line: Int?
    }

    var file: String
    var groups: [String: Group] = ["all": Group(), "ungrouped": Group()]
    var hostOrder: [String] = []
    var hostVariables: [String: [String: AnsibleVariable]] = [:]
    var hostLines: [String: Int] = [:]

    mutating func addHost(_ name: String, to group: String, line: Int?) {
        if hostVariables[name] == nil {
            hostOrder.append(name)
            hostVariables[name] = [:]
            if let line { hostLines[name] = line }
        }
        if !groups[group, default: Group()].hosts.contains(name) { groups[group, default: Group()].hosts.append(name) }
    }

    mutating func addChild(_ child: String, to parent: String) {
        if groups[child] == nil { groups[child] = Group() }
        if !groups[parent, default: Group()].children.contains(child) {
            groups[parent, default: Group()].children.append(child)
        }
    }

    /// Each host's groups (all it belongs to, through children) and its variables, merged as Ansible does:
    /// groups by depth from `all` (deeper wins), then by name, host variables last (`vars/manager.py`,
    /// `inventory/helpers.py sort_groups`). Hosts in no group are in `ungrouped`.
    func flattened() throws(YAMLFileError) -> [(name: String, groups: [String], variables: [String: AnsibleVariable])] {
        var parents: [String: [String]] = [:]
        for (name, group) in groups {
            for child in group.children { parents[child, default: []].append(name) }
        }
        for name in groups.keys where name != "all" && parents[name] == nil { parents[name] = ["all"] }
        var depths: [String: Int] = [:]
        func depth(_ group: String, _ path: [String]) throws(YAMLFileError) -> Int {
            if group == "all" { return 0 }
            if let known = depths[group] { return known }
            guard !path.contains(group) else {
                throw YAMLFileError(
                    file: file, line: groups[group]?.line, field: group,
                    message: "group '\(group)' is its own child (\((path + [group]).joined(separator: " -> ")))")
            }
            var deepest = 0
            for parent in parents[group, default: ["all"]] {
                deepest = max(deepest, try depth(parent, path + [group]) + 1)
            }
            depths[group] = deepest
            return deepest
        }
        var result: [(String, [String], [String: AnsibleVariable])] = []
        for host in hostOrder {
            var member: Set<String> = ["all"]
            var pending = groups.filter { $0.value.hosts.contains(host) }.map(\.key)
            if pending.isEmpty { pending = ["ungrouped"] }
            while let group = pending.popLast() {
                guard member.insert(group).inserted else { continue }
                pending += parents[group, default: []]
            }
            var ordered: [(Int, String)] = []
            for group in member { ordered.append((try depth(group, []), group)) }
            ordered.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            var variables: [String: AnsibleVariable] = [:]
            for (_, group) in ordered { variables.merge(groups[group]?.variables ?? [:]) { $1 } }
            variables.merge(hostVariables[host] ?? [:]) { $1 }
            result.append((host, ordered.map(\.1).filter { $0 != "all" && $0 != "ungrouped" }, variables))
        }
        return result
    }
}

/// Ansible's INI inventory (the `ini` inventory plugin): `[group]` host lines with `key=value` variables and
/// `host:port`, `[group:vars]`, `[group:children]`, ranges such as `web[01:10].example.com`.
enum AnsibleINIInventory {
    static func parse(_ text: String, file: String) throws(YAMLFileError) -> AnsibleGroupGraph {
        var graph = AnsibleGroupGraph(file: file)
        enum Section { case hosts(String), variables(String), children(String) }
        var section = Section.hosts("ungrouped")
        var lineNumber = 0
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            let line = raw.trimmingCharacters(in: .whitespaces)
            func fail(_ message: String) -> YAMLFileError {
                YAMLFileError(file: file, line: lineNumber, field: nil, message: message)
            }
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw fail("a section header must end with ']'") }
                let header = String(line.dropFirst().dropLast())
                let parts = header.split(separator: ":", maxSplits: 1).map(String.init)
                guard let name = parts.first, !name.isEmpty, !name.contains(where: \.isWhitespace) else {
                    throw fail("'\(line)' is not [group], [group:vars] or [group:children]")
                }
                if graph.groups[name] == nil { graph.groups[name] = .init(line: lineNumber) }
                switch parts.count == 2 ? parts[1] : nil {
                case nil: section = .hosts(name)
                case "vars"?: section = .variables(name)
                case "children"?: section = .children(name)
                case let other?: throw fail("unknown section type ':\(other)' (use :vars or :children)")
                }
                continue
            }
            switch section {
            case .variables(let group):
                guard let equals = line.firstIndex(of: "=") else {
                    throw fail("expected key=value in [\(group):vars], found '\(line)'")
                }
                let key = line[..<equals].trimmingCharacters(in: .whitespaces)
                let value = parseValue(line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces))
                graph.groups[group, default: .init()].variables[key] = AnsibleVariable(
                    value: value, file: file, line: lineNumber, field: key)
            case .children(let group):
                graph.addChild(line, to: group)
            case .hosts(let group):
                let tokens: [String]
                do {
                    tokens = try ShellWords.split(line)
                } catch {
                    throw fail(error.message)
                }
                guard let pattern = tokens.first else { continue }
                var variables: [String: AnsibleVariable] = [:]
                for token in tokens.dropFirst() {
                    if token.hasPrefix("#") { break }
                    guard let equals = token.firstIndex(of: "="), equals != token.startIndex else {
                        throw fail("expected key=value host variable, found '\(token)'")
                    }
                    let key = String(token[..<equals])
                    variables[key] = AnsibleVariable(
                        value: parseValue(String(token[token.index(after: equals)...])), file: file,
                        line: lineNumber, field: key)
                }
                let (hostPattern, port) = try splitPort(pattern, fail: fail)
                if let port {
                    variables["ansible_port"] = AnsibleVariable(
                        value: .integer(port), file: file, line: lineNumber, field: "ansible_port")
                }
                for host in try expandRanges(hostPattern, fail: fail) {
                    graph.addHost(host, to: group, line: lineNumber)
                    graph.hostVariables[host, default: [:]].merge(variables) { $1 }
                }
            }
        }
        return graph
    }

    /// Ansible's `_parse_value`: a Python literal where it is one (quoted string, integer, True/False), else text.
    static func parseValue(_ text: String) -> AnsibleVariable.Value {
        if text.count >= 2, let first = text.first, first == "'" || first == "\"", text.last == first {
            return .text(String(text.dropFirst().dropLast()))
        }
        if let number = Int(text) { return .integer(number) }
        if text == "True" { return .boolean(true) }
        if text == "False" { return .boolean(false) }
        return .text(text)
    }

    /// `host:port` (one colon and digits after it); IPv6 addresses, with several colons, are left whole.
    private static func splitPort(_ pattern: String, fail: (String) -> YAMLFileError) throws(YAMLFileError)
        -> (String, Int?)
    {
        guard pattern.filter({ $0 == ":" }).count == 1, let colon = pattern.lastIndex(of: ":"),
            !pattern[colon...].contains("]")
        else { return (pattern, nil) }
        let portText = pattern[pattern.index(after: colon)...]
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw fail("'\(pattern)': '\(portText)' is not a port number (1-65535)")
        }
        return (String(pattern[..<colon]), port)
    }

    /// `[01:10]` (leading zeros kept), `[a:f]` and `[1:10:2]`, as Ansible's `expand_hostname_range`.
    static func expandRanges(_ pattern: String, fail: (String) -> YAMLFileError) throws(YAMLFileError) -> [String] {
        guard let open = pattern.firstIndex(of: "["), let close = pattern[open...].firstIndex(of: "]") else {
            return [pattern]
        }
        let parts = pattern[pattern.index(after: open)..<close].split(separator: ":", omittingEmptySubsequences: false)
            .map(String.init)
        guard parts.count == 2 || parts.count == 3 else {
            throw fail("'\(pattern)': a range is [start:end] or [start:end:step]")
        }
        let step = parts.count == 3 ? Int(parts[2]) ?? 0 : 1
        guard step > 0 else { throw fail("'\(pattern)': the step of a range must be a positive number") }
        var values: [String] = []
        if let start = Int(parts[0]), let end = Int(parts[1]) {
            guard start <= end, (end - start) / step < 10_000 else {
                throw fail("'\(pattern)': the range must go upwards and hold at most 10000 hosts")
            }
            let width = parts[0].count
            for number in stride(from: start, through: end, by: step) {
                let digits = String(number)
                values.append(String(repeating: "0", count: max(0, width - digits.count)) + digits)
            }
        } else if parts[0].count == 1, parts[1].count == 1, let start = parts[0].unicodeScalars.first,
            let end = parts[1].unicodeScalars.first, start.isASCII, end.isASCII, start.value <= end.value
        {
            for value in stride(from: start.value, through: end.value, by: step) {
                if let scalar = Unicode.Scalar(value) { values.append(String(Character(scalar))) }
            }
        } else {
            throw fail("'\(pattern)': [\(parts.joined(separator: ":"))] is not a numeric or single-letter range")
        }
        let prefix = String(pattern[..<open])
        let rest = try expandRanges(String(pattern[pattern.index(after: close)...]), fail: fail)
        return values.flatMap { value in rest.map { prefix + value + $0 } }
    }
}

/// The JSON `ansible-inventory -i SOURCE --list` prints (with or without `--export`): groups with `hosts`,
/// `children` and `vars`, and `_meta.hostvars` per host.
enum AnsibleJSONInventory {
    static func parse(_ data: Data, file: String) throws(YAMLFileError) -> AnsibleGroupGraph {
        func fail(_ path: String, _ message: String) -> YAMLFileError {
            YAMLFileError(file: file, line: nil, field: path.isEmpty ? nil : path, message: message)
        }
        let root: [String: Any]
        do {
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw fail("", "expected a JSON object: the output of `ansible-inventory -i SOURCE --list`")
            }
            root = object
        } catch let error as YAMLFileError {
            throw error
        } catch {
            throw fail("", "not valid JSON (\(error.localizedDescription))")
        }
        var graph = AnsibleGroupGraph(file: file)
        func variables(_ object: Any, at path: String) throws(YAMLFileError) -> [String: AnsibleVariable] {
            guard let mapping = object as? [String: Any] else { throw fail(path, "expected an object of variables") }
            var result: [String: AnsibleVariable] = [:]
            for (key, value) in mapping {
                result[key] = AnsibleVariable(value: convert(value), file: file, line: nil, field: path + "." + key)
            }
            return result
        }
        func names(_ object: Any?, at path: String) throws(YAMLFileError) -> [String] {
            guard let object else { return [] }
            guard let list = object as? [String] else { throw fail(path, "expected a list of names") }
            return list
        }
        for (name, object) in root where name != "_meta" {
            guard let group = object as? [String: Any] else { throw fail(name, "expected a group object") }
            for key in group.keys where !["hosts", "children", "vars"].contains(key) {
                throw fail(name + "." + key, "unknown key '\(key)' in a group (expected hosts, children, vars)")
            }
            if graph.groups[name] == nil { graph.groups[name] = .init() }
            if let vars = group["vars"] { graph.groups[name]?.variables = try variables(vars, at: name + ".vars") }
            for child in try names(group["children"], at: name + ".children") { graph.addChild(child, to: name) }
        }
        // Hosts in the order a walk from `all` meets them (ansible-inventory prints groups sorted by name).
        var visited: Set<String> = []
        func visit(_ name: String) throws(YAMLFileError) {
            guard visited.insert(name).inserted, let group = root[name] as? [String: Any] else { return }
            for host in try names(group["hosts"], at: name + ".hosts") { graph.addHost(host, to: name, line: nil) }
            for child in graph.groups[name]?.children ?? [] { try visit(child) }
        }
        try visit("all")
        for name in root.keys.sorted() where name != "_meta" { try visit(name) }
        if let meta = root["_meta"] as? [String: Any], let hostVariables = meta["hostvars"] {
            guard let perHost = hostVariables as? [String: Any] else {
                throw fail("_meta.hostvars", "expected an object of hosts")
            }
            for (host, object) in perHost {
                let found = try variables(object, at: "_meta.hostvars." + host)
                if graph.hostVariables[host] == nil { graph.addHost(host, to: "ungrouped", line: nil) }
                graph.hostVariables[host] = found
            }
        }
        return graph
    }

    private static func convert(_ value: Any) -> AnsibleVariable.Value {
        switch value {
        case let text as String: return .text(text)
        case let number as NSNumber:
            // JSON true/false arrive as NSNumber too; their Objective-C type is `c` (char), numbers' `q`/`d`.
            if String(cString: number.objCType) == "c" { return .boolean(number.boolValue) }
            return Int(exactly: number.doubleValue).map { .integer($0) } ?? .text(number.stringValue)
        case let mapping as [String: Any]:
            var strings: [String: String] = [:]
            for (key, item) in mapping {
                guard let text = item as? String else { return .other("a nested object") }
                strings[key] = text
            }
            return .mapping(strings)
        default: return .other("a list")
        }
    }
}
