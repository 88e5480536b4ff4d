#!/usr/bin/env bash
# Benchmark (not a test): client CPU, wall time and peak RSS of `fleet-audit exec` against one local sshd, next to
# parallel-ssh (PyPI, also on libssh2) and pssh (Debian, one OpenSSH process per host), same sshd, same command;
# and `fleet-audit collect` (the full collector script per host, snapshots and evidence written) on the same hosts.
# Results and how to read them: docs/benchmarks.md.
#
#   bench/exec-bench.sh                       # N = 100 500 1000, concurrency 256
#   bench/exec-bench.sh 100 300               # other sizes (or SIZES="100 300")
#   SIZES=2000 CONCURRENCY=2000 CLIENTS=fleet-audit bench/exec-bench.sh   # 2,000 sessions in flight
#   SIZES=10000 CONCURRENCY=2000 SSHD_PROCESSES=4 CLIENTS=fleet-audit bench/exec-bench.sh   # issue 14 goal 4
#
# Environment: FLEET_AUDIT (binary, default .build/release/fleet-audit), SIZES, CONCURRENCY, CLIENTS, ROUNDS (runs of
# fleet-audit and parallel-ssh at GOAL_SIZE, alternated; default 3: the goals take the median), LISTENERS
# (sshd ports per sshd process, default 16), SSHD_PROCESSES (a farm of that many sshd processes, each on its own
# LISTENERS ports, hosts spread over all of them; default 1), BENCH_COMMAND (the remote command), KEEP=1 (keep the
# work directory). Goals (bench/lib/result.bash, issue 14 goal 1) are checked at GOAL_SIZE hosts (default 500):
# fleet-audit exec at most 0.8 ms of client CPU per host, at least 3.5x less than parallel-ssh, at most 64 KiB per
# in-flight session; at every size, every host ends with a classified result (ok, or a failure with its class).
#
# Every client runs under bench/lib/rusage.c (wall, CPU and peak RSS to the microsecond; GNU time's CPU is to 10 ms).
# At GOAL_SIZE, fleet-audit and parallel-ssh run ROUNDS times, one after the other, so that a drift of the machine's
# speed (this VM's moves the same binary by a quarter within minutes) reaches both: each round is a row, and the goals
# use each client's median (pssh runs once: no goal depends on it, and a run costs 20 s).
#
# Columns: cpu_ms/host = client user+sys CPU / N (start-up included); marginal = (CPU - CPU of a one-host run) /
# (N - 1), the cost of one more host; KiB/in-flight = (peak RSS - peak RSS of a one-host run) / min(N, concurrency);
# server_cpu = CPU of the sshd and everything it ran for the sessions (its reaped children); floor_s = server_cpu /
# cores, the wall time a client that costs nothing could reach on this machine. pssh's peak RSS is that of its
# largest single process (getrusage of children), so it has no per-session figure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source bench/lib/result.bash
source bench/lib/sshd.bash
fleet_audit=${FLEET_AUDIT:-$root/.build/release/fleet-audit}
sizes=${*:-${SIZES:-500}}
goal_size=${GOAL_SIZE:-500}
rounds=${ROUNDS:-3}
concurrency=${CONCURRENCY:-256}
# fleet-audit-collect (the whole collector per host) is not in the default: on one machine its 500 collectors cost
# the sshd side about 440 s of CPU (4 minutes of `make bench`); CLIENTS=fleet-audit-collect measures it.
clients=${CLIENTS:-fleet-audit parallel-ssh pssh}
command=${BENCH_COMMAND:-cat /etc/hostname; uname -sr}
listeners=${LISTENERS:-16}
processes=${SSHD_PROCESSES:-1}
cores=$(nproc)
ticks=$(getconf CLK_TCK)

[ -x "$fleet_audit" ] || { echo "no fleet-audit binary at $fleet_audit (run: make release)" >&2; exit 1; }
compiler=$(command -v cc || command -v clang || command -v gcc || true)
[ -n "$compiler" ] || { echo "no C compiler for bench/lib/rusage.c (apt-get install gcc)" >&2; exit 1; }
# parallel-ssh: the system python's if it has it, otherwise a venv of our own (git-ignored).
python=python3
if ! python3 -c 'import pssh.clients' 2>/dev/null; then
  python=.bench-venv/bin/python
  [ -x "$python" ] || { python3 -m venv .bench-venv && .bench-venv/bin/pip install -q parallel-ssh; } >&2 || true
