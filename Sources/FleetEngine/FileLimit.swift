#if canImport(Glibc)
    import Glibc
#endif

/// The open-file limit: each session in flight holds one socket (plus an agent socket when the agent is used).
enum FileLimit {
    /// Raises the soft limit to at least `needed` (up to the hard limit). Returns the limit in force.
    static func raise(toAtLeast needed: Int) throws(EngineError) -> Int {
        var limits = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0 else {
            throw EngineError(code: .fileLimit, message: "cannot read the open-file limit (errno \(errno))")
        }
        if Int(limits.rlim_cur) >= needed { return Int(limits.rlim_cur) }
        guard Int(limits.rlim_max) >= needed else {
            throw EngineError(
                code: .fileLimit,
                message: """
                    \(needed) open files are needed for this concurrency, but the hard limit is \(limits.rlim_max). \
                    Lower --concurrency, or raise the limit (ulimit -Hn, or LimitNOFILE= in a systemd unit).
                    """)
        }
        limits.rlim_cur = rlim_t(needed)
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0 else {
            throw EngineError(
                code: .fileLimit, message: "cannot raise the open-file limit to \(needed) (errno \(errno))")
        }
        return needed
    }
}
