import FleetCore

/// One framed section of the collector's output, validated: its name and attributes come from a closed set, so
/// nothing here can name a path or an instance the collector did not frame.
public struct CollectedSection: Sendable, Hashable {
    public var name: SectionName
    /// The instance a section belongs to (instance-scoped names only), 1...65535.
    public var port: Int?
    /// `path=` of a config file section: data about the host, never a path on the auditor's machine.
    public var path: String?
    /// The collector had to talk TLS to the instance.
    public var overTLS: Bool
    public var exitCode: Int?
    public var text: String
    /// The command printed more than the collector's per-section limit (or the frame's text was cut here).
    public var truncated: Bool
}

/// Reads the collector's framed output: `==FA:TOKEN:BEGIN name k=v...==`, the text, `==FA:TOKEN:END rc=N bytes=N==`.
///
/// A host may know the token (its sshd can run any command and read our standard input), so every frame is
/// validated into typed parts: a name that is not a `SectionName` of the right scope, an attribute outside
/// the closed set or a port out of range makes the section an `UnexpectedSection`, whose text is kept as data. Work
/// is linear in the output's size, on bytes (a CRLF is two bytes here; in a Swift `String` it is one `Character`,
/// and splitting a string on "\n" never sees it), and bounded by `SectionStream.Limits`.
public enum SectionStream {
    /// What one host's output may cost after parsing. The engine bounds the bytes; these bound the parts.
    public struct Limits: Sendable, Hashable {
        /// Bytes kept per section (the collector's own per-section limit).
        public var sectionBytes: Int
        /// Sections kept per host; later ones are counted, not kept.
        public var sections: Int
        /// Distinct instance ports per host.
        public var instances: Int
        /// Unexpected sections kept as data, and the bytes kept of each.
        public var unexpectedSections: Int
        public var unexpectedBytes: Int

        public static let standard = Limits(
            sectionBytes: CollectorScript.sectionLimit, sections: CollectorScript.maximumSections,
            instances: CollectorScript.maximumInstances, unexpectedSections: 16, unexpectedBytes: 4_096)
    }

    /// Everything one output held: the valid sections in order, what was unexpected, and what was dropped.
    public struct Parsed: Sendable, Hashable {
        public var sections: [CollectedSection] = []
        public var unexpected: [UnexpectedSection] = []
        /// Unexpected sections past `Limits.unexpectedSections`, counted.
        public var unexpectedDropped = 0
        /// Valid sections past `Limits.sections`, or of instances past `Limits.instances`, counted.
        public var sectionsDropped = 0
        public var instancesDropped = 0
        /// A BEGIN with no END (the output was cut, or a frame was forged).
        public var unterminated = 0
    }

    public static func parse(_ output: [UInt8], token: String, limits: Limits = .standard) -> Parsed {
        let begin = Array("==FA:\(token):BEGIN ".utf8)
        let end = Array("==FA:\(token):END ".utf8)
        let close = Array("==".utf8)
        var parsed = Parsed()
        var ports = Set<Int>()
        var open: (header: ArraySlice<UInt8>, bodyStart: Int)?
        var lineStart = 0
        output.withUnsafeBufferPointer { bytes in
            while lineStart < bytes.count {
                let newline = bytes[lineStart...].firstIndex(of: 0x0A) ?? bytes.count
                let line = bytes[lineStart..<newline]
                let next = newline + 1
                // Both frame lines start with "=": most lines are section text, passed over at their first byte.
                if line.first != UInt8(ascii: "=") {
                    lineStart = next
                    continue
                }
                if line.starts(with: begin), line.count >= begin.count + close.count,
                    line.suffix(2).elementsEqual(close)
                {
                    if open != nil { parsed.unterminated += 1 }
                    open = (ArraySlice(line.dropFirst(begin.count).dropLast(2)), min(next, bytes.count))
                } else if line.starts(with: end), line.count >= end.count + close.count,
                    line.suffix(2).elementsEqual(close), let frame = open
                {
                    // The collector adds one newline before END, so a text without a final newline stays exact.
                    let bodyEnd = max(frame.bodyStart, lineStart - 1)
                    let trailer = attributes(ArraySlice(line.dropFirst(end.count).dropLast(2)))
                    accept(
                        header: frame.header, body: ArraySlice(bytes[frame.bodyStart..<bodyEnd]), trailer: trailer,
                        limits: limits, ports: &ports, into: &parsed)
                    open = nil
                }
                lineStart = next
            }
        }
        if open != nil { parsed.unterminated += 1 }
        return parsed
    }

