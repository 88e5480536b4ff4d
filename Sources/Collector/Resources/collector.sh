# fleet-audit collector: runs on each audited host as
#   `sh -c SCRIPT fleet-audit-collector MARKER METADATA LIMIT DEADLINE MAX_INSTANCES BECOME SYNC_SAMPLE KEY_SAMPLE
#   [PORT...]`.
# Read-only: it only reads files, lists processes and sockets, and runs read-only Redis commands (docs/collector.md).
# Output: sections framed by a per-run random TOKEN, so nothing a host prints can forge a section:
#   ==FA:TOKEN:BEGIN name [port=N]==
#   <output, at most LIMIT bytes>
#   ==FA:TOKEN:END rc=N bytes=N==
# Standard input carries the TOKEN on its first line (never in argv, which any local user can read in `ps` and could
# then echo into a file we capture), then Redis credentials, one `PORT USER PASSWORD` per line (USER `default` when
# none); the password reaches redis-cli only through the REDISCLI_AUTH variable, never a command line.
# MARKER (argv) is a second random value that only lets the process list leave out the collector's own processes.
# BECOME (`none` or `sudo`): with `sudo`, the reads that need privilege (docs/collector.md#privilege) go through
# `sudo -n`, never a prompt; every other command runs as the login user. What each read needed and got is framed at
# the end as the `access` section, in a closed vocabulary the auditor validates.
# POSIX sh and coreutils only; every optional tool has a fallback or is recorded as missing.
# The host is not trusted to be harmless to itself: every output is cut at LIMIT bytes as it is produced (never
# stored whole in TMPDIR), only regular files are read, and a watchdog ends the collector and all its children
# after DEADLINE seconds, so a stuck read (a FIFO, an NFS mount) never outlives the audit.
MARKER=$1; METADATA=$2; LIMIT=$3; DEADLINE=$4; MAX_INSTANCES=$5; BECOME=$6; SYNC_SAMPLE=$7; KEY_SAMPLE=$8; shift 8
# SYNC_SAMPLE: seconds between the two write-rate samples of each instance (0: none). KEY_SAMPLE: `COUNT,SECONDS`, the
# most keys and seconds the key sampling may take per instance (`0,0`: none). Anything else turns them off.
case "$SYNC_SAMPLE" in ''|*[!0-9]*) SYNC_SAMPLE=0 ;; esac
KEY_COUNT=${KEY_SAMPLE%%,*}; KEY_SECONDS=${KEY_SAMPLE#*,}
case "$KEY_COUNT,$KEY_SECONDS" in *[!0-9,]*|,*|*,|*,*,*) KEY_COUNT=0; KEY_SECONDS=0 ;; esac
[ "$SYNC_SAMPLE" -le 600 ] 2>/dev/null || SYNC_SAMPLE=0
[ "$KEY_COUNT" -le 100000 ] 2>/dev/null && [ "$KEY_SECONDS" -le 60 ] 2>/dev/null || { KEY_COUNT=0; KEY_SECONDS=0; }
STARTED_AT=$(date +%s)
LISTED_PORTS="$*"
umask 077
W=$(mktemp -d 2>/dev/null || { d=/tmp/fa.$$; mkdir -m 700 "$d" && echo "$d"; }) || exit 70
# The watchdog: at DEADLINE it signals every descendant of this shell, then the shell itself. It walks the process
# tree rather than signalling a process group, because how the login shell started us decides the group, and the
# group may hold processes that are not the collector's. Its own sleep is ended on a normal exit: nothing is left.
descendants() { # PID: every process below PID
  { if ps -eo pid=,ppid= 2>/dev/null; then :; else
      for d in /proc/[0-9]*; do st=$(cat "$d/stat" 2>/dev/null) || continue; st=${st##*) }; set -- $st
        echo "${d#/proc/} $2"; done
    fi; } | awk -v root="$1" '{ parent[$1] = $2 }
      END { for (p in parent) { q = p; while ((q in parent) && q != root && q > 1) q = parent[q]; if (q == root && p != root) print p } }'
}
( trap 'kill "$s" 2>/dev/null; exit 0' TERM; sleep "$DEADLINE" & s=$!; wait "$s"
  kill -TERM $(descendants $$) $$ ) < /dev/null > /dev/null 2>&1 &
WATCHDOG=$!
trap 'kill "$WATCHDOG" 2>/dev/null; rm -rf "$W"' EXIT
trap 'rm -rf "$W"; exit 130' INT TERM HUP
PATH=$PATH:/usr/sbin:/sbin:/usr/local/bin
export LC_ALL=C
# Only the inventory decides which password an instance gets, not whatever the login environment holds.
unset REDISCLI_AUTH

# The framing token, then the credentials, kept in a private file (mode 600 in a 700 directory), removed on exit.
IFS= read -r T || exit 71
case "$T" in ''|*[!0-9a-zA-Z]*) echo "fleet-audit collector: no valid token on stdin" >&2; exit 71 ;; esac
# The second line: the commands to look up by name in each server (COMMAND INFO), in a plain alphabet only.
IFS= read -r LOOKUP_NAMES || exit 71
case "$LOOKUP_NAMES" in *[!a-z0-9\ _-]*) LOOKUP_NAMES= ;; esac
: > "$W/secrets"
while IFS= read -r line; do printf '%s\n' "$line" >> "$W/secrets"; done

have() { command -v "$1" >/dev/null 2>&1; }

# Privilege. The access log ($W/access) says, one line per read, how it went: `sudo WHAT` (read through sudo -n),
# `sudo-refused:WHY WHAT` (sudo said no: password-required, not-allowed, refused), `denied WHAT` (not readable as
# the login user), `unprivileged WHAT` (read as the login user, whose view is partial). WHAT is one of config_file,
# server_status, server_cgroup, server_fd, listening, firewall, with `port=N` for an instance's. The end adds
# `login root|user`, `become MODE`, `sudo-missing` and `unix-socket-instances N` (docs/collector.md#output-format).
LOGIN_UID=$(id -u 2>/dev/null || awk '/^Uid:/ { print $2; exit }' /proc/self/status)
: > "$W/access"
note_access() { printf '%s\n' "$*" >> "$W/access"; }
# sudo only when asked for, never as root (nothing to gain), never with a prompt (-n).
use_sudo() { [ "$BECOME" = sudo ] && [ "$LOGIN_UID" != 0 ] && have sudo; }
# through_sudo WHAT USER CMD...: CMD as USER through `sudo -n`, its output bounded like a section's. Prints CMD's
# output and returns its status; returns 125, printing nothing, when sudo itself refused (recorded with why).
through_sudo() {
  t_what=$1; t_user=$2; shift 2
  { sudo -n -u "$t_user" -- "$@" 2>"$W/sudo.err"; echo $? > "$W/sudo.rc"; } | head -c $((LIMIT + 1)) > "$W/sudo.out"
  t_rc=$(cat "$W/sudo.rc")
  # sudo warns on every call when the host's own name does not resolve: neither the command's output nor a refusal.
  grep -v '^sudo: unable to resolve host' "$W/sudo.err" > "$W/sudo.msg"
  if [ "$t_rc" -ne 0 ] && grep -q -e '^sudo: ' -e '^Sorry, user ' "$W/sudo.msg"; then
    if grep -q 'password is required' "$W/sudo.msg"; then t_why=password-required
    elif grep -q -e 'not allowed' -e 'not in the sudoers' "$W/sudo.msg"; then t_why=not-allowed
    else t_why=refused; fi
    note_access "sudo-refused:$t_why $t_what"
    return 125
  fi
  cat "$W/sudo.out"; cat "$W/sudo.msg" >&2
  [ "$t_rc" -eq 0 ] && note_access "sudo $t_what"
  return "$t_rc"
}

