import FleetCore

/// Reads a `check_block.outline` column (`[[check_id, title, severity, status], …]`, `CheckBlockJSON.outline`)
/// into its strings, for "since the last run".
///
/// Through FleetCore's `JSONTree` because that read is paid by every report: Foundation's JSON parsers took 40–110
/// ms for the 1,283 outlines (41,029 checks) of a 1,000-host run, SQLite's `json_each` with `->>` 58 ms, where
/// reading the same four columns as rows took 13 (docs/benchmarks.md). It reads any JSON text of that shape, the
/// outlines fleet-audit writes (`JSONWriter`) and the ones migration v3 wrote (SQLite's `json_array`, which does not
/// escape `/` or characters past DEL); anything else is `Malformed`, never trapped on.
enum CheckOutlineReader {
    struct Entry: Equatable {
        var checkID: String
        var title: String
        var severity: String
        var status: String
    }

    /// Not an outline: not JSON (`element` nil), or its element at `element` is not four strings.
    struct Malformed: Error, Equatable {
        var element: Int?
    }

    static func entries(_ text: String) throws(Malformed) -> [Entry] {
        guard case .array(let elements)? = JSONTree.parse(text) else { throw Malformed(element: nil) }
        var entries: [Entry] = []
        entries.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            guard case .array(let fields) = element, fields.count == 4, case .string(let checkID) = fields[0],
                case .string(let title) = fields[1], case .string(let severity) = fields[2],
                case .string(let status) = fields[3]
            else { throw Malformed(element: index) }
            entries.append(Entry(checkID: checkID, title: title, severity: severity, status: status))
        }
        return entries
    }
}
