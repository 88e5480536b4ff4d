/// The sudoers rule docs/collector.md gives operators for `become: sudo`, and the one the lab installs on hosts with
/// `sudo: rule` (never `NOPASSWD: ALL`), so that what the lab tests is what operators install.
///
/// As root, only exact command lines (sudoers matches arguments literally unless they hold a wildcard): the listening
/// sockets with their processes and the firewall rules, plus /proc/<pid>/status and cgroup through a regular
/// expression (sudo 1.9.10+), which, unlike a `*` wildcard, cannot match a second path. As the Redis server's
/// user, `cat`, `stat`, `readlink` and `ls` with any argument: what they can read is what that user can read, which
/// is the collector's copy rule (docs/security.md §3) enforced by the kernel; `ls -l /proc/<pid>/fd` as that user
/// also proves the server claiming the user holds the instance's port (only the owner may list a process's fds).
public enum SudoersRule {
    public static func text(loginUser: String, serverUser: String = "redis") -> String {
        """
        # /etc/sudoers.d/fleet-audit (mode 0440): what fleet-audit's collector may run through `sudo -n`.
        Cmnd_Alias FLEET_AUDIT_ROOT = /usr/bin/ss -ltnpH, /usr/sbin/ss -ltnpH, /usr/sbin/iptables -S, \\
            /usr/sbin/nft list ruleset, /usr/bin/cat ^/proc/[0-9]+/(status|cgroup)$
        Cmnd_Alias FLEET_AUDIT_SERVER = /usr/bin/cat, /usr/bin/stat, /usr/bin/readlink, /usr/bin/ls
        \(loginUser) ALL=(root) NOPASSWD: FLEET_AUDIT_ROOT
        \(loginUser) ALL=(\(serverUser)) NOPASSWD: FLEET_AUDIT_SERVER

        """
    }
}
