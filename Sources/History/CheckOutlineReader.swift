import FleetCore

/// Reads a `check_block.outline` column (`[[check_id, title, severity, status], …]`, `CheckBlockJSON.outline`)
/// into its strings, for "since the last run".
///
/// Scanned with FleetCore's `JSONTree.scan` (no tree) because that read is paid by every report: Foundation's JSON parsers took 40–110
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

    /// Not an outline: reading stopped in or after the element at `element` (0-based).
    struct Malformed: Error, Equatable {
        var element: Int
    }

    static func entries(_ text: String) throws(Malformed) -> [Entry] {
        var entries: [Entry] = []
        let read: Bool? = JSONTree.scan(text) { json in
            guard json.take(UInt8(ascii: "[")) else { return nil }
            if json.take(UInt8(ascii: "]")) { return json.isAtEnd() ? true : nil }
            repeat {
                guard json.take(UInt8(ascii: "[")), let checkID = json.string(), json.take(UInt8(ascii: ",")),
                    let title = json.string(), json.take(UInt8(ascii: ",")), let severity = json.string(),
                    json.take(UInt8(ascii: ",")), let status = json.string(), json.take(UInt8(ascii: "]"))
                else { return nil }
                entries.append(Entry(checkID: checkID, title: title, severity: severity, status: status))
                if json.take(UInt8(ascii: "]")) { return json.isAtEnd() ? true : nil }
            } while json.take(UInt8(ascii: ","))
            return nil
        }
        guard read != nil else { throw Malformed(element: entries.count) }
        return entries
    }
}
