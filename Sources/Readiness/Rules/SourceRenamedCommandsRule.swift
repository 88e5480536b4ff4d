import FleetCore
import RedisFacts

extension CheckID {
    /// No data-modification command renamed.
    public static let sourceRenamedCommands: CheckID = "source.renamed-commands"
}

/// source.renamed-commands: data-modification commands (and SYNC/PSYNC/REPLCONF) must keep their names.
struct SourceRenamedCommandsRule: InstanceRule {
    let id = CheckID.sourceRenamedCommands
    let title = "No data-modification command renamed"
    let severity = Severity.blocker

    func evaluate(_ context: InstanceContext) -> CheckResult {
        if let table = context.commandTable, let engine = context.engine, let version = context.engineVersion {
            return evaluate(table, engine: engine, version: version, context)
        }
        // No command table (COMMAND renamed, or a server before 2.8.13): the config file's rename-command lines,
        // against the catalogue of commands that change data.
        guard let configuration = context.configuration else {
            let why = context.unreadConfigFiles.isEmpty ? "" : " (\(context.unreadConfigSummary))"
            return result(
                .unknown,
                "redis.conf was not captured\(why): renamed commands cannot be seen (CONFIG GET does not show them).",
                [],
                remediation: context.configDeniedToLoginUser
                    ? "The config file is \(context.privilegeRemedy) (docs/collector.md#privilege)."
                    : "Make the instance's config file readable to the audit user.")
        }
        let renamed = configuration.renamedCommands
        let evidence = renamed.map {
            Evidence(
                source: "\($0.file):\($0.line)",
                observed: "rename-command \($0.command) \($0.isDisabled ? "\"\"" : $0.newName)")
        }
        let critical = renamed.filter { RedisCommandCatalogue.replicationCriticalNames.contains($0.command) }
        if !critical.isEmpty {
            return result(
                .fail,
                "Renamed or disabled: \(critical.map { $0.command.uppercased() }.joined(separator: ", ")); replication would break.",
                evidence, remediation: "Remove those rename-command lines from redis.conf (restart needed).")
        }
        if !renamed.isEmpty {
            return result(
                .warn,
                "Renamed administrative commands: \(renamed.map { $0.command.uppercased() }.joined(separator: ", ")).",
                evidence,
                remediation:
                    "Check that the migration tooling does not need them; remove the rename-command lines if it does.")
        }
        if !context.unreadConfigFiles.isEmpty {
            // Absence proves nothing while a file that may hold a rename-command was not read.
            return result(
                .unknown,
                "No rename-command in the files read, but not every file was read: \(context.unreadConfigSummary).",
                context.unreadConfigFiles.map { Evidence(source: $0.path, observed: $0.skipped ?? "not read") },
                remediation: context.configDeniedToLoginUser
                    ? "A config file is \(context.privilegeRemedy) (docs/collector.md#privilege)."
                    : "Make every included config file readable to the audit user, or check it by hand.")
        }
        return result(
            .pass, "No command is renamed.",
            [Evidence(source: configuration.directives.first?.file ?? "redis.conf", observed: "no rename-command")])
    }

    /// From the server's own command table: a command that changes data (by the server's flags, or the catalogue's
    /// for one that is gone) must be there under its own name.
    private func evaluate(
        _ table: CommandTable, engine: ServerEngine, version: RedisVersion, _ context: InstanceContext
    ) -> CheckResult {
        // Gone by its own name: not resolved by COMMAND INFO (renamed or disabled), or, without that lookup, not in
        // the table at all (disabled; a renamed command stays listed under its original name).
        let lookup = context.commandLookup
        func gone(_ name: String) -> Bool { lookup.map { $0.resolves[name] == false } ?? !table.contains(name) }
        // Changes data by the server's own flags (a renamed command keeps them in the list), else the catalogue's.
        let missing =
            RedisCommandCatalogue.replicationCritical.filter {
                $0.exists(in: engine, version: version) && gone($0.name)
            }.map(\.name)
            + (lookup?.unresolved ?? []).filter {
                table.isWrite($0) && !RedisCommandCatalogue.replicationCriticalNames.contains($0)
            }
        let renamedWrites = table.renamed.filter { $0.contains("write") || $0.contains("may_replicate") }.count
        let renamedOthers = table.renamed.count - renamedWrites
        let missingAdministrative = RedisCommandCatalogue.administrative.filter {
            $0.exists(in: engine, version: version) && gone($0.name) && !table.isWrite($0.name)
        }.map(\.name)
        var evidence = [
            Evidence(
                source: "COMMAND",
                observed: "\(table.flags.count + table.renamed.count) commands"
                    + (table.renamed.isEmpty ? "" : ", \(table.renamed.count) under names no release has"))
        ]
        if !missing.isEmpty || !missingAdministrative.isEmpty {
            let names = (missing + missingAdministrative).prefix(20).map { $0.uppercased() }.joined(separator: ", ")
            evidence.append(Evidence(source: "COMMAND", observed: "missing: \(names)"))
        }
        // The config file, when read, names what was renamed (the new names stay redacted).
        if let renamed = context.configuration?.renamedCommands, !renamed.isEmpty {
            evidence += renamed.prefix(10).map {
                Evidence(
                    source: "\($0.file):\($0.line)",
                    observed: "rename-command \($0.command) \($0.isDisabled ? "\"\"" : $0.newName)")
            }
        }
        if !missing.isEmpty || renamedWrites > 0 {
            var parts: [String] = []
            if !missing.isEmpty {
                parts.append(
                    "renamed or disabled (the server does not know them by name): "
                        + missing.prefix(10).map { $0.uppercased() }.joined(separator: ", "))
            }
            if renamedWrites > 0 { parts.append("\(renamedWrites) write command(s) run under a new name") }
            return result(
                .fail, parts.joined(separator: "; ") + "; replication would break.", evidence,
                remediation:
                    "Remove the rename-command lines for those commands from redis.conf (restart needed): ElastiCache replays them by their own names."
            )
        }
        if !missingAdministrative.isEmpty || renamedOthers > 0 {
            let what =
                missingAdministrative.isEmpty
                ? "\(renamedOthers) command(s) run under a new name"
                : "renamed or disabled: " + missingAdministrative.map { $0.uppercased() }.joined(separator: ", ")
            return result(
                .warn, "Administrative commands \(what).", evidence,
                remediation:
                    "Check that the migration tooling does not need them (ElastiCache's online migration reads INFO and CONFIG); remove the rename-command lines if it does."
            )
        }
        return result(
            .pass, "The server's command table has every write and replication command under its own name.", evidence)
    }
}
