import CLibSSH2

/// libssh2's global state. `libssh2_init` is not thread-safe and session creation would call it lazily, so it runs
/// exactly once, through a Swift global's thread-safe lazy initialiser, before the first session exists.
enum LibSSH2Library {
    private static let initialization: Int32 = libssh2_init(0)

    /// Initialises libssh2 (once); returns false when libssh2 could not initialise its crypto backend.
    static func ensureInitialized() -> Bool { initialization == 0 }

    /// The linked libssh2's version, e.g. `1.10.0`.
    static var version: String {
        guard let text = libssh2_version(0) else { return "unknown" }
        return String(cString: text)
    }
}

/// The version of the libssh2 fleet-audit runs with, for messages and `--version`.
public enum LibSSH2Version {
    public static var current: String { LibSSH2Library.version }
}