# section NAME ATTRS COMMAND...: runs COMMAND, frames its (bounded) output and exit status.
# The output goes through `head -c` as it is produced: at most LIMIT+1 bytes are ever stored, and a command that
# prints more (`cat /dev/zero`) dies of SIGPIPE. bytes= is then LIMIT+1: "more than LIMIT".
# sh has no local variables: the s_ prefix keeps this from overwriting the caller's (`attrs` once leaked paths).
section() {
  s_name=$1; s_attrs=$2; shift 2
  printf '==FA:%s:BEGIN %s%s==\n' "$T" "$s_name" "${s_attrs:+ $s_attrs}"
  echo 1 > "$W/rc"
  { ( "$@" ) 2>&1 < /dev/null; echo $? > "$W/rc"; } | head -c $((LIMIT + 1)) > "$W/out"
  rc=$(cat "$W/rc")
  size=$(wc -c < "$W/out" | tr -d ' ')
  # A command cut by head dies of SIGPIPE (rc 141), or, where SIGPIPE was ignored when the shell started (a
  # caller's SIG_IGN is inherited and cannot be reset in sh), fails its next write with EPIPE (rc 1). Either way the
  # failure is the cut's, not the command's: the LIMIT bytes kept were produced fine, and bytes= says it was cut.
  [ "$size" -gt "$LIMIT" ] && rc=0
  head -c "$LIMIT" "$W/out"
  printf '\n==FA:%s:END rc=%s bytes=%s==\n' "$T" "$rc" "$size"
}

first_of() { for f in "$@"; do [ -r "$f" ] && { cat "$f"; return 0; }; done; return 1; }

