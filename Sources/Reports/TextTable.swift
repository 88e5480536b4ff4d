import Foundation

/// Left-aligned columns separated by two spaces, for terminal listings (`hosts`, the audit summary, plans, history).
public enum TextTable {
    /// Renders `rows` (the first one is the header). Every cell goes through `OutputText.terminal` first: cells
    /// hold host names, tags and messages from hosts and inventories, and a control character in one would move the
    /// cursor or split the row. `decorate` may wrap a padded cell, e.g. in colour codes, after the widths are
    /// measured.
    public static func render(
        rows unsafeRows: [[String]],
        decorate: (_ row: Int, _ column: Int, _ paddedCell: String) -> String = { _, _, cell in cell }
    ) -> String {
        let rows = unsafeRows.map { $0.map(OutputText.terminal) }
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.enumerated().map { index, row in
            row.enumerated().map { column, cell in
                let padded =
                    column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                return decorate(index, column, padded)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
