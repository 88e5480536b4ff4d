#!/usr/bin/env bash
# Benchmark (not a test): `fleet-audit exec` on a latency-bound fleet. Every host sits behind the lab's delay relay
# (`fleet-lab relay`, Sources/LabKit/DelayRelay.swift: what sshd sends is delivered RTT_MS later, so each round trip
# grows by RTT_MS), in front of one loopback sshd. It measures the round trips one session needs, then N hosts at
# once, and compares the wall time with the floor: round trips x RTT + the server-bound floor (sshd CPU / cores).
# Results and how to read them: docs/benchmarks.md.
#
#   bench/latency-bench.sh                        # N=200 hosts at RTT_MS=50
#   N=500 RTT_MS=100 bench/latency-bench.sh
#
# Environment: FLEET_AUDIT, FLEET_LAB (binaries, default .build/release/), N, RTT_MS, CONCURRENCY (default 256),
# LISTENERS (relays, each in front of its own sshd port, default 8), PROBE_RTT_MS (the relay used to count round trips,
# default 200: a long round trip makes the count exact despite noise), RUNS (single-session runs, best kept,
# default 3), BENCH_COMMAND, KEEP=1 (keep the work directory). Each client run is bounded by `timeout` (TIME_LIMIT
# seconds, default 300); every process started here is stopped by PID on exit.
#
# Columns: rounds = (wall of one session through the PROBE_RTT_MS relay - wall of one session without it) /
# PROBE_RTT_MS, the round trips a session waits for; rtt_floor_s = rounds x RTT_MS; server_floor_s = sshd CPU / cores
# (the wall time a client that cost nothing could reach without latency); floor_s = their sum; wall/floor.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/result.bash
source bench/lib/sshd.bash
root=$(pwd)
fleet_audit=${FLEET_AUDIT:-$root/.build/release/fleet-audit}
fleet_lab=${FLEET_LAB:-$(dirname "$fleet_audit")/fleet-lab}
hosts=${N:-200}
rtt_ms=${RTT_MS:-50}
probe_rtt_ms=${PROBE_RTT_MS:-200}
concurrency=${CONCURRENCY:-256}
listeners=${LISTENERS:-8}
runs=${RUNS:-3}
limit=${TIME_LIMIT:-300}
command=${BENCH_COMMAND:-cat /etc/hostname; uname -sr}
cores=$(nproc)
ticks=$(getconf CLK_TCK)

[ -x "$fleet_audit" ] || { echo "no fleet-audit binary at $fleet_audit (run: make release)" >&2; exit 1; }
[ -x "$fleet_lab" ] || { echo "no fleet-lab binary at $fleet_lab (run: make release)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

work=$(mktemp -d /tmp/fleet-audit-latency.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -s "$work/sshd.pid" ]; then kill "$(cat "$work/sshd.pid")" 2>/dev/null || true; fi
  if [ "${KEEP:-0}" = 1 ]; then echo "# kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
user=$(id -un)
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
wait_port() { # port
  for _ in $(seq 100); do nc -z 127.0.0.1 "$1" 2>/dev/null && return 0; sleep 0.05; done
  echo "nothing listens on 127.0.0.1:$1" >&2
  return 1
}

# One sshd on several ports (OpenSSH's listen backlog is a fixed 128), as bench/exec-bench.sh starts it.
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -f "$work/host_ed25519" -N "" -C fleet-audit-latency-host
ssh-keygen -q -t ed25519 -f "$work/id_ed25519" -N "" -C fleet-audit-latency-client
cp "$work/id_ed25519.pub" "$work/authorized_keys"
ports=()
for _ in $(seq 0 "$listeners"); do ports+=("$(free_port)"); done # the last one is the probe's
{
  for port in "${ports[@]}"; do echo "Port $port"; done
  bench_sshd_config "$work" "$work/sshd.pid" ERROR
} >"$work/sshd_config"
/usr/sbin/sshd -f "$work/sshd_config" -E "$work/sshd.log"
for port in "${ports[@]}"; do wait_port "$port"; done
sshd_pid=$(cat "$work/sshd.pid")

# A relay in front of each sshd port: relays[i] -> ports[i] at RTT_MS; the probe relay -> the last port.
relays=()
start_relay() { # relay-port sshd-port delay-ms
  "$fleet_lab" relay --listen "127.0.0.1:$1" --to "127.0.0.1:$2" --delay-ms "$3" >"$work/relay-$1.log" 2>&1 &
  pids+=($!)
  wait_port "$1"
}
for i in $(seq 0 $((listeners - 1))); do
  relays+=("$(free_port)")
  start_relay "${relays[$i]}" "${ports[$i]}" "$rtt_ms"
done
probe_port=$(free_port)
start_relay "$probe_port" "${ports[$listeners]}" "$probe_rtt_ms"
for port in "${ports[@]}" "${relays[@]}" "$probe_port"; do
  echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$work/host_ed25519.pub")"
done >"$work/known_hosts"

inventory() { # file, then host ports
  local file=$1 i=0
  shift
  {
    echo "defaults: {user: $user, identity_file: $work/id_ed25519, known_hosts: $work/known_hosts, metadata: off,"
    echo "           timeouts: {connect: 30, handshake: 60, auth: 60, command: 120, host: 240}}"
    echo "hosts:"
    for port in "$@"; do
      i=$((i + 1))
      echo "  - {name: latency-$i, address: 127.0.0.1, port: $port}"
    done
  } >"$file"
}

cpu_of() { # pid -> CPU seconds of the process and its reaped children
  awk -v t="$ticks" '{ sub(/^.*\) /, ""); printf "%.3f", ($12 + $13 + $14 + $15) / t }' "/proc/$1/stat"
}

# Wall seconds of one run of `exec` on an inventory; fails when a host did not succeed.
run_exec() { # inventory timing-file -> sets wall, cpu
  local out="$work/exec.out"
  timeout "$limit" /usr/bin/time -v -o "$2" "$fleet_audit" exec --inventory "$1" --concurrency "$concurrency" \
    -- "$command" >"$out" 2>"$out.err" || true
  local total ok
  total=$(grep -c '^  - ' "$1")
  ok=$(sed -n 's/^[0-9]* hosts: \([0-9]*\) ok.*/\1/p' "$out" | tail -1)
  if [ "${ok:-0}" != "$total" ]; then
    KEEP=1
    echo "# only ${ok:-0} of $total hosts succeeded; first lines:" >&2
    head -5 "$out.err" "$out" >&2 || true
    return 1
  fi
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
    n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.3f", s }' "$2")
  cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.2f", u + s }' "$2")
}

best_single() { # port -> the shortest wall of RUNS one-host runs (GNU time has 10 ms resolution: time it here)
  local best="" start end elapsed
  inventory "$work/one.yaml" "$1"
  for _ in $(seq "$runs"); do
    start=$(date +%s.%N)
    run_exec "$work/one.yaml" "$work/one.time"
    end=$(date +%s.%N)
    elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", b - a }')
    best=$(awk -v a="${best:-$elapsed}" -v b="$elapsed" 'BEGIN { printf "%.4f", (b < a ? b : a) }')
  done
  echo "$best"
}

echo "# fleet-audit latency benchmark: $(date -u +%Y-%m-%dT%H:%MZ), $cores cores, $(uname -sr)"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on this machine skews wall time)"
echo "# $("$fleet_audit" --version 2>/dev/null | sed 's/^/fleet-audit /'), $(ssh -V 2>&1 | cut -d, -f1) sshd behind" \
  "$listeners delay relays, command: $command, concurrency $concurrency"