cpu_count() { if have nproc; then nproc; else grep -c '^processor' /proc/cpuinfo; fi; }
cpu_sample() { head -n 1 /proc/stat; sleep 1; head -n 1 /proc/stat; }
ip_addr() { if have ip; then ip -j addr 2>/dev/null || ip addr; else cat /proc/net/fib_trie; fi; }
ip_route() { if have ip; then ip -j route 2>/dev/null || ip route; else cat /proc/net/route; fi; }
# `ss -p` names the process of a socket only for processes the caller may inspect: as another user than the Redis
# server's, its listeners show without `users:` (discovery then relies on titles and /proc, see below).
listening() {
  if ! have ss; then cat /proc/net/tcp /proc/net/tcp6 2>/dev/null; return; fi
  if use_sudo; then through_sudo listening root ss -ltnpH; [ $? -eq 0 ] && return 0; fi
  [ "$LOGIN_UID" = 0 ] || note_access "unprivileged listening"
  ss -ltnpH 2>/dev/null || ss -ltn
}
# The process list as `PID ARGS`, without any fleet-audit collector: neither this run's nor another audit's running
# at the same time. Every collector and every process below one is left out (its greps and redis-clis name
# redis-sentinel and redis-server in their arguments), so the auditor is never taken for what it looks for. The
# tree decides, not the session: the session is whatever started the collector, and may hold every process there is
# (a container whose init started everything).
process_table() { # PID PPID ARGS
  if have ps && ps -eo pid=,ppid=,args= 2>/dev/null; then return 0; fi
  for d in /proc/[0-9]*; do
    [ -r "$d/cmdline" ] && [ -r "$d/stat" ] || continue
    st=$(cat "$d/stat" 2>/dev/null) || continue
    st=${st##*) }; set -- $st
    printf '%s %s %s\n' "${d#/proc/}" "$2" "$(tr '\0' ' ' < "$d/cmdline")"
  done
}
processes() {
  process_table | awk -v marker="$MARKER" '
    { n++; rest = $0; sub(/^[ \t]*[0-9]+[ \t]+[0-9]+[ \t]?/, "", rest); pid[n] = $1; parent[$1] = $2; args[n] = rest
      if (index(rest, "fleet-audit-collector") > 0 || (marker != "" && index(rest, marker) > 0)) collector[$1] = 1 }
    END { for (i = 1; i <= n; i++) {
        q = pid[i]; mine = 0
        for (depth = 0; depth < 256 && q > 1 && !mine; depth++) { if (q in collector) mine = 1; else if (q in parent) q = parent[q]; else break }
        if (!mine) print pid[i], args[i] } }'
}
# Listing rules needs CAP_NET_ADMIN. sudo only with become: sudo: a refused sudo is logged, and may mail root.
firewall() {
  if have iptables && iptables -S 2>/dev/null; then return 0; fi
  if use_sudo && have iptables && through_sudo firewall root iptables -S 2>/dev/null; then return 0; fi
  if have nft && nft list ruleset 2>/dev/null; then return 0; fi
  if use_sudo && have nft && through_sudo firewall root nft list ruleset 2>/dev/null; then return 0; fi
  { have iptables || have nft; } && [ "$LOGIN_UID" != 0 ] && note_access "denied firewall"
  echo "firewall rules not readable"; return 2
}

# The memory limit of the cgroup a process runs in (a systemd MemoryMax= on redis.service, a container): the root
# cgroup's files say nothing about it. v1 `memory` controller first, then the v2 unified hierarchy.
cgroup_limit_of() {
  proc_read "$1" cgroup > "$W/cgroup" || return 1
  for f in $(sed -n 's#^[0-9]*:[^:]*memory[^:]*:\(.*\)$#/sys/fs/cgroup/memory\1/memory.limit_in_bytes#p' "$W/cgroup") \
    $(sed -n 's#^0::\(.*\)$#/sys/fs/cgroup\1/memory.max /sys/fs/cgroup/unified\1/memory.max#p' "$W/cgroup"); do
    [ -r "$f" ] && { cat "$f"; return 0; }
  done
  return 1
}

# EC2 instance metadata, IMDSv2: a token (PUT), then GETs with it; short timeouts. Never called when METADATA=off.
imds() {
  base=$METADATA
  if have curl; then
    tok=$(curl -s -f -m 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' "$base/latest/api/token") || { echo "no metadata service"; return 3; }
    get() { curl -s -f -m 2 -H "X-aws-ec2-metadata-token: $tok" "$base/latest/meta-data/$1"; }
  elif have wget; then
    tok=$(wget -q -T 2 -O - --method=PUT --header='X-aws-ec2-metadata-token-ttl-seconds: 60' "$base/latest/api/token") || { echo "no metadata service"; return 3; }
    get() { wget -q -T 2 -O - --header="X-aws-ec2-metadata-token: $tok" "$base/latest/meta-data/$1"; }
  else
    echo "neither curl nor wget"; return 4
  fi
  for key in instance-id instance-type placement/availability-zone local-ipv4 public-ipv4 mac; do
    value=$(get "$key") && printf '%s=%s\n' "${key##*/}" "$value"
  done
  mac=$(get mac) || return 0
  for key in vpc-id subnet-id security-group-ids; do
    value=$(get "network/interfaces/macs/$mac/$key") && printf '%s=%s\n' "$key" "$(echo $value)"
  done
}

section hostname "" sh -c 'hostname 2>/dev/null || cat /proc/sys/kernel/hostname'
section os_release "" first_of /etc/os-release /usr/lib/os-release
section meminfo "" cat /proc/meminfo
section loadavg "" cat /proc/loadavg
section cpu_count "" cpu_count
section cpu_sample "" cpu_sample
section cgroup_memory_limit "" first_of /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes
section thp "" cat /sys/kernel/mm/transparent_hugepage/enabled
section overcommit_memory "" cat /proc/sys/vm/overcommit_memory
section ip_addr "" ip_addr
section ip_route "" ip_route
section listening "" listening
# The bounded copies just framed, not a second run (which would ask sudo twice and may differ).
cat "$W/out" > "$W/ss"
section processes "" processes
cat "$W/out" > "$W/ps"
section firewall "" firewall
[ "$METADATA" = off ] || section imds "" imds

# Redis instances: the ports the inventory lists, plus every redis-server/valkey-server seen running. Discovery needs
# no privilege: process titles, the listening sockets, and /proc where it lets the login user see a process's sockets.
# A port seen only in the process list counts when something listens on it here: a redis-server in a container (another
# network namespace) shows in `ps` but is not reachable on this host's port.
listens_here() {
  grep -q -e ":$1 " -e ":$1\$" "$W/ss" 2>/dev/null && return 0
  grep -q -i ":$(printf '%04X' "$1") " "$W/ss" 2>/dev/null
}
# A Sentinel runs the same binary (`redis-server --sentinel`, titled `redis-server *:26379 [sentinel]`): its port is
# not an instance.
grep -e redis-sentinel -e '--sentinel' -e '\[sentinel\]' "$W/ps" | awk '{print "pid=" $1 ","}' > "$W/sentinels"
not_sentinel() { if [ -s "$W/sentinels" ]; then grep -v -F -f "$W/sentinels"; else cat; fi; }
grep -E 'redis-server|valkey-server' "$W/ps" | grep -v -e redis-sentinel -e '--sentinel' -e '\[sentinel\]' > "$W/servers"
# What a server's title says it listens on. Redis titles itself `<program> <listen-addr>` (proc-title-template's
# default, src/server.c redisProcTitleGetVariable): `*:6379`, `127.0.0.1:6379`, `0.0.0.0:6379`, `::1:6379`, or
# `[::1]:6379` with a template that brackets it; with `port 0` it is `unixsocket:<path>` (Redis 7; older ones and
# some packages show the bare path). Prints `port N`, `unix P` or `path P` per server, from the word after the
# program.
title_listeners() {
  awk '{ for (i = 2; i < NF; i++) if ($i ~ /(^|\/)(redis|valkey)-server$/) {
           w = $(i + 1)
           if (w ~ /^unixsocket:/) print "unix " substr(w, 12)
           else if (w ~ /:[0-9]+$/) { sub(/.*:/, "", w); print "port " w }
           else if (w ~ /^\/.*\.sock$/) print "path " w
           break } }'
}
# Listening TCP ports of the given PIDs, from /proc alone: the socket inodes in /proc/PID/fd (readable for the login
# user's own processes, all of them as root) matched to LISTEN lines (state 0A) of /proc/net/tcp and tcp6, whose
# port is hex. Finds a server whose title names no port (set-proc-title no, a `--port` the title does not show).
inode_ports() {
  for p in "$@"; do ls -l "/proc/$p/fd" 2>/dev/null; done | sed -n 's/.*socket:\[\([0-9][0-9]*\)\].*/\1/p' | sort -u > "$W/inodes"
  [ -s "$W/inodes" ] || return 0
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk 'NR == FNR { want[$1] = 1; next }
    $4 == "0A" && ($10 in want) { n = split($2, a, ":"); print a[n] }' "$W/inodes" - \
    | while read -r hex; do case "$hex" in *[!0-9A-Fa-f]*|'') ;; *) echo $((0x$hex)) ;; esac; done
}
title_listeners < "$W/servers" > "$W/titles"
# A server on a unix socket only is not reachable over TCP (ElastiCache needs TCP): noted, not audited. Redis 7's
# `unixsocket:` title says so itself (its folder may be closed to the login user); a bare path must be a socket.
unix_servers=$(
  { sed -n 's/^unix //p' "$W/titles"
    sed -n 's/^path //p' "$W/titles" | while IFS= read -r sock; do [ -S "$sock" ] && echo "$sock"; done
  } | wc -l | tr -d ' ')
[ "${unix_servers:-0}" -gt 0 ] && note_access "unix-socket-instances $unix_servers"
ports=$(
  { for p in $LISTED_PORTS; do echo "$p"; done
    sed -n 's/^port //p' "$W/titles" | while read -r p; do listens_here "$p" && echo "$p"; done
    grep -E 'redis-server|valkey-server' "$W/ss" | not_sentinel | awk '{print $4}' | sed -n 's/.*:\([0-9][0-9]*\)$/\1/p'
    inode_ports $(awk '{print $1}' "$W/servers")
  } | grep -E '^[0-9]+$' | sort -un | head -n "$MAX_INSTANCES"
)
# A cluster node also listens on its bus port (port + 10000): that is not another instance.
all_ports=" $(echo $ports) "
ports=$(for p in $ports; do case "$all_ports" in *" $((p - 10000)) "*) ;; *) echo "$p" ;; esac; done)
have redis-cli && CLI=redis-cli || { have valkey-cli && CLI=valkey-cli || CLI=; }
# A listed port may accept connections and never answer (or be NFS-backed for df): bound every such call.
have timeout && BOUND="timeout 10" || BOUND=

