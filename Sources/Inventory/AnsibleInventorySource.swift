import FleetCore
import Foundation
import YAMLInput

/// Hosts read from an Ansible inventory: YAML (`all:` / `hosts:` / `children:` / `vars:`), INI, or the JSON that
/// `ansible-inventory --list` prints (AnsibleInventoryFormats.swift).
///
/// Group variables apply from the outermost group inwards and host variables last, as Ansible does. The connection
/// variables Ansible defines (`ansible_host`, `ansible_port`, `ansible_user`, `ansible_ssh_private_key_file`) map to
/// the inventory's fields; `fleet_audit_tags` (a mapping) adds tags. Everything else keeps the inventory's defaults.
struct AnsibleInventorySource {
    var file: String
    /// Only hosts that belong (directly or through children) to this group; `all` by default.
    var group: String

    struct Host {
        var name: String
        var address: String
        var port: Int?
        var user: String?
        var identityFile: String?
        var tags: [String: String]
        var groups: [String]
        var line: Int?
        /// `-J` / `-o ProxyJump=` in `ansible_ssh_common_args` or `ansible_ssh_extra_args`.
        var proxyJump: [JumpSpecification]? = nil
        /// `-o ProxyCommand=` there.
        var proxyCommand: String? = nil
        /// `ansible_become: true` is sudo (Ansible's default become method).
        var become: Become? = nil

        /// The inventory keys these variables set, which win over ssh_config as a host entry's own keys do.
        var explicitKeys: Set<String> {
            var keys: Set<String> = []
            if port != nil { keys.insert("port") }
            if user != nil { keys.insert("user") }
            if identityFile != nil { keys.insert("identity_file") }
            if proxyJump != nil { keys.insert("proxy_jump") }
            if proxyCommand != nil { keys.insert("proxy_command") }
            return keys
        }
    }

    private struct Variables {
        var values: [String: YAMLNode] = [:]

        func merged(with other: [String: YAMLNode]) -> Variables {
            Variables(values: values.merging(other) { $1 })
        }
    }

    private struct Collected {
        var order: [String] = []
        var hostNodes: [String: YAMLNode] = [:]
        var variables: [String: Variables] = [:]
        var groups: [String: [String]] = [:]
    }

    /// The formats Ansible reads, told apart as its inventory plugins' `verify_file` does: by extension first
    /// (`.yml`/`.yaml`; `.json` for `ansible-inventory --list` output), else JSON when the text opens with `{`,
    /// else INI.
    enum Format {
        case yaml, ini, json
    }

    static func format(of path: String, text: String) -> Format {
        let lowered = path.lowercased()
        if lowered.hasSuffix(".yml") || lowered.hasSuffix(".yaml") { return .yaml }
        if lowered.hasSuffix(".json") || text.drop(while: \.isWhitespace).hasPrefix("{") { return .json }
        return .ini
    }

    func hosts() throws(YAMLFileError) -> [Host] {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
        else {
            throw YAMLFileError(file: file, line: nil, field: nil, message: "cannot read the Ansible inventory")
        }
        var entries: [(name: String, groups: [String], lookup: (String) throws(YAMLFileError) -> AnsibleVariable?)] =
            []
        var lines: [String: Int] = [:]
        switch Self.format(of: file, text: text) {
        case .yaml:
            let root = try YAMLNode.parse(text, file: file)
            var collected = Collected()
            for (groupName, groupNode) in try root.mappingEntries() {
                try walk(group: groupName, node: groupNode, inherited: Variables(), ancestors: [], into: &collected)
            }
            for name in collected.order {
                let variables = collected.variables[name, default: Variables()].values
                entries.append(
                    (
                        name, collected.groups[name, default: []],
                        { (key) throws(YAMLFileError) in
                            try variables[key].map { (node) throws(YAMLFileError) in try AnsibleVariable(node) }
                        }
                    ))
                lines[name] = collected.hostNodes[name]?.line
            }
        case .ini, .json:
            let graph =
                Self.format(of: file, text: text) == .ini
                ? try AnsibleINIInventory.parse(text, file: file) : try AnsibleJSONInventory.parse(data, file: file)
            for (name, groups, variables) in try graph.flattened() {
                entries.append((name, ["all"] + groups, { (key) throws(YAMLFileError) in variables[key] }))
                lines[name] = graph.hostLines[name]
            }
        }
        var result: [Host] = []
        for (name, groups, lookup) in entries {
            guard group == "all" || groups.contains(group) else { continue }
            var host = Host(
                name: EC2InstancesSource.safeName(name), address: try lookup("ansible_host")?.nonEmptyString() ?? name,
                port: try lookup("ansible_port")?.integer(in: 1...65535),
                user: try lookup("ansible_user")?.nonEmptyString(),
                identityFile: try lookup("ansible_ssh_private_key_file")?.nonEmptyString(),
                tags: try lookup("fleet_audit_tags")?.stringMap() ?? [:],
                groups: groups.filter { $0 != "all" && $0 != "ungrouped" }, line: lines[name])
            if let become = try lookup("ansible_become")?.bool() { host.become = become ? .sudo : Become.none }
            // Ansible's ssh command line: common args before extra args, and ssh keeps the first value it obtains.
            for key in ["ansible_ssh_common_args", "ansible_ssh_extra_args"] {
                guard let variable = try lookup(key) else { continue }
                try Self.applySSHArguments(try variable.string(), from: variable, to: &host)
            }
            result.append(host)
        }
        return result
    }