echo "# reproduce: N=$hosts RTT_MS=$rtt_ms LISTENERS=$listeners CONCURRENCY=$concurrency bench/latency-bench.sh"

direct=$(best_single "${ports[$listeners]}")
probed=$(best_single "$probe_port")
rounds=$(awk -v d="$direct" -v p="$probed" -v r="$probe_rtt_ms" 'BEGIN { printf "%.2f", (p - d) * 1000 / r }')
echo "# one session: ${direct} s direct, ${probed} s at ${probe_rtt_ms} ms RTT: $rounds round trips"
relayed_one=$(best_single "${relays[0]}")
echo "# one session at ${rtt_ms} ms RTT: ${relayed_one} s ($(awk -v d="$direct" -v p="$relayed_one" \
  -v r="$rtt_ms" 'BEGIN { printf "%.2f", (p - d) * 1000 / r }') round trips by this relay)"

host_ports=()
for i in $(seq 0 $((hosts - 1))); do host_ports+=("${relays[$((i % listeners))]}"); done
inventory "$work/fleet.yaml" "${host_ports[@]}"
server_before=$(cpu_of "$sshd_pid")
relay_before=0
for pid in "${pids[@]}"; do relay_before=$(awk -v a="$relay_before" -v b="$(cpu_of "$pid")" 'BEGIN { print a + b }'); done
run_exec "$work/fleet.yaml" "$work/fleet.time"
sleep 1 # let sshd reap its last session processes before reading its CPU
server_after=$(cpu_of "$sshd_pid")
relay_after=0
for pid in "${pids[@]}"; do relay_after=$(awk -v a="$relay_after" -v b="$(cpu_of "$pid")" 'BEGIN { print a + b }'); done

printf '%5s %6s %7s %8s %7s %11s %11s %10s %14s %8s %10s %11s\n' N rtt_ms rounds wall_s cpu_s "cpu_ms/host" \
  server_cpu relay_cpu server_floor_s rtt_floor floor_s wall/floor
awk -v n="$hosts" -v rtt="$rtt_ms" -v rounds="$rounds" -v w="$wall" -v cpu="$cpu" -v cores="$cores" \
  -v s="$(awk -v a="$server_after" -v b="$server_before" 'BEGIN { print a - b }')" \
  -v relay="$(awk -v a="$relay_after" -v b="$relay_before" 'BEGIN { print a - b }')" 'BEGIN {
    server_floor = s / cores; rtt_floor = rounds * rtt / 1000; floor = server_floor + rtt_floor
    printf "%5d %6d %7.2f %8.2f %7.2f %11.2f %11.2f %10.2f %14.2f %8.2f %10.2f %11.2f\n", n, rtt, rounds, w, cpu,
      cpu * 1000 / n, s, relay, server_floor, rtt_floor, floor, w / floor
  }'
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
# Issue 14 goal 5: wall time at most 1.3x the floor (round trips x RTT + sshd CPU / cores).
wall_over_floor=$(awk -v rtt="$rtt_ms" -v rounds="$rounds" -v w="$wall" -v cores="$cores" \
  -v s="$(awk -v a="$server_after" -v b="$server_before" 'BEGIN { print a - b }')" 'BEGIN {
    floor = s / cores + rounds * rtt / 1000; if (floor > 0) printf "%.2f", w / floor }')
status=0
bench_result "latency: wall / floor, N=$hosts at ${rtt_ms} ms RTT" "$wall_over_floor" le 1.3 x || status=1
exit $status