    /// Validates one complete frame into a section, or records it as unexpected.
    private static func accept(
        header: ArraySlice<UInt8>, body: ArraySlice<UInt8>, trailer: [String: String]?, limits: Limits,
        ports: inout Set<Int>, into parsed: inout Parsed
    ) {
        let nameEnd = header.firstIndex(of: 0x20) ?? header.endIndex
        let rawName = String(decoding: header[header.startIndex..<nameEnd], as: UTF8.self)
        func unexpected(_ reason: String) {
            guard parsed.unexpected.count < limits.unexpectedSections else {
                parsed.unexpectedDropped += 1
                return
            }
            parsed.unexpected.append(
                UnexpectedSection(
                    name: String(rawName.prefix(80)), reason: reason,
                    text: String(decoding: body.prefix(limits.unexpectedBytes), as: UTF8.self),
                    truncated: body.count > limits.unexpectedBytes))
        }
        guard let name = SectionName(rawValue: rawName) else { return unexpected("not a section the collector writes") }
        guard let fields = attributes(header[nameEnd...]), let trailer else {
            return unexpected("malformed attributes")
        }
        guard Set(fields.keys).isSubset(of: ["port", "path", "transport"]),
            Set(trailer.keys).isSubset(of: ["rc", "bytes"])
        else { return unexpected("attribute outside the collector's set") }
        var section = CollectedSection(
            name: name, port: nil, path: nil, overTLS: false, exitCode: nil, text: "", truncated: false)
        switch fields["transport"] {
        case nil: break
        case "tls": section.overTLS = true
        default: return unexpected("unknown transport")
        }
        if let port = fields["port"] {
            guard let number = Int(port), (1...65_535).contains(number) else { return unexpected("port out of range") }
            section.port = number
        }
        switch (name.scope, section.port) {
        case (.instance, nil): return unexpected("instance section without a port")
        case (.host, .some): return unexpected("host section with a port")
        default: break
        }
        section.path = fields["path"]
        guard (section.path != nil) == name.carriesPath else { return unexpected("path attribute where none belongs") }
        if let code = trailer["rc"] {
            guard let value = Int(code), (0...255).contains(value) else {
                return unexpected("exit status out of range")
            }
            section.exitCode = value
        }
        guard parsed.sections.count < limits.sections else {
            parsed.sectionsDropped += 1
            return
        }
        if let port = section.port, !ports.contains(port) {
            guard ports.count < limits.instances else {
                parsed.instancesDropped += 1
                return
            }
            ports.insert(port)
        }
        let announced = trailer["bytes"].flatMap { Int($0) } ?? 0
        section.truncated = announced > limits.sectionBytes || body.count > limits.sectionBytes
        section.text = String(decoding: body.prefix(limits.sectionBytes), as: UTF8.self)
        parsed.sections.append(section)
    }

    /// `port=6379 transport=tls path=/etc/redis/redis.conf`: `path` takes the rest of the line (paths may hold
    /// spaces). Nil when a word is not `key=value` or a key repeats: a frame the collector did not print.
    static func attributes(_ text: ArraySlice<UInt8>) -> [String: String]? {
        var result: [String: String] = [:]
        var rest = text
        while true {
            rest = rest.drop { $0 == 0x20 }
            guard !rest.isEmpty else { return result }
            guard let equals = rest.firstIndex(of: UInt8(ascii: "=")) else { return nil }
            let key = String(decoding: rest[rest.startIndex..<equals], as: UTF8.self)
            let afterEquals = rest[(equals + 1)...]
            guard !key.isEmpty, result[key] == nil else { return nil }
            if key == "path" {
                result[key] = String(decoding: afterEquals, as: UTF8.self)
                return result
            }
            let value = afterEquals.prefix { $0 != 0x20 }
            result[key] = String(decoding: value, as: UTF8.self)
            rest = afterEquals.dropFirst(value.count)
        }
    }
}
