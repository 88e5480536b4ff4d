import Foundation

/// Users and permissions of a lab host that is not logged into as root (`login_user:`, `sudo:`, `hidepid:`, a Redis
/// run as its own `user:`). Everything is the host's own, bound over the machine's files inside the host's mount
/// namespace only: its /etc/passwd, /etc/group and a hash-free /etc/shadow (with the login user), /home,
/// /etc/sudoers.d, /etc/redis and
/// /var/lib/redis. The machine's own files are never changed.
extension LabFiles {
    /// The login user's uid and gid: the first id from 4200 up that this machine's /etc/passwd and /etc/group do not
    /// use, so the user cannot be mistaken for one of the machine's (files it owns here belong to no one there).
    static func freeID() throws -> Int {
        let passwd = try String(contentsOfFile: "/etc/passwd", encoding: .utf8)
        let group = try String(contentsOfFile: "/etc/group", encoding: .utf8)
        let used = Set(
            (passwd + "\n" + group).split(separator: "\n").compactMap { line in
                line.split(separator: ":", omittingEmptySubsequences: false).dropFirst(2).first.flatMap { Int($0) }
            })
        return (4200...).first { !used.contains($0) } ?? 4200
    }

    func prepareUsers(_ host: LabHost, dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir + "/etc", withIntermediateDirectories: true)
        var passwd = try String(contentsOfFile: "/etc/passwd", encoding: .utf8)
        var group = try String(contentsOfFile: "/etc/group", encoding: .utf8)
        if host.loginUser != "root" {
            let id = try Self.freeID()
            let user = host.loginUser
            passwd += "\(user):x:\(id):\(id)::/home/\(user):/bin/bash\n"
            group += "\(user):x:\(id):\n"
            // A clean home (no pyenv in .bashrc: docs/lab.md), holding the lab's key: sshd reads authorized_keys as
            // the user, who cannot read the lab's folder.
            let home = "\(dir)/home/\(user)"
            try FileManager.default.createDirectory(atPath: home + "/.ssh", withIntermediateDirectories: true)
            try LabShell.run(
                "cp /etc/skel/.bashrc /etc/skel/.profile \(home)/ 2>/dev/null; cp \(out)/authorized_keys \(home)/.ssh/"
                    + " && chmod 700 \(home) \(home)/.ssh && chmod 600 \(home)/.ssh/authorized_keys"
                    + " && chown -R \(id):\(id) \(home)")
        } else {
            try FileManager.default.createDirectory(atPath: dir + "/home", withIntermediateDirectories: true)
        }
        try write(passwd, "etc/passwd", host)
        try write(group, "etc/group", host)
        chmod(dir + "/etc/passwd", 0o644)
        chmod(dir + "/etc/group", 0o644)
        // PAM's account check (sudo runs it) fails without a shadow entry. The host's shadow holds one per user and
        // no hash at all (`*`: no password can match; key logins still work): never a copy of this machine's.
        let shadow = passwd.split(separator: "\n").compactMap { $0.split(separator: ":").first }
            .map { "\($0):*:20000:0:99999:7:::\n" }.joined()
        try write(shadow, "etc/shadow", host)
        try LabShell.run("chown root:shadow \(dir)/etc/shadow 2>/dev/null; chmod 640 \(dir)/etc/shadow")
        // The host's own sudoers.d: empty, or exactly the rule docs/collector.md documents; visudo checks it parses.
        try FileManager.default.createDirectory(atPath: dir + "/sudoers.d", withIntermediateDirectories: true)
        chmod(dir + "/sudoers.d", 0o755)
        if host.sudo == .rule {
            let servers = Set(host.redis.compactMap(\.user))
            let rule = SudoersRule.text(loginUser: host.loginUser, serverUser: servers.sorted().first ?? "redis")
            try write(rule, "sudoers.d/fleet-audit", host)
            chmod(dir + "/sudoers.d/fleet-audit", 0o440)
            try LabShell.run("visudo -cf \(dir)/sudoers.d/fleet-audit >/dev/null")
        }
        // Debian's layout for a server run as its own user: /etc/redis 2770 user:user, each config 640 root:user.
        for redis in host.redis {
            guard let user = redis.user else { continue }
            try LabShell.run(
                "chown root:\(user) \(dir)/etc-redis/redis-\(redis.port).conf && chmod 640 \(dir)/etc-redis/redis-\(redis.port).conf"
                    + " && chown \(user):\(user) \(dir)/etc-redis && chmod 2770 \(dir)/etc-redis")
        }
    }

    /// init.sh lines that bind the host's users, sudoers and Redis folders over the machine's (inside the host only).
    func usersInit(_ host: LabHost, dir: String) -> String {
        guard host.needsUsers else { return "" }
        var script = """
            mount --bind \(dir)/etc/passwd /etc/passwd
            mount --bind \(dir)/etc/group /etc/group
            mount --bind \(dir)/etc/shadow /etc/shadow
            mount --bind \(dir)/home /home
            mount --bind \(dir)/sudoers.d /etc/sudoers.d

            """
        if host.redis.contains(where: { $0.user != nil }) {
            script += """
                mount --bind \(dir)/etc-redis /etc/redis
                mount -t tmpfs -o size=\(host.diskMiB)m,mode=755 fleet-lab-redis /var/lib/redis

                """
        }
        return script
    }
}