# The address the instance listens on (loopback when it listens everywhere).
address_of() {
  a=$(awk -v p=":$1" '$4 ~ p"$" {print $4; exit}' "$W/ss" | sed 's/:[0-9]*$//; s/^\[//; s/\]$//; s/%.*//')
  case "$a" in ''|'*'|0.0.0.0|'::') echo 127.0.0.1 ;; *) echo "$a" ;; esac
}

# redis-cli before 5.0 ignores REDISCLI_AUTH. For it, AUTH and the command go in on its standard input (its
# line mode), written by the shell's builtin printf into the private directory: the password is still never an
# argument of any process.
CLI_MAJOR=$([ -n "$CLI" ] && "$CLI" -v 2>/dev/null | sed -n 's/^[a-z-]* \([0-9][0-9]*\)\..*/\1/p')
resp_quote() { printf '"'; printf '%s' "$1" | sed 's/[\\"]/\\&/g' | tr -d '\n'; printf '"'; }
rcli_line_mode() {
  { printf 'AUTH'
    [ -n "$USER_NAME" ] && { printf ' '; resp_quote "$USER_NAME"; }
    printf ' '; resp_quote "$pw"; printf '\n'
    for a in "$@"; do printf ' '; resp_quote "$a"; done; printf '\n'
  } > "$W/in"
  $BOUND "$CLI" -h "$HOST" -p "$PORT" < "$W/in" > "$W/reply" 2>&1; r_rc=$?
  rm -f "$W/in"
  # The first reply is AUTH's: dropped when OK, kept (WRONGPASS...) as evidence otherwise.
  sed '1{/^OK$/d;}' "$W/reply"; return $r_rc
}
# REDISCLI_AUTH is set for the redis-cli process alone (a prefix assignment), never exported to the script's other
# commands, whose environment other processes of the same user could read in /proc/<pid>/environ.
# TLS (empty, or --tls --insecure) is unquoted on purpose: it is zero or two words.
rcli() {
  if [ -n "$pw" ] && [ "${CLI_MAJOR:-5}" -lt 5 ]; then rcli_line_mode "$@"
  elif [ -n "$pw" ] && [ -n "$USER_NAME" ]; then
    REDISCLI_AUTH=$pw $BOUND "$CLI" -h "$HOST" -p "$PORT" $TLS --user "$USER_NAME" "$@"
  elif [ -n "$pw" ]; then REDISCLI_AUTH=$pw $BOUND "$CLI" -h "$HOST" -p "$PORT" $TLS "$@"
  else $BOUND "$CLI" -h "$HOST" -p "$PORT" $TLS "$@"; fi
}
# Whether a reply came from a Redis server (even one refusing us), not from a failed connection.
redis_answered() { case "$1" in *PONG*|*NOAUTH*|*WRONGPASS*|*ERR*|*LOADING*|*NOPERM*|*DENIED*) return 0 ;; esac; return 1; }
# A TLS-only port (`port 0`, `tls-port`) resets a plain connection. redis-cli 6+ then talks TLS to it; the server's
# certificate is not verified (--insecure): the connection stays on this host, and a fleet's CA is not known here.
choose_transport() {
  TLS=
  redis_answered "$(rcli PING 2>&1)" && return 0
  [ "${CLI_MAJOR:-0}" -ge 6 ] || return 0
  TLS="--tls --insecure"
  redis_answered "$(rcli PING 2>&1)" || TLS=
}
# INFO with every section the version has: `everything` (Redis 7+), else `all`, else the default sections.
info_all() {
  for which in everything all default; do
    if [ "$which" = default ]; then out=$(rcli INFO 2>&1); else out=$(rcli INFO "$which" 2>&1); fi
    case "$out" in *redis_version:*) printf '%s\n' "$out"; return 0 ;; esac
  done
  printf '%s\n' "$out"; return 1
}

