import GRDB

/// Migration v3: the `check_result` table (one row per check, 41,000 rows for a 1,000-host run) becomes
/// `check_block` (one row per instance, plus one for the target's checks, holding them as JSON in recorded order),
/// and `check_result` becomes a view over it with the columns ad-hoc queries used (docs/history.md).
///
/// Why: inserting a 1,000-host run's check rows, and deleting them when `report --run` records the run again, was
/// about a quarter of `report --run`; the same checks in 1,283 rows insert and delete in a fifth and a half of the
/// time (docs/benchmarks.md).
enum CheckBlockMigration {
    static let identifier = "v3: check results as one JSON block per instance, check_result a view"

    static func migrate(_ db: Database) throws {
        // `outline` before `checks`: SQLite reads a row's columns in order, and a large `checks` spills into overflow
        // pages that reading `outline` then never touches. The id is the rowid (no AUTOINCREMENT): ids are only ever
        // kept between two reads under the reports root lock, never across recordings.
        try db.execute(
            sql: """
                CREATE TABLE check_block (
                    id INTEGER PRIMARY KEY,
                    run_id TEXT NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    host_name TEXT,
                    port INTEGER,
                    outline TEXT NOT NULL,
                    checks TEXT NOT NULL
                )
                """)
        try convertCheckRows(db)
        try db.execute(
            sql: """
                DROP INDEX check_result_by_check;
                DROP INDEX check_result_by_instance;
                DROP TABLE check_result;
                CREATE INDEX check_block_by_instance ON check_block (run_id, host_name, port);
                CREATE VIEW check_result AS
                SELECT block.run_id AS run_id, block.host_name AS host_name, block.port AS port, item.key AS position,
                    json_extract(item.value, '$.check_id') AS check_id, json_extract(item.value, '$.title') AS title,
                    json_extract(item.value, '$.severity') AS severity, json_extract(item.value, '$.status') AS status,
                    json_extract(item.value, '$.summary') AS summary, json_extract(item.value, '$.evidence') AS evidence,
                    json_extract(item.value, '$.remediation') AS remediation,
                    json_extract(item.value, '$.waiver') AS waiver
                FROM check_block AS block, json_each(block.checks) AS item;
                """)
    }

    /// Every check row into blocks, one run at a time (memory bounded by a run), each run's blocks in the order of
    /// their first row (the recorded order) and each block's checks by position.
    ///
    /// SQLite builds each check's JSON (`json_patch('{}', …)` drops the NULL remediation and waiver members, as the
    /// writer omits them; `json(evidence)` keeps the stored text's escapes), and the array is joined here: an
    /// aggregate such as `json_group_array` promises no order in SQLite 3.40 (no `ORDER BY` inside it before 3.44).
    private static func convertCheckRows(_ db: Database) throws {
        let runs = try String.fetchAll(db, sql: "SELECT run_id FROM check_result GROUP BY run_id ORDER BY MIN(id)")
        let groupsOfRun = try db.makeStatement(
            sql: "SELECT host_name, port FROM check_result WHERE run_id = ? GROUP BY 1, 2 ORDER BY MIN(id)")
        let checksOfGroup = try db.makeStatement(
            sql: """
                SELECT json_array(check_id, title, severity, status),
                    json_patch('{}', json_object(
                        'check_id', check_id, 'evidence', json(evidence), 'remediation', remediation,
                        'severity', severity, 'status', status, 'summary', summary, 'title', title,
                        'waiver', json(waiver)))
                FROM check_result WHERE run_id = ? AND host_name IS ? AND port IS ? ORDER BY position, id
                """)
        let insert = try db.makeStatement(sql: HistoryRowWriter.blockSQL)
        for runID in runs {
            let groups = try Row.fetchAll(groupsOfRun, arguments: [runID])
            for group in groups {
                let hostName = try group.decode(String?.self, atIndex: 0)
                let port = try group.decode(Int?.self, atIndex: 1)
                var outline: [String] = []
                var checks: [String] = []
                let rows = try Row.fetchCursor(checksOfGroup, arguments: [runID, hostName, port])
                while let row = try rows.next() {
                    outline.append(try row.decode(String.self, atIndex: 0))
                    checks.append(try row.decode(String.self, atIndex: 1))
                }
                try insert.execute(arguments: [
                    runID, hostName, port, "[" + outline.joined(separator: ",") + "]",
                    "[" + checks.joined(separator: ",") + "]",
                ])
            }
        }
    }
}
