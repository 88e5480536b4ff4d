import RedisFacts

/// Command tables and command lookups parsed once per distinct text within one evaluation: every server of one
/// version prints the same `COMMAND` table (about 240 lines) and, unless a command was renamed, the same
/// `COMMAND INFO` lookup (about 120 lines), and parsing them for each instance was the largest single cost of
/// `report --run`. Bounded: past `capacity` distinct texts of a kind (a fleet of many versions, or hosts printing
/// different tables) the others are parsed each time, so a hostile fleet costs what it cost before and no more
/// memory.
struct CommandTableCache {
    static let capacity = 64

    /// Parsed tables by text; a cached nil is a text that is not a command table.
    private var tables: [String: CommandTable?] = [:]
    /// Parsed lookups by text; a cached nil is a text that is not a lookup.
    private var lookups: [String: CommandLookup?] = [:]

    /// What `CommandTable(parsing:)` gives for `text`.
    mutating func table(parsing text: String) -> CommandTable? {
        if let known = tables[text] { return known }
        let table = CommandTable(parsing: text)
        if tables.count < Self.capacity { tables[text] = table }
        return table
    }

    /// What `CommandLookup(parsing:)` gives for `text`.
    mutating func lookup(parsing text: String) -> CommandLookup? {
        if let known = lookups[text] { return known }
        let lookup = CommandLookup(parsing: text)
        if lookups.count < Self.capacity { lookups[text] = lookup }
        return lookup
    }

    var count: Int { tables.count }
}