# Whether process PID holds the socket listening on PORT (its inode among /proc/PID/fd): INFO's process_id is the
# server's own word, and a fake server could name another process (a root redis-server, PID 1) to borrow its rights.
# PID PORT [USER]: a login user may list only its own processes' fds, so under become: sudo the listing is made as
# the user the process claims to run as (`sudo -u USER ls`), which sees the fds only when that claim is true.
pid_owns_port() {
  p_hex=$(printf '%04X' "$2")
  p_inodes=$(awk -v p=":$p_hex" '$2 ~ p"$" && $4 == "0A" { print $10 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null)
  [ -n "$p_inodes" ] || return 1
  if ! p_links=$(ls -l "/proc/$1/fd" 2>/dev/null); then
    if use_sudo && [ -n "$3" ] && p_links=$(through_sudo "server_fd port=$PORT" "$3" ls -l "/proc/$1/fd" 2>/dev/null); then :
    else note_access "denied server_fd port=$PORT"; S_UNVERIFIED=1; return 1; fi
  fi
  for p_inode in $p_inodes; do case "$p_links" in *"socket:[$p_inode]"*) return 0 ;; esac; done
  return 1
}
# The user and groups a redis-server runs as (effective ids, from /proc/PID/status): a config file is copied only
# when that user could read it. Unknown (no pid, /proc hidden, or PID not the one listening on the instance's port):
# S_UID stays empty and only world-readable files count; S_UNVERIFIED says the login user could not tell (it may
# not look into another user's /proc/PID/fd), which is a matter of privilege, not of the file.
# The user's name is what sudo -u takes (a sudoers Runas list names users); only a plain name is used.
server_identity() {
  S_UID=; S_GIDS=" "; S_USER=; S_UNVERIFIED=; : > "$W/status"
  [ -n "$1" ] && proc_read "$1" status > "$W/status" 2>/dev/null || return 0
  c_uid=$(awk '/^Uid:/ { print $3; exit }' "$W/status")
  case "$c_uid" in ''|*[!0-9]*) return 0 ;; esac
  c_user=$({ getent passwd "$c_uid" 2>/dev/null || awk -F: -v u="$c_uid" '$3 == u' /etc/passwd; } | head -n 1 | cut -d: -f1)
  case "$c_user" in ''|-*|*[!a-zA-Z0-9._-]*) c_user= ;; esac
  pid_owns_port "$1" "$2" "$c_user" || return 0
  S_UID=$c_uid; S_USER=$c_user
  S_GIDS=" $(awk '/^Gid:/ { printf "%s ", $3 } /^Groups:/ { for (i = 2; i <= NF; i++) printf "%s ", $i }' "$W/status") "
}
# proc_read PID NAME: /proc/PID/NAME (status, cgroup); through `sudo -n` as root only when /proc hides it from the
# login user (mounted with hidepid).
proc_read() {
  [ -r "/proc/$1/$2" ] && cat "/proc/$1/$2" 2>/dev/null && return 0
  if use_sudo; then through_sudo "server_$2 port=$PORT" root cat "/proc/$1/$2"; r=$?; [ $r -ne 125 ] && return $r; fi
  note_access "denied server_$2 port=$PORT"
  echo "/proc/$1/$2: not readable by the login user"; return 1
}
# pid_of_port PORT: the redis-server listening on PORT, from the socket's owner (`ss -p`) or from its title.
pid_of_port() {
  o_pid=$(awk -v p=":$1" '$4 ~ p"$"' "$W/ss" | sed -n 's/.*pid=\([0-9][0-9]*\).*/\1/p' | head -n 1)
  [ -n "$o_pid" ] || o_pid=$(awk -v p=":$1" '{ for (i = 2; i < NF; i++) if ($i ~ /(^|\/)(redis|valkey)-server$/) {
      w = $(i + 1); if (length(w) > length(p) && substr(w, length(w) - length(p) + 1) == p) { print $1; exit } } }' "$W/servers")
  case "$o_pid" in ''|*[!0-9]*) ;; *) echo "$o_pid" ;; esac
}
# The command line the server was started with, the layer above redis.conf (`redis-server FILE --name value`).
# Redis replaces its argv with its title at start, so /proc/PID/cmdline is only the title; the arguments survive in
# what started it: a parent that stayed (tini, sudo, `sh -c "redis-server ... ; ..."`) or the systemd unit of its
# cgroup (`systemctl show -p ExecStart`, read-only). The first line says where they came from (`from cmdline`,
# `from parent`, `from systemd UNIT`) or that they cannot be seen (`from title`); then one argument per line.
argv_of() { tr '\0' '\n' < "/proc/$1/cmdline" 2>/dev/null | sed '/^$/d' | head -n 256 | head -c 65536; }
is_server_word() { case "${1##*/}" in redis-server|valkey-server|redis-stack-server|redis6-server|redis7-server) return 0 ;; esac; return 1; }
command_line_of() { # PID
  c_args=$(argv_of "$1")
  if [ "$(printf '%s\n' "$c_args" | wc -l)" -gt 1 ]; then echo "from cmdline"; printf '%s\n' "$c_args"; return 0; fi
  c_ppid=$(sed -n 's/^PPid:[[:space:]]*\([0-9]*\).*/\1/p' "$W/status" 2>/dev/null | head -n 1)
  if [ -n "$c_ppid" ] && [ "$c_ppid" -gt 1 ]; then
    c_parent=$(argv_of "$c_ppid")
    # An exec-style wrapper (tini -- redis-server ..., sudo -u redis redis-server ...): from the server's word on.
    c_from=$(printf '%s\n' "$c_parent" | awk '{ n = $0; sub(/.*\//, "", n) } !found && (n == "redis-server" || n == "valkey-server" || n == "redis-stack-server" || n == "redis6-server" || n == "redis7-server") { found = 1 } found')
    # A shell wrapper (sh -c "redis-server /etc/redis.conf --port 6380; ..."): the first command of its script.
    if [ -z "$c_from" ] && [ "$(printf '%s\n' "$c_parent" | sed -n 2p)" = "-c" ]; then
      c_script=$(printf '%s\n' "$c_parent" | sed -n 3p | sed 's/[;&|].*//' | tr -d "\"'")
      set -f; set -- $c_script; set +f
      while [ $# -gt 0 ] && ! is_server_word "$1"; do shift; done
      [ $# -gt 0 ] && c_from=$(printf '%s\n' "$@")
    fi
    if [ -n "$c_from" ]; then echo "from parent"; printf '%s\n' "$c_from"; return 0; fi
  fi
  c_unit=$(proc_read "$1" cgroup 2>/dev/null | sed -n 's#^[0-9]*:[^:]*:.*/\([^/]*\.service\)$#\1#p' | head -n 1)
  case "$c_unit" in *[!a-zA-Z0-9@._:-]*) c_unit= ;; esac
  if [ -n "$c_unit" ] && have systemctl; then
    c_exec=$(systemctl show -p ExecStart --value -- "$c_unit" 2>/dev/null | head -c 65536 | sed -n 's/.*argv\[\]=\([^;]*\) ;.*/\1/p' | head -n 1)
    if [ -n "$c_exec" ]; then
      echo "from systemd $c_unit"; set -f; printf '%s\n' $c_exec; set +f; return 0
    fi
  fi
  echo "from title"; printf '%s\n' "$c_args"
}
# The server's command table as it runs (`COMMAND`, read-only): one `name flag...` line per command, reduced on the
# host from redis-cli's nested format (the whole reply is 230 KB on 7.0). A renamed command is there under its new
# name with its flags; a disabled one is not there at all.
command_table() {
  { rcli --no-raw COMMAND 2>&1; echo $? > "$W/command.rc"; } | awk '
    # Top-level entries start at the first column block: "  1)  1) \"get\"". Their index ends where the first
    # line put it; elements of an entry are one block further in.
    function flush() { if (name != "") print name flags; name = ""; flags = "" }
    NR == 1 && !/^ *[0-9]+\) / { print; failed = 1 }
    failed { print; next }
    {
      if (top == 0) { top = index($0, ")"); element = top + index(substr($0, top + 1), ")") }
      if (substr($0, top, 1) == ")" && substr($0, 1, top - 1) ~ /^ *[0-9]+$/) {
        flush(); rest = substr($0, top + 1); sub(/^ *1\) /, "", rest); gsub(/"/, "", rest); name = rest; field = 1; next }
      if (substr($0, element, 1) == ")" && substr($0, top + 1, element - top - 1) ~ /^ *[0-9]+$/) {
        field = substr($0, top + 1, element - top - 1) + 0; rest = substr($0, element + 1) }
      else rest = $0
      if (field == 3) { sub(/^ *([0-9]+\) )?/, "", rest); if (rest != "(empty array)" && rest != "(empty list or set)") flags = flags " " rest }
    }
    END { flush() }'
  return "$(cat "$W/command.rc" 2>/dev/null || echo 1)"
}
# Whether each command of LOOKUP_NAMES resolves by its own name (`COMMAND INFO name...`, read-only): one `NAME yes|no`
# line each. COMMAND lists a renamed command under its original name, but looks names up by the new one: `no` is
# a command renamed or disabled.
command_lookup() {
  set -f; set -- $LOOKUP_NAMES; set +f
  [ $# -gt 0 ] || return 0
  { rcli --no-raw COMMAND INFO "$@" 2>&1; echo $? > "$W/lookup.rc"; } | awk -v names="$LOOKUP_NAMES" '
    BEGIN { n = split(names, name, " ") }
    NR == 1 && !/^ *[0-9]+\) / { print; failed = 1 }
    failed { print; next }
    { if (top == 0) top = index($0, ")")
      if (substr($0, top, 1) == ")" && substr($0, 1, top - 1) ~ /^ *[0-9]+$/) {
        i = substr($0, 1, top - 1) + 0; rest = substr($0, top + 1); sub(/^ */, "", rest)
        if (i <= n) print name[i], (rest == "(nil)" ? "no" : "yes") } }'
  return "$(cat "$W/lookup.rc" 2>/dev/null || echo 1)"
}
# Seconds left before the watchdog ends the collector: sampling starts only when it can finish before that.
seconds_left() { echo $((STARTED_AT + DEADLINE - $(date +%s))); }
# One write-rate sample of the instance (docs/collector.md#write-rate-samples): the host's clock (with nanoseconds where
# `date` has them), then the counters the full-sync model reads, from one INFO call (read-only).
write_sample() {
  w_now=$(date +%s.%N 2>/dev/null)
  case "$w_now" in *[!0-9.]*|.*|*.|'') w_now=$(date +%s) ;; esac
  printf 'time %s\n' "$w_now"
  rcli INFO 2>&1 | tr -d '\r' | head -c 65536 > "$W/sample.info"
  grep -E '^(role|master_repl_offset|repl_backlog_active|total_net_input_bytes|server_time_usec|uptime_in_seconds|run_id):' \
    "$W/sample.info" | head -n 16 > "$W/sample.fields"
  if grep -q -e '^master_repl_offset:' -e '^total_net_input_bytes:' "$W/sample.fields"; then
    cat "$W/sample.fields"; return 0
  fi
  printf 'failed: %s\n' "$(head -n 1 "$W/sample.info" | head -c 200)"; return 1
}
# The instance's write_sample section: its first sample (taken early in its collection), then the second, taken
# SYNC_SAMPLE seconds after the first (the caller waits), so both bracket the rest of the collection.
write_samples() {
  cat "$W/sample1.$PORT"
  grep -q '^skipped:' "$W/sample1.$PORT" && return 3
  grep -q '^failed:' "$W/sample1.$PORT" && return 1
  write_sample
}
# Key sampling (docs/collector.md#key-sampling), read-only and bounded: SCAN COUNT 100 pages (at most KEY_COUNT keys,
# KEY_SECONDS seconds, KEY_COUNT / 10 + 10 pages in all), in each database INFO keyspace names; then TYPE and MEMORY
# USAGE (Redis 4.0+; default SAMPLES 5, so O(1) per key however big) of each key, else STRLEN/LLEN/HLEN/SCARD/ZCARD/
# XLEN by type. Key names are data: redis-cli --no-raw prints each one quoted and escaped on one line (sdscatrepr),
# and that quoted form is what its line mode reads back (sdssplitargs), on standard input: a name never becomes an
# argument, a path or shell code. Names longer than 512 quoted bytes are cut in the output (and say so). The 20
# largest are printed, one `key DB TYPE SIZE MEASURE NAME` line each, after a `sampled` line saying how far it got.
key_sample() {
  k_end=$(($(date +%s) + KEY_SECONDS)); k_pages=$((KEY_COUNT / 10 + 10)); k_n=0; k_complete=yes; k_cut=0
  k_major=$(sed -n 's/^redis_version:\([0-9][0-9]*\)\..*/\1/p' "$W/info" | head -n 1)
  k_dbs=$(sed -n 's/^db\([0-9][0-9]*\):keys=.*/\1/p' "$W/info" | head -n 64)
  : > "$W/keys"; : > "$W/sized"
  for k_db in $k_dbs; do
    k_cursor=0
    while :; do
      if [ "$k_n" -ge "$KEY_COUNT" ] || [ "$k_pages" -le 0 ] || [ "$(date +%s)" -ge "$k_end" ]; then
        k_complete=no; break 2
      fi
      k_pages=$((k_pages - 1))
      rcli -n "$k_db" --no-raw SCAN "$k_cursor" COUNT 100 2>&1 | head -c 1048576 > "$W/page"
      k_next=$(sed -n '1s/^1) "\([0-9][0-9]*\)"\r\{0,1\}$/\1/p' "$W/page")
      if [ -z "$k_next" ]; then printf 'failed: %s\n' "$(head -n 1 "$W/page" | head -c 200)"; return 1; fi
      # Each key line is `2) 1) "name"` or `   N) "name"`; the name is the quoted rest. Cut pages keep whole lines.
      sed -n '2,$p' "$W/page" | sed -n 's/^[0-9 )]*\(".*"\)$/\1/p' \
        | awk -v db="$k_db" -v room=$((KEY_COUNT - k_n)) 'NR <= room && length($0) <= 65536 { print db, $0 }' >> "$W/keys"
      k_n=$(wc -l < "$W/keys" | tr -d ' ')
      k_cursor=$k_next
      [ "$k_cursor" = 0 ] && break
    done
  done
  # Sizes, one redis-cli session per database, bounded by the time left (at least 2 s: a loaded host needs that
  # for a thousand round trips, and SCAN may have used the whole budget).
  k_left=$((k_end - $(date +%s))); [ "$k_left" -ge 2 ] || k_left=2
  k_bound=$BOUND; have timeout && BOUND="timeout $k_left"
  for k_db in $(awk '{ print $1 }' "$W/keys" | sort -un); do
    awk -v db="$k_db" '$1 == db { print substr($0, length($1) + 2) }' "$W/keys" > "$W/names"
    if [ "${k_major:-0}" -ge 4 ]; then
      awk '{ print "TYPE " $0; print "MEMORY USAGE " $0 }' "$W/names" > "$W/cmds"
    else
      awk '{ print "TYPE " $0 }' "$W/names" > "$W/cmds"
    fi
    REDISCLI_HISTFILE=/dev/null rcli -n "$k_db" --no-raw < "$W/cmds" 2>&1 | head -n $(($(wc -l < "$W/cmds") + 1)) \
      | tr -d '\r' > "$W/replies"
    # TYPE's reply, then MEMORY USAGE's `(integer) N` (or an error: then the length command of its type below).
    awk -v db="$k_db" -v mem=$([ "${k_major:-0}" -ge 4 ] && echo 1 || echo 0) 'NR == FNR { name[FNR] = $0; n = FNR; next }
      { reply[FNR] = $0; r = FNR }
      END { step = mem ? 2 : 1
        for (i = 1; i <= n; i++) { t = reply[(i - 1) * step + 1]; s = mem ? reply[i * 2] : ""
          if (t !~ /^[a-z][a-z0-9_-]*$/) t = "unknown"
          if (s ~ /^\(integer\) [0-9]+$/) print "key", db, t, substr(s, 11), "memory", name[i]
          else print "pending", db, t, "-", "-", name[i] } }' "$W/names" "$W/replies" >> "$W/sized"
    # Length commands for what MEMORY USAGE did not size (Redis before 4.0, MEMORY renamed or refused).
    awk -v db="$k_db" '$1 == "pending" && $2 == db { c = ""
        if ($3 == "string") c = "STRLEN"; else if ($3 == "list") c = "LLEN"; else if ($3 == "hash") c = "HLEN"
        else if ($3 == "set") c = "SCARD"; else if ($3 == "zset") c = "ZCARD"; else if ($3 == "stream") c = "XLEN"
        if (c != "") print c, substr($0, index($0, "\""), length($0)) }' "$W/sized" > "$W/cmds"
    if [ -s "$W/cmds" ]; then
      REDISCLI_HISTFILE=/dev/null rcli -n "$k_db" --no-raw < "$W/cmds" 2>&1 | head -n $(($(wc -l < "$W/cmds") + 1)) \
        | tr -d '\r' > "$W/replies"
      awk -v db="$k_db" 'NR == FNR { reply[FNR] = $0; next }
        $1 == "pending" && $2 == db && $3 ~ /^(string|list|hash|set|zset|stream)$/ { i++; s = reply[i]
          m = ($3 == "string") ? "strlen" : ($3 == "list") ? "llen" : ($3 == "hash") ? "hlen" : ($3 == "set") ? "scard" : ($3 == "zset") ? "zcard" : "xlen"
          if (s ~ /^\(integer\) [0-9]+$/) { print "key", $2, $3, substr(s, 11), m, substr($0, index($0, "\"")); next } }
        { print }' "$W/replies" "$W/sized" > "$W/sized.new" && mv "$W/sized.new" "$W/sized"
    fi
  done
  BOUND=$k_bound
  # `sampled` counts the keys sized: one cut off by the time bound was scanned, not sampled.
  k_sized=$(grep -c '^key ' "$W/sized")
  [ "$k_sized" -lt "$k_n" ] && k_complete=no
  printf 'sampled %s complete %s seconds %s count %s measure %s\n' "$k_sized" "$k_complete" "$KEY_SECONDS" "$KEY_COUNT" \
    "$([ "${k_major:-0}" -ge 4 ] && echo memory || echo length)"
  # The 20 largest sized keys, each name cut at 512 quoted bytes (marked `cut`).
  grep '^key ' "$W/sized" | awk '{ print $4 "\t" $0 }' | sort -t "$(printf '\t')" -k1,1nr | head -n 20 \
    | cut -f 2- | awk '{ p = index($0, "\""); head = substr($0, 1, p - 1); name = substr($0, p)
        if (length(name) > 512) print head "cut " substr(name, 1, 512); else print head name }'
}
# as_server WHAT CMD...: CMD as the Redis server's own user through `sudo -n -u USER` when become is sudo and the login
# user is another: the kernel then applies the copy rule itself (only what that user can read). Else, or when sudo
# refuses, as the login user; a read refused for permission is recorded (WHAT `-`: nothing recorded).
as_server() {
  a_what=$1; shift
  if use_sudo && [ -n "$S_USER" ] && [ "$S_UID" != "$LOGIN_UID" ]; then
    through_sudo "$a_what" "$S_USER" "$@"; a_rc=$?
    [ $a_rc -ne 125 ] && return $a_rc
  fi
  "$@" 2>"$W/as.err"; a_rc=$?
  [ $a_rc -ne 0 ] && [ "$a_what" != - ] && grep -q 'Permission denied' "$W/as.err" && note_access "denied $a_what"
  cat "$W/as.err" >&2; return $a_rc
}
# copy_refusal PATH: prints why PATH must not be copied and succeeds; fails (prints nothing) when it may be.
# Only regular files (a FIFO would block, /dev/zero never ends), never a credential store, and only what the
# server's own user could read: the auditor (root or sudo) must not copy a file because it can. The file is looked
# at with that user's eyes (as_server): a login user that may not enter /etc/redis (Debian's is 2770 redis:redis)
# cannot tell a missing file from a hidden one, and says so.
copy_refusal() {
  # The name as written and where it leads (a symlink to /etc/shadow is /etc/shadow).
  for c_name in "$1" "$(as_server - readlink -f -- "$1" 2>/dev/null)"; do
    case "$c_name" in
      /proc/*|/sys/*|/dev/*) echo "skipped: on a special file system"; return 0 ;;
      /etc/shadow*|/etc/gshadow*|/etc/sudoers|/etc/sudoers.d/*|/etc/ssh/*key*|*/.ssh/*|*/.aws/*)
        echo "skipped: a credential store"; return 0 ;;
    esac
  done
  if ! c_stat=$(as_server "config_file port=$PORT" stat -L -c '%F|%u %g %a' -- "$1" 2>"$W/stat.err"); then
    case $(cat "$W/stat.err") in
      *'Permission denied'*) echo "skipped: cannot look at it as the login user (Permission denied)" ;;
      *'No such file'*) echo "skipped: no such file" ;;
      *) echo "skipped: cannot stat it" ;;
    esac
    return 0
  fi
  case "${c_stat%%|*}" in 'regular file'|'regular empty file') ;; *) echo "skipped: not a regular file"; return 0 ;; esac
  set -- ${c_stat#*|}
  c_mode=$((0$3))
  [ $((c_mode & 4)) -ne 0 ] && return 1
  [ "$S_UID" = 0 ] && return 1
  [ -n "$S_UID" ] && [ "$1" = "$S_UID" ] && [ $((c_mode & 256)) -ne 0 ] && return 1
  case "$S_GIDS" in *" $2 "*) [ $((c_mode & 32)) -ne 0 ] && return 1 ;; esac
  if [ -n "$S_UNVERIFIED" ]; then
    echo "skipped: the server's user could not be verified as the login user (/proc/<pid>/fd: Permission denied)"
  else
    echo "skipped: not readable by the server's user (uid ${S_UID:-unknown}; file owner $1:$2, mode $3)"
  fi
  return 0
}

for PORT in $ports; do
  HOST=$(address_of "$PORT")
  pw=$(awk -v p="$PORT" '$1 == p { sub(/^[^ ]* [^ ]* /, ""); print; exit }' "$W/secrets")
  USER_NAME=$(awk -v p="$PORT" '$1 == p && $2 != "default" { print $2; exit }' "$W/secrets")
  attrs="port=$PORT"
  if [ -z "$CLI" ]; then
    section info "$attrs" sh -c 'echo "redis-cli: not found"; exit 127'
    continue
  fi
  choose_transport
  [ -n "$TLS" ] && attrs="$attrs transport=tls"
  section info "$attrs" info_all
  # The server's own facts (config_file, process_id) come from that INFO's copy: no second INFO call.
  head -c 65536 "$W/out" > "$W/server"
  tr -d '\r' < "$W/out" > "$W/out.info"
  cat "$W/out" > "$W/info"
  printf '%s\n' "$TLS" > "$W/tls.$PORT"
  # Key sampling first, so that its own commands do not count in the write rate sampled next. Only when INFO
  # answered, and when it can end before the watchdog; redis-cli before 5.0 with a password has no -n in line mode.
  if [ "$KEY_COUNT" -gt 0 ] && [ "$KEY_SECONDS" -gt 0 ] && grep -q '^redis_version:' "$W/info"; then
    if [ -n "$pw" ] && [ "${CLI_MAJOR:-5}" -lt 5 ]; then
      section key_sample "$attrs" sh -c 'echo "skipped: redis-cli before 5.0 with a password"; exit 3'
    elif [ "$(seconds_left)" -le $((KEY_SECONDS + SYNC_SAMPLE + 5)) ]; then
      section key_sample "$attrs" sh -c 'echo "skipped: too close to the collector'"'"'s deadline"; exit 3'
    else
      section key_sample "$attrs" key_sample
    fi
  fi
  # The first write-rate sample; the second comes after every instance's collection (below).
  if [ "$SYNC_SAMPLE" -gt 0 ] && grep -q '^redis_version:' "$W/info"; then
    date +%s > "$W/sample_at.$PORT"
    if [ "$(seconds_left)" -le $((SYNC_SAMPLE + 3)) ]; then
      echo "skipped: fewer than $((SYNC_SAMPLE + 3)) s left before the collector's deadline" > "$W/sample1.$PORT"
    else
      write_sample > "$W/sample1.$PORT" 2>&1
    fi
  fi
  section config_get "$attrs" rcli CONFIG GET '*'
  section client_list "$attrs" rcli CLIENT LIST
  section module_list "$attrs" rcli MODULE LIST
  section acl_list "$attrs" rcli ACL LIST
  # A cluster node: the cluster's primaries and their slots (read-only), to map source shards onto target shards.
  grep -q '^cluster_enabled:1' "$W/out.info" 2>/dev/null && section cluster_nodes "$attrs" rcli CLUSTER NODES
  # The config file the instance was started with, and what it includes (bounded: 10 files, each read bounded).
  conf=$(sed -n 's/^config_file:\(.*\)\r\{0,1\}$/\1/p' "$W/server" | tr -d '\r' | head -n 1)
  pid=$(sed -n 's/^process_id:\([0-9]*\).*/\1/p' "$W/server" | head -n 1)
  fallback=
  # INFO did not answer (a TLS port that wants a client certificate, a password the inventory lacks): the process
  # listening on the port, found from its socket or its title and kept only when it holds the port's socket, so
  # that its command line and config file are still read.
  if [ -z "$pid" ]; then pid=$(pid_of_port "$PORT"); fallback=${pid:+1}; fi
  server_identity "$pid" "$PORT"
  [ -n "$fallback" ] && [ -z "$S_UID" ] && pid=
  [ -n "$pid" ] && section command_line "$attrs" command_line_of "$pid"
  # Then the config file is the command line's (an absolute path only: a relative one names the server's cwd).
  if [ -n "$fallback" ] && [ -n "$pid" ] && [ -z "$conf" ] && sed -n 1p "$W/out" | grep -q -e '^from cmdline$' -e '^from parent$' -e '^from systemd '; then
    conf=$(sed -n 3p "$W/out"); case "$conf" in /*) ;; *) conf= ;; esac
  fi
  section command_table "$attrs" command_table
  section command_lookup "$attrs" command_lookup
  if [ -n "$conf" ]; then
    printf '%s\n' "$conf" > "$W/files"; n=0
    while [ $n -lt 10 ] && f=$(sed -n "$((n + 1))p" "$W/files") && [ -n "$f" ]; do
      n=$((n + 1))
      if why=$(copy_refusal "$f"); then
        section config_file_skipped "$attrs path=$f" printf '%s\n' "$why"
        continue
      fi
      section config_file "$attrs path=$f" as_server "config_file port=$PORT" cat -- "$f"
      # Includes come from the bounded copy just framed, never from the file itself (which may be huge or changed).
      sed -n 's/^[[:space:]]*[iI][nN][cC][lL][uU][dD][eE][[:space:]][[:space:]]*\([^[:space:]]*\).*/\1/p' "$W/out" \
        | head -n 64 | while read -r inc; do for g in $inc; do printf '%s\n' "$g"; done; done | head -n 64 \
        | while IFS= read -r g; do grep -qxF -e "$g" "$W/files" || printf '%s\n' "$g" >> "$W/files"; done
    done
  fi
  dir=$(rcli CONFIG GET dir 2>/dev/null | sed -n 2p)
  [ -n "$dir" ] && section disk_free "$attrs" $BOUND df -Pk "$dir"
  [ -n "$pid" ] && section process_rss "$attrs" grep -E '^VmRSS' "$W/status"
  [ -n "$pid" ] && section cgroup_memory_limit "$attrs" cgroup_limit_of "$pid"
done
# The second write-rate sample of each instance, SYNC_SAMPLE seconds after its first: the other instances' collection
# ran in between, so the wait is at most SYNC_SAMPLE seconds for the whole host.
for PORT in $ports; do
  [ -s "$W/sample1.$PORT" ] || continue
  HOST=$(address_of "$PORT")
  pw=$(awk -v p="$PORT" '$1 == p { sub(/^[^ ]* [^ ]* /, ""); print; exit }' "$W/secrets")
  USER_NAME=$(awk -v p="$PORT" '$1 == p && $2 != "default" { print $2; exit }' "$W/secrets")
  TLS=$(cat "$W/tls.$PORT"); attrs="port=$PORT"; [ -n "$TLS" ] && attrs="$attrs transport=tls"
  # Whole seconds: one more than asked, so that the samples are at least SYNC_SAMPLE apart (at most one more).
  w_wait=$(($(cat "$W/sample_at.$PORT") + SYNC_SAMPLE + 1 - $(date +%s)))
  [ "$w_wait" -gt 0 ] && [ "$(seconds_left)" -gt $((w_wait + 2)) ] && sleep "$w_wait"
  section write_sample "$attrs" write_samples
done
# How every read went, for the report's note on privilege (docs/collector.md#privilege).
if [ "$LOGIN_UID" = 0 ]; then note_access "login root"; else note_access "login user"; fi
note_access "become $BECOME"
[ "$BECOME" = sudo ] && [ "$LOGIN_UID" != 0 ] && ! have sudo && note_access "sudo-missing"
section access "" sort -u "$W/access"
