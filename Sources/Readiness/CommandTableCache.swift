import RedisFacts

/// Command tables parsed once per distinct text within one evaluation: every server of one version prints the same
/// `COMMAND` table (about 240 lines), and parsing it for each instance was the largest single cost of
/// `report --run`. Bounded: past `capacity` distinct texts (a fleet of many versions, or hosts printing different
/// tables) the others are parsed each time, so a hostile fleet costs what it cost before and no more memory.
struct CommandTableCache {
    static let capacity = 64

    /// Parsed tables by text; a cached nil is a text that is not a command table.
    private var tables: [String: CommandTable?] = [:]

    /// What `CommandTable(parsing:)` gives for `text`.
    mutating func table(parsing text: String) -> CommandTable? {
        if let known = tables[text] { return known }
        let table = CommandTable(parsing: text)
        if tables.count < Self.capacity { tables[text] = table }
        return table
    }

    var count: Int { tables.count }
}
