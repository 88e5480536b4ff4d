#!/usr/bin/env bash
# Benchmark (not a test): N hosts behind one bastion (ProxyJump). `fleet-audit exec` with an inventory whose defaults
# say `proxy_jump:` (and the bastion caps `max_sessions_per_bastion` / `max_connections_per_bastion`), against pssh
# (Debian) running OpenSSH `ssh -J` per host, same sshds, same command. Results and how to read them:
# docs/benchmarks.md.
#
#   bench/jump-bench.sh                 # N = 200
#   SIZES="200 500" bench/jump-bench.sh
#   SIZES="100" CLIENTS=fleet-audit bench/jump-bench.sh
#
# Environment: FLEET_AUDIT (binary, default the release build), SIZES, CONCURRENCY (hosts in flight, default 64), CHANNELS and
# CONNECTIONS (the engine's caps per bastion connection / per bastion, defaults 8 and 10), LISTENERS (target sshd
# ports, default 16), CLIENTS, BENCH_COMMAND, KEEP=1.
#
# Columns: cpu_ms/host = client user+sys CPU (children included: pssh's ssh processes) / N; rss_MiB = peak RSS of
# the largest process; bastion_conns = TCP connections the bastion accepted; bastion_cpu = CPU of the bastion sshd
# and its session processes.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/result.bash
source bench/lib/sshd.bash
root=$(pwd)
driver=${FLEET_AUDIT:-$root/.build/release/fleet-audit}
sizes=${*:-${SIZES:-200}}
concurrency=${CONCURRENCY:-64}
channels=${CHANNELS:-8}
connections=${CONNECTIONS:-10}
listeners=${LISTENERS:-16}
clients=${CLIENTS:-fleet-audit pssh}
command=${BENCH_COMMAND:-cat /etc/hostname; uname -sr}
ticks=$(getconf CLK_TCK)