fi
have_parallel_ssh=$("$python" -c 'import pssh.clients' 2>/dev/null && echo yes || echo no)
have_pssh=$([ -x /usr/bin/parallel-ssh ] && echo yes || echo no)

work=$(mktemp -d /tmp/fleet-audit-bench.XXXXXX)
cleanup() {
  for pidfile in "$work"/sshd-*.pid; do
    if [ -s "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
  done
  if [ "${KEEP:-0}" = 1 ]; then echo "# kept $work (outputs, timings, sshd log)" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
"$compiler" -O2 -o "$work/rusage" bench/lib/rusage.c
rusage=$work/rusage
user=$(id -un)
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# One sshd listening on several ports: OpenSSH's listen backlog is a fixed 128, and a burst of hundreds of connects
# to one port overflows it (the kernel then drops SYNs, and clients wait for retransmits or fail), which measures the
# test server, not the client. A real fleet has one listener per host; here hosts are spread over the ports.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -f "$work/host_ed25519" -N "" -C fleet-audit-bench-host
ssh-keygen -q -t ed25519 -f "$work/id_ed25519" -N "" -C fleet-audit-bench-client
cp "$work/id_ed25519.pub" "$work/authorized_keys"
# A farm: SSHD_PROCESSES sshd processes (one is a single accept loop on one core; 10,000 hosts at 2,000 in flight
# want both cores' worth of sshd), each listening on its own LISTENERS ports.
ports=()
sshd_pids=()
for process in $(seq 1 "$processes"); do
  own_ports=()
  for _ in $(seq 1 "$listeners"); do own_ports+=("$(free_port)"); done
  {
    for port in "${own_ports[@]}"; do echo "Port $port"; done
    bench_sshd_config "$work" "$work/sshd-$process.pid" ERROR
  } >"$work/sshd-$process.config"
  /usr/sbin/sshd -f "$work/sshd-$process.config" -E "$work/sshd-$process.log"
  for port in "${own_ports[@]}"; do
    for _ in $(seq 100); do nc -z 127.0.0.1 "$port" 2>/dev/null && break; sleep 0.05; done
    nc -z 127.0.0.1 "$port" || { echo "sshd did not start: $(cat "$work/sshd-$process.log")" >&2; exit 1; }
    echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$work/host_ed25519.pub")"
  done >>"$work/known_hosts"
  for _ in $(seq 100); do [ -s "$work/sshd-$process.pid" ] && break; sleep 0.05; done
  sshd_pids+=("$(cat "$work/sshd-$process.pid")")
  ports+=("${own_ports[@]}")
done
all_ports=${#ports[@]}

# CPU (seconds) consumed so far by the sshd listener and the session processes it has reaped.
server_cpu() {
  local pid
  for pid in "${sshd_pids[@]}"; do cat "/proc/$pid/stat"; done |
    awk -v t="$ticks" '{ sub(/^.*\) /, ""); sum += $12 + $13 + $14 + $15 } END { printf "%.3f", sum / t }'
}

port_of() { echo "${ports[$(($1 % all_ports))]}"; } # host number -> port

write_inputs() { # N
  local n=$1
  {
    echo "defaults: {user: $user, identity_file: $work/id_ed25519, known_hosts: $work/known_hosts, metadata: off,"
    echo "           timeouts: {connect: 30, handshake: 60, auth: 60, command: 120, host: 600}}"
    echo "hosts:"
    for i in $(seq 1 "$n"); do echo "  - {name: bench-$i, address: 127.0.0.1, port: $(port_of "$i")}"; done
  } >"$work/inventory-$n.yaml"
  for i in $(seq 1 "$n"); do echo "127.0.0.1:$(port_of "$i")"; done >"$work/hosts-$n.txt"
}

cat >"$work/parallel_ssh_run.py" <<'PY'
import sys
from pssh.clients import ParallelSSHClient
from pssh.config import HostConfig
hosts_file, user, key, pool, command = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
ports = [int(line.rsplit(":", 1)[1]) for line in open(hosts_file) if line.strip()]
client = ParallelSSHClient(["127.0.0.1"] * len(ports), user=user, pkey=key, pool_size=pool, timeout=60,
                           num_retries=1, host_config=[HostConfig(port=port) for port in ports])
output = client.run_command(command, stop_on_errors=False)
client.join(output)
ok = 0
for host_output in output:
    if host_output.exception is None:
        list(host_output.stdout)
        list(host_output.stderr)
        ok += host_output.exit_code == 0
print(f"{ok} ok")
PY

# Runs one client for N hosts under bench/lib/rusage.c; sets wall, cpu, rss_kib, ok, server.
measure() { # client N
  local client=$1 n=$2 before after
  local out="$work/$client-$n.out" timing="$work/$client-$n.time"
  local inflight=$((n < concurrency ? n : concurrency))
  before=$(server_cpu)
  case "$client" in
  fleet-audit)
    "$rusage" "$timing" "$fleet_audit" exec --inventory "$work/inventory-$n.yaml" \
      --concurrency "$concurrency" -- "$command" >"$out" 2>"$out.err" || true
    ok=$(sed -n 's/^[0-9]* hosts: \([0-9]*\) ok.*/\1/p' "$out" | tail -1)
    # Hosts that ended with a result (ok, or a failure with its class), and the failures by class.
    classified=$(sed -n 's/^\([0-9]*\) hosts: [0-9]* ok.*/\1/p' "$out" | tail -1)
    classes=$(sed -n 's/^[0-9]* hosts: [0-9]* ok, [0-9]* failed (\(.*\))$/\1/p' "$out" | tail -1)
    ;;
  fleet-audit-collect)
    # The collector holds each session ~1 s (its CPU sample); its client cost is parsing and storing, per host.
    "$rusage" "$timing" "$fleet_audit" collect --inventory "$work/inventory-$n.yaml" \
      --concurrency "$concurrency" --out "$work/reports-$n" >"$out" 2>"$out.err" || true
    ok=$(sed -n 's/^[0-9]* hosts: \([0-9]*\) collected.*/\1/p' "$out" | tail -1)
    ;;
  parallel-ssh)
    "$rusage" "$timing" "$python" "$work/parallel_ssh_run.py" "$work/hosts-$n.txt" "$user" \
      "$work/id_ed25519" "$concurrency" "$command" >"$out" 2>"$out.err" || true
    ok=$(sed -n 's/^\([0-9]*\) ok$/\1/p' "$out" | tail -1)
    ;;
  pssh)
    "$rusage" "$timing" /usr/bin/parallel-ssh -h "$work/hosts-$n.txt" -l "$user" -p "$inflight" -t 120 \
      -x "-F /dev/null -i $work/id_ed25519 -o UserKnownHostsFile=$work/known_hosts -o BatchMode=yes" \
      "$command" >"$out" 2>"$out.err" || true
    ok=$(grep -c '\[SUCCESS\]' "$out" || true)
    ;;
  esac
  # Let sshd reap the last session processes before reading its CPU.
  sleep 1
  after=$(server_cpu)
  server=$(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.2f", a - b }')
  read -r wall cpu rss_kib <"$timing"
  ok=${ok:-0}
}

