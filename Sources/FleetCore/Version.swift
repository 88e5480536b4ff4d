/// fleet-audit's own version, printed by `--version` and written into every run and report.
public enum FleetAuditVersion {
    public static let current = "0.1.0"
}
