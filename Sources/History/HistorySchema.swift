import Foundation
import GRDB

/// The tables of history.sqlite, created and upgraded by GRDB migrations (docs/history.md shows the result).
///
/// A migration, once released, is never edited: a change to the schema is a new migration appended here, so a
/// history written by any earlier fleet-audit upgrades in place. A history written by a newer fleet-audit (one with
/// migrations this one does not know) is refused rather than guessed at.
enum HistorySchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: runs, hosts, instances, check results") { db in
            // One row per complete run that was evaluated and recorded. The id is the run directory's name.
            try db.create(table: "run") { table in
                table.primaryKey("id", .text)
                table.column("started_at", .datetime).notNull().indexed()
                table.column("ended_at", .datetime)
                table.column("recorded_at", .datetime).notNull()
                table.column("tool_version", .text).notNull()
                table.column("profile", .text).notNull()
                table.column("inventory_path", .text).notNull()
                table.column("inventory_digest", .text).notNull()
                table.column("host_keys_verified", .boolean).notNull()
                table.column("target_name", .text).notNull()
                table.column("target_engine_version", .text).notNull()
                table.column("target_node_type", .text).notNull()
                table.column("target_cluster_mode", .text).notNull()
                table.column("target_source", .text).notNull()
            }
            try db.create(table: "host") { table in
                table.column("run_id", .text).notNull().references("run", onDelete: .cascade)
                table.column("name", .text).notNull()
                table.column("address", .text).notNull()
                table.column("ssh_port", .integer).notNull()
                table.column("tags", .jsonText).notNull()
                table.column("host_groups", .jsonText).notNull()
                table.column("vpc_id", .text)
                table.column("security_group_ids", .jsonText).notNull()
                table.column("status", .text).notNull()
                table.column("rank", .integer).notNull()
                table.column("score", .double).notNull()
                // Why an unreachable host could not be audited.
                table.column("reason_class", .text)
                table.column("reason_phase", .text)
                table.column("reason_message", .text)
                table.column("host_key_verified", .boolean).notNull()
                table.primaryKey(["run_id", "name"])
            }
            try db.create(table: "instance") { table in
                table.column("run_id", .text).notNull()
                table.column("host_name", .text).notNull()
                table.column("port", .integer).notNull()
                // Order within the host, as the verdict listed them.
                table.column("position", .integer).notNull()
                table.column("status", .text).notNull()
                table.column("score", .double).notNull()
                // Key facts as columns for ad-hoc queries; every fact in `facts` (JSON).
                table.column("redis_version", .text)
                table.column("role", .text)
                table.column("used_memory_bytes", .integer)
                table.column("maxmemory_bytes", .integer)
                table.column("key_count", .integer)
                table.column("facts", .jsonText).notNull()
                table.primaryKey(["run_id", "host_name", "port"])
                table.foreignKey(["run_id", "host_name"], references: "host", onDelete: .cascade)
            }
            try db.create(table: "check_result") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("run_id", .text).notNull().references("run", onDelete: .cascade)
                // Both NULL: a check of the target deployment.
                table.column("host_name", .text)
                table.column("port", .integer)
                table.column("position", .integer).notNull()
                table.column("check_id", .text).notNull()
                table.column("title", .text).notNull()
                table.column("severity", .text).notNull()
                table.column("status", .text).notNull()
                table.column("summary", .text).notNull()
                table.column("evidence", .jsonText).notNull()
                table.column("remediation", .text)
                table.column("waiver", .jsonText)
            }
            try db.create(
                index: "check_result_by_instance", on: "check_result", columns: ["run_id", "host_name", "port"])
            try db.create(index: "check_result_by_check", on: "check_result", columns: ["check_id", "status"])
        }
        migrator.registerMigration("v2: per-run status indexes on hosts and instances") { db in
            // Every report counts each recorded run's hosts and instances per status (the listing behind "since the
            // last run" and the trend). Without these the counts read every host and instance row of every run,
            // each instance with its facts, so a report's cost grew with the length of the history.
            try db.create(index: "host_by_run_status", on: "host", columns: ["run_id", "status"])
            try db.create(index: "instance_by_run_status", on: "instance", columns: ["run_id", "status"])
        }
        // Immediate foreign key checks: v3 creates and drops tables but alters none that others reference, so the
        // inserted blocks are checked as they go instead of by a whole-database foreign_key_check at the end.
        migrator.registerMigration(CheckBlockMigration.identifier, foreignKeyChecks: .immediate) { db in
            try CheckBlockMigration.migrate(db)
        }
        return migrator
    }
}