    /// `-J hops`, `-o ProxyJump=hops` and `-o ProxyCommand=command` (also `-oKey=value` and `-o "Key value"`);
    /// the first route given wins, as in ssh. Other ssh options do not concern fleet-audit's connection.
    static func applySSHArguments(_ text: String, from variable: AnsibleVariable, to host: inout Host)
        throws(YAMLFileError)
    {
        let words: [String]
        do {
            words = try ShellWords.split(text)
        } catch {
            throw variable.error(error.message)
        }
        var index = 0
        func value(after flag: String, _ word: String) -> String? {
            if word.count > flag.count { return String(word.dropFirst(flag.count)) }
            index += 1
            return index < words.count ? words[index] : nil
        }
        while index < words.count {
            let word = words[index]
            var jump: String?
            var command: String?
            if word.hasPrefix("-J") {
                jump = value(after: "-J", word)
            } else if word.hasPrefix("-o"), let option = value(after: "-o", word) {
                let separator = option.firstIndex { $0 == "=" || $0 == " " } ?? option.endIndex
                let key = option[..<separator].lowercased()
                let rest = separator < option.endIndex ? String(option[option.index(after: separator)...]) : ""
                if key == "proxyjump" { jump = rest.trimmingCharacters(in: .whitespaces) }
                if key == "proxycommand" { command = rest.trimmingCharacters(in: .whitespaces) }
            }
            index += 1
            guard host.proxyJump == nil, host.proxyCommand == nil else { continue }
            if let jump {
                do {
                    host.proxyJump = jump.lowercased() == "none" ? [] : try JumpSpecification.list(jump)
                } catch {
                    throw variable.error(error.message)
                }
            } else if let command, command.lowercased() != "none" {
                host.proxyCommand = command
            }
        }
    }

    /// A `vars:` or host mapping. A key given twice (`vars: {1: a, "1": b}`) is an error naming file, line and
    /// field, raised by `mappingEntries`; the dictionary is built without `uniqueKeysWithValues`, which would trap
    /// if that guarantee ever slipped.
    private static func variables(_ node: YAMLNode) throws(YAMLFileError) -> [String: YAMLNode] {
        Dictionary(try node.mappingEntries(), uniquingKeysWith: { _, last in last })
    }

    private func walk(
        group: String, node: YAMLNode, inherited: Variables, ancestors: [String], into collected: inout Collected
    ) throws(YAMLFileError) {
        guard !ancestors.contains(group) else { throw node.error("group '\(group)' contains itself") }
        if node.isNull { return }
        let fields = try node.mapping(allowedKeys: ["hosts", "children", "vars"])
        var variables = inherited
        if let varsNode = fields["vars"], !varsNode.isNull {
            variables = variables.merged(with: try Self.variables(varsNode))
        }
        let lineage = ancestors + [group]
        if let hostsNode = fields["hosts"], !hostsNode.isNull {
            for (hostName, hostNode) in try hostsNode.mappingEntries() {
                if collected.hostNodes[hostName] == nil {
                    collected.order.append(hostName)
                    collected.hostNodes[hostName] = hostNode
                }
                var hostVariables = collected.variables[hostName, default: Variables()].merged(with: variables.values)
                if !hostNode.isNull {
                    hostVariables = hostVariables.merged(with: try Self.variables(hostNode))
                }
                collected.variables[hostName] = hostVariables
                for name in lineage where !collected.groups[hostName, default: []].contains(name) {
                    collected.groups[hostName, default: []].append(name)
                }
            }
        }
        if let childrenNode = fields["children"], !childrenNode.isNull {
            for (childName, childNode) in try childrenNode.mappingEntries() {
                try walk(group: childName, node: childNode, inherited: variables, ancestors: lineage, into: &collected)
            }
        }
    }
}