baseline() { # client -> "peak RSS (KiB) and CPU seconds" of a one-host run
  write_inputs 1
  measure "$1" 1
  echo "$rss_kib $cpu"
}

echo "# fleet-audit exec benchmark: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -sr)"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on this machine skews wall time)"
echo "# command: $command    concurrency: $concurrency"
openssh=$(ssh -V 2>&1 | cut -d, -f1)
parallel_ssh_version=$("$python" -c 'import importlib.metadata as m; print(m.version("parallel-ssh"))' 2>/dev/null \
  || echo -)
pssh_version=$(dpkg-query -W -f '${Version}' pssh 2>/dev/null || echo -)
echo "# server: $processes $openssh sshd process(es), each on $listeners loopback ports, SetEnv SHLVL=1"
echo "# clients: fleet-audit $("$fleet_audit" --version), parallel-ssh $parallel_ssh_version, pssh $pssh_version"
echo "# file descriptors: ulimit -n $(ulimit -n); net.core.somaxconn $(cat /proc/sys/net/core/somaxconn)"
echo "# reproduce: SIZES=\"$sizes\" CONCURRENCY=$concurrency LISTENERS=$listeners SSHD_PROCESSES=$processes \\
  CLIENTS=\"$clients\" \\
  bench/exec-bench.sh"
status=0
declare -A goal_cpu goal_kib
printf '%-19s %5s %4s %8s %8s %11s %8s %8s %13s %10s %8s %10s\n' client N ok wall_s cpu_s "cpu_ms/host" marginal \
  rss_MiB "KiB/in-flight" server_cpu floor_s wall/floor
declare -A base_rss base_cpu
for client in $clients; do
  case "$client" in
  parallel-ssh)
    [ "$have_parallel_ssh" = yes ] || { echo "# parallel-ssh: not available (pip install parallel-ssh)"; continue; } ;;
  pssh) [ "$have_pssh" = yes ] || { echo "# pssh: not installed (apt-get install pssh)"; continue; } ;;
  esac
  read -r base_rss[$client] base_cpu[$client] < <(baseline "$client")