[ -x "$driver" ] || { echo "no fleet-audit at $driver (run: make release)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

work=$(mktemp -d /tmp/fleet-audit-jump-bench.XXXXXX)
cleanup() {
  for pidfile in "$work"/*.pid; do [ -s "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then echo "# kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
user=$(id -un)
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -f "$work/host_ed25519" -N "" -C fleet-audit-jump-bench-host
ssh-keygen -q -t ed25519 -f "$work/id_ed25519" -N "" -C fleet-audit-jump-bench-client
cp "$work/id_ed25519.pub" "$work/authorized_keys"

common() { bench_sshd_config "$work" "$1" "$2"; } # pidfile log level
# The targets: one sshd on several ports (OpenSSH's listen backlog is 128; see exec-bench.sh).
ports=()
for _ in $(seq 1 "$listeners"); do ports+=("$(free_port)"); done
{ for port in "${ports[@]}"; do echo "Port $port"; done; common "$work/target.pid" ERROR; } >"$work/target_config"
/usr/sbin/sshd -f "$work/target_config" -E "$work/target.log"
# The bastion: its log at VERBOSE counts the connections it accepted.
bastion_port=$(free_port)
{ echo "Port $bastion_port"; common "$work/bastion.pid" VERBOSE; } >"$work/bastion_config"
/usr/sbin/sshd -f "$work/bastion_config" -E "$work/bastion.log"
for port in "${ports[@]}" "$bastion_port"; do
  for _ in $(seq 100); do nc -z 127.0.0.1 "$port" 2>/dev/null && break; sleep 0.05; done
  echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$work/host_ed25519.pub")"
done >"$work/known_hosts"
bastion_pid=$(cat "$work/bastion.pid")
cat >"$work/ssh_config" <<CONF
Host *
  IdentityFile $work/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $work/known_hosts
  BatchMode yes
  User $user
CONF
bastion_cpu() {
  awk -v t="$ticks" '{ sub(/^.*\) /, ""); printf "%.3f", ($12 + $13 + $14 + $15) / t }' "/proc/$bastion_pid/stat"
}
bastion_connections() { grep -c "Connection from" "$work/bastion.log" || true; }

measure() { # client N
  local client=$1 n=$2 before_cpu before_conns
  local out="$work/$client-$n.out" timing="$work/$client-$n.time"
  before_cpu=$(bastion_cpu)
  before_conns=$(bastion_connections)
  case "$client" in
  fleet-audit)
    { cat <<INV
defaults:
  user: $user
  identity_file: $work/id_ed25519
  known_hosts: $work/known_hosts
  metadata: off
  timeouts: {connect: 30, handshake: 60, auth: 60, command: 120, host: 600}
  proxy_jump: $user@127.0.0.1:$bastion_port
  max_sessions_per_bastion: $channels
  max_connections_per_bastion: $connections
hosts:
INV
      for i in $(seq 1 "$n"); do echo "  - {name: bench-$i, address: 127.0.0.1, port: ${ports[$((i % listeners))]}}"; done
    } >"$work/inventory-$n.yaml"
    /usr/bin/time -v -o "$timing" "$driver" exec -i "$work/inventory-$n.yaml" --ssh-config none \
      --concurrency "$concurrency" --json -- "$command" >"$out" 2>"$out.err" || true
    ok=$(sed -n 's/^ *"ok" : \([0-9]*\).*/\1/p' "$out" | tail -1)
    ;;
  pssh)
    for i in $(seq 1 "$n"); do echo "127.0.0.1:${ports[$((i % listeners))]}"; done >"$work/hosts-$n.txt"
    /usr/bin/time -v -o "$timing" /usr/bin/parallel-ssh -h "$work/hosts-$n.txt" -l "$user" -p "$concurrency" \
      -t 120 -x "-F $work/ssh_config -J $user@127.0.0.1:$bastion_port" "$command" >"$out" 2>"$out.err" || true
    ok=$(grep -c '\[SUCCESS\]' "$out" || true)
    ;;
  esac
  sleep 1
  server=$(awk -v a="$(bastion_cpu)" -v b="$before_cpu" 'BEGIN { printf "%.2f", a - b }')
  conns=$(($(bastion_connections) - before_conns))
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
    n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$timing")
  cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.2f", u + s }' "$timing")
  rss_kib=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$timing")
  ok=${ok:-0}
}

echo "# jump benchmark: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# command: $command    hosts in flight: $concurrency    engine caps: $channels channels x $connections connections"
echo "# reproduce: SIZES=\"$sizes\" CONCURRENCY=$concurrency CHANNELS=$channels CONNECTIONS=$connections \\
  CLIENTS=\"$clients\" bench/jump-bench.sh"
printf '%-12s %5s %5s %8s %8s %12s %8s %14s %12s\n' client N ok wall_s cpu_s cpu_ms/host rss_MiB bastion_conns \
  bastion_cpu
status=0
for n in $sizes; do
  for client in $clients; do
    if [ "$client" = pssh ] && [ ! -x /usr/bin/parallel-ssh ]; then echo "# pssh: not installed"; continue; fi
    measure "$client" "$n"
    awk -v c="$client" -v n="$n" -v ok="$ok" -v w="$wall" -v cpu="$cpu" -v r="$rss_kib" -v b="$conns" \
      -v s="$server" 'BEGIN { printf "%-12s %5d %5d %8.2f %8.2f %12.2f %8.1f %14d %12.2f\n", c, n, ok, w, cpu,
        cpu * 1000 / n, r / 1024, b, s }'
    if [ "$client" = fleet-audit ]; then # every host through the pooled bastion connections, within the cap
      bench_result "jump: hosts ok behind one bastion, N=$n" "$ok" ge "$n" hosts || status=1
      bench_result "jump: bastion connections, N=$n" "$conns" le "$connections" connections || status=1
    fi
    if [ "$ok" != "$n" ]; then
      KEEP=1
      echo "#   $client: only $ok of $n hosts succeeded; first errors:" >&2
      head -3 "$work/$client-$n.out.err" 2>/dev/null >&2 || true
    fi
  done
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