done
declare -A goal_cpus goal_kibs
for n in $sizes; do
  write_inputs "$n"
  runs=1
  [ "$n" = "$goal_size" ] && runs=$rounds
  fewest_classified=
  for round in $(seq 1 "$runs"); do
    for client in $clients; do
      [ -n "${base_rss[$client]:-}" ] || continue
      if [ "$client" = pssh ] && [ "$round" -gt 1 ]; then continue; fi
      measure "$client" "$n"
      inflight=$((n < concurrency ? n : concurrency))
      per_session=$(awk -v r="$rss_kib" -v b="${base_rss[$client]}" -v f="$inflight" \
        'BEGIN { printf "%.0f", (r - b) / f }')
      [ "$client" = pssh ] && per_session="n/a"
      label=$client
      if [ "$runs" -gt 1 ] && [ "$client" != pssh ]; then label="$client ($round/$runs)"; fi
      awk -v c="$label" -v n="$n" -v ok="$ok" -v w="$wall" -v cpu="$cpu" -v r="$rss_kib" -v p="$per_session" \
        -v s="$server" -v cores="$cores" -v c1="${base_cpu[$client]}" 'BEGIN {
          floor = s / cores
          printf "%-19s %5d %4d %8.2f %8.3f %11.3f %8.3f %8.1f %13s %10.2f %8.2f %10s\n", c, n, ok, w, cpu,
            cpu * 1000 / n, (cpu - c1) * 1000 / (n - 1), r / 1024, p, s, floor,
            (floor > 0 ? sprintf("%.2f", w / floor) : "-")
        }'
      if [ "$n" = "$goal_size" ]; then
        goal_cpus[$client]+="$(awk -v c="$cpu" -v n="$n" 'BEGIN { printf "%.4f", c * 1000 / n }') "
        goal_kibs[$client]+="$per_session "
      fi
      if [ "$client" = fleet-audit ]; then
        echo "#   fleet-audit, $n hosts: ${classified:-0} with a result; failures by class: ${classes:-none}"
        if [ -z "${fewest_classified:-}" ] || [ "${classified:-0}" -lt "$fewest_classified" ]; then
          fewest_classified=${classified:-0}
        fi
      fi
      if [ "$ok" != "$n" ]; then
        KEEP=1 # a failed host is evidence: keep every output of this run
        echo "#   $client: only $ok of $n hosts succeeded; first errors:" >&2
        head -3 "$work/$client-$n.out.err" >&2 || true
        grep -v '^bench-[0-9]* |' "$work/$client-$n.out" | head -5 >&2 || true
      fi
    done
  done
  if [ -n "$fewest_classified" ]; then # every round's hosts must all end with a result: the fewest count
    bench_result "exec: hosts with a classified result, N=$n" "$fewest_classified" ge "$n" hosts || status=1
  fi
done
median() { # space-separated numbers on stdin -> their median
  tr ' ' '\n' | grep . | sort -g |
    awk '{ v[NR] = $1 } END { if (NR) printf "%.4g\n", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
for client in "${!goal_cpus[@]}"; do
  goal_cpu[$client]=$(median <<<"${goal_cpus[$client]}")
  goal_kib[$client]=$(median <<<"${goal_kibs[$client]}")
  if [ "$rounds" -gt 1 ] && [ "$client" != pssh ]; then
    echo "# $client at N=$goal_size: cpu_ms/host ${goal_cpus[$client]}-> median ${goal_cpu[$client]}"
  fi
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
# Issue 14 goal 1, at its size.
if [ -n "${goal_cpu[fleet-audit]:-}" ]; then
  bench_result "exec: client CPU, N=$goal_size" "${goal_cpu[fleet-audit]}" le 0.8 ms/host || status=1
  bench_result "exec: KiB per in-flight session, N=$goal_size" "${goal_kib[fleet-audit]}" le 64 KiB || status=1
  if [ -n "${goal_cpu[parallel-ssh]:-}" ]; then
    bench_result "exec: parallel-ssh CPU / fleet-audit's, N=$goal_size" \
      "$(awk -v p="${goal_cpu[parallel-ssh]}" -v f="${goal_cpu[fleet-audit]}" 'BEGIN { printf "%.2f", p / f }')" \
      ge 3.5 x || status=1
  fi
fi
exit $status
