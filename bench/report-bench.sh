#!/usr/bin/env bash
# Offline pipeline benchmark (not a test): the client CPU of everything in an audit after the network, per host, at
# several fleet sizes (issue 14). A stored run of N hosts is synthesized from real collector outputs (collector.sh
# run by /bin/sh against three real redis-server processes, in private PID and network namespaces so the capture
# does not depend on what else runs here), then `fleet-audit report --run` evaluates it, writes the four report
# files, compares with the run recorded before it and records it in history.sqlite. Measured with GNU time:
# user+system CPU and peak RSS, never wall time (the machine is shared).
#
#   bash bench/report-bench.sh                 # 100 and 1,000 hosts
#   SIZES="100 1000 10000" bash bench/report-bench.sh
#
# Columns: report_cpu_ms/host is report --run's CPU / N (start-up included); marginal is (CPU(N) - CPU(1)) / (N - 1);
# build and store are the CPU per host that SnapshotBuilder and RunStore.record took while the run was synthesized
# (what `collect` spends per host besides the SSH engine); non-engine = report + build + store. ratio: per-host CPU
# at the largest size / at the smallest (1.0 = linear). Targets: report under 1 ms/host at 1,000 hosts, ratio <= 1.2,
# non-engine under 3 ms/host. Needs root (unshare) and redis-server; exits 1 when a target is missed.
# Environment: FLEET_AUDIT (default .build/release/fleet-audit), SYNTHESIZE (default FLEET_AUDIT), SIZES, REPEATS (default 3: the median is shown),
# TARGET (default inventory/lab/demo-target.yaml), KEEP=1 keeps the work directory.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/result.bash
fleet_audit=${FLEET_AUDIT:-.build/release/fleet-audit}
# The binary that synthesizes runs and measures snapshot building; another fleet-audit (an older one, to compare)
# can be timed on the same runs with FLEET_AUDIT.
synthesize=${SYNTHESIZE:-$fleet_audit}
sizes=${SIZES:-100 1000}
repeats=${REPEATS:-3}
target=${TARGET:-inventory/lab/demo-target.yaml}
[ -x "$fleet_audit" ] || { echo "no fleet-audit binary at $fleet_audit (run: make release)" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "needs redis-server (apt-get install redis-server)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }
work=$(mktemp -d /tmp/fleet-report-bench.XXXXXX)
trap '[ -n "${KEEP:-}" ] && echo "# kept $work" >&2 || rm -rf "$work"' EXIT INT TERM

# 1. Real collector outputs of three hosts like the lab's (inventory/lab/demo.yaml): a primary with 2,000 keys, one
# with maxmemory and keys that expire, and a host running a primary and its replica (AOF on). Each host is its own
# private PID and network namespace, so the collector finds only that host's servers, whatever else runs here;
# every redis-server dies with its namespace.
mkdir -p "$work/captures"
echo benchtoken0123456789 >"$work/captures/token"
cat >"$work/capture.sh" <<'SH'
set -eu
ip link set lo up
dir=$1 script=$2 name=$3
shift 3
for port in "$@"; do
  mkdir -p "$dir/$name-$port"
  {
    echo "port $port"; echo "bind * -::*"; echo "protected-mode no"; echo "dir $dir/$name-$port"; echo "daemonize yes"
    echo "pidfile $dir/$name-$port/pid"; echo 'save ""'
    case $name-$port in
      host-b-6379) echo "maxmemory 256mb"; echo "maxmemory-policy allkeys-lru" ;;
      host-c-6380) echo "replicaof 127.0.0.1 6379"; echo "appendonly yes" ;;
    esac
  } >"$dir/$name-$port/redis.conf"
  redis-server "$dir/$name-$port/redis.conf"
done
for port in "$@"; do until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done; done
case $name in
  host-a) seq 1 2000 | awk '{print "SET key:" $1 " value-" $1}' | redis-cli -p 6379 >/dev/null ;;
  host-b) seq 1 500 | awk '{print "SETEX ttl:" $1 " 3600 v"}' | redis-cli -p 6379 >/dev/null ;;
  host-c)
    seq 1 1000 | awk '{print "SET key:" $1 " value-" $1}' | redis-cli -p 6379 >/dev/null
    until redis-cli -p 6380 info replication | grep -q 'master_link_status:up'; do sleep 0.1; done ;;
esac
# argv and stdin as `collect` sends them (CollectorScript.commandLine and standardInput, printed by the binary),
# metadata off.
# shellcheck disable=SC2086 # COLLECTOR_ARGUMENTS is a list of words without spaces
{ cat "$dir/captures/token"; echo "$COLLECTOR_LOOKUPS"; } |
  sh -c "$(cat "$script")" fleet-audit-collector benchmarker0 $COLLECTOR_ARGUMENTS "$@" >"$dir/captures/$name.out"
for port in "$@"; do redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; done
SH
collector=$PWD/Sources/Collector/Resources/collector.sh
"$synthesize" synthesize-run --print-collector-invocation >"$work/invocation"
COLLECTOR_ARGUMENTS=$(sed -n 1p "$work/invocation") COLLECTOR_LOOKUPS=$(sed -n 2p "$work/invocation")
export COLLECTOR_ARGUMENTS COLLECTOR_LOOKUPS
# The three hosts at once (each samples writes for several seconds), each in its own namespaces.
unshare --pid --fork --mount-proc --net sh "$work/capture.sh" "$work" "$collector" host-a 6379 &
unshare --pid --fork --mount-proc --net sh "$work/capture.sh" "$work" "$collector" host-b 6379 &
unshare --pid --fork --mount-proc --net sh "$work/capture.sh" "$work" "$collector" host-c 6379 6380 &
wait
for name in host-a host-b host-c; do
  [ -s "$work/captures/$name.out" ] || { echo "the collector wrote nothing for $name" >&2; exit 1; }
done

# CPU seconds (user+sys) and peak RSS (KiB) of one command, from GNU time.
measure() { # output-prefix command...
  local prefix=$1
  shift
  /usr/bin/time -f '%U %S %M' -o "$prefix.time" "$@" >"$prefix.out" 2>"$prefix.err" || true
  read -r user sys rss_kib <"$prefix.time"
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.3f", u + s }')
}
median() { tr ' ' '\n' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# One size: two runs a week apart; the first is recorded untimed, the second is timed REPEATS times (each
# replaces its own record, as `report --run` does), so every timed report diffs against a previous run.
run_size() { # N -> sets report_cpu, report_rss, build, store
  local n=$1 cpus="" rsss="" first second
  local root="$work/root-$n"
  "$synthesize" synthesize-run --captures "$work/captures" --hosts "$n" --runs 2 --out "$root" >"$work/synth-$n.txt"
  first=$(sed -n '1s/^run=\([^ ]*\).*/\1/p' "$work/synth-$n.txt")
  second=$(sed -n '2s/^run=\([^ ]*\).*/\1/p' "$work/synth-$n.txt")
  build=$(sed -n '2s/.*build_cpu_ms_per_host=\([0-9.]*\).*/\1/p' "$work/synth-$n.txt")
  store=$(sed -n '2s/.*store_cpu_ms_per_host=\([0-9.]*\).*/\1/p' "$work/synth-$n.txt")
  "$fleet_audit" report --run "$first" --target "$target" --fail-on never >/dev/null
  for _ in $(seq 1 "$repeats"); do
    measure "$work/report-$n" "$fleet_audit" report --run "$second" --target "$target" --fail-on never
    grep -q '^History: run .* recorded' "$work/report-$n.out" || {
      echo "report --run failed for $n hosts:" >&2; cat "$work/report-$n.err" >&2; exit 1; }
    cpus="$cpus $cpu"
    rsss="$rsss $rss_kib"
  done
  report_cpu=$(echo $cpus | median)
  report_rss=$(echo $rsss | median)
  [ -n "${KEEP:-}" ] || rm -rf "$root"
}

echo "# report benchmark: $(date -u +%FT%TZ), $(nproc) cores, $(uname -sr); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# fleet-audit $("$fleet_audit" --version), target $target, median of $repeats; CPU is user+sys (GNU time)"
run_size 1
base_cpu=$report_cpu
printf '%6s %8s %16s %9s %11s %11s %17s %9s %12s\n' hosts cpu_s "report_cpu_ms/host" marginal build_ms store_ms \
  "non-engine_ms/host" peak_MiB KiB/host
status=0
goal_lines=""
first_per_host="" last_per_host="" first_marginal="" last_marginal="" last_n=""
for n in $sizes; do
  df_avail=$(df -Pk /tmp | awk 'NR == 2 { print $4 }')
  # A synthesized host takes about 340 KiB on disk per run (snapshot, evidence, four reports), two runs per size;
  # keep twice that free.
  if [ "$df_avail" -lt $((n * 340 * 2 * 2)) ]; then echo "# skipping $n hosts: not enough space in /tmp" >&2; continue; fi
  run_size "$n"
  awk -v n="$n" -v c="$report_cpu" -v c1="$base_cpu" -v b="$build" -v s="$store" -v r="$report_rss" 'BEGIN {
    per = c * 1000 / n
    printf "%6d %8.2f %16.3f %9.3f %11.3f %11.3f %17.3f %9.1f %12.1f\n", n, c, per, (c - c1) * 1000 / (n - 1), b, s,
      per + b + s, r / 1024, r / n }'
  per_host=$(awk -v n="$n" -v c="$report_cpu" 'BEGIN { printf "%.4f", c * 1000 / n }')
  marginal=$(awk -v n="$n" -v c="$report_cpu" -v c1="$base_cpu" 'BEGIN { printf "%.4f", (c - c1) * 1000 / (n - 1) }')
  [ -n "$first_per_host" ] || { first_per_host=$per_host; first_marginal=$marginal; }
  last_per_host=$per_host
  last_marginal=$marginal
  last_n=$n
  non_engine=$(awk -v p="$per_host" -v b="$build" -v s="$store" 'BEGIN { printf "%.4f", p + b + s }')
  if [ "$n" -ge 1000 ]; then
    goal_lines="$goal_lines$n $per_host $non_engine $report_rss
"
  fi
done
# Linearity: per-host CPU at the largest size over the smallest, and the same for the marginal cost (which a fixed
# start-up cost cannot flatter); the marginal ratio is the one held to 1.2.
ratio=$(awk -v a="$first_per_host" -v b="$last_per_host" 'BEGIN { printf "%.2f", b / a }')
marginal_ratio=$(awk -v a="$first_marginal" -v b="$last_marginal" 'BEGIN { printf "%.2f", b / a }')
echo "# report CPU per host, $last_n hosts / $(echo $sizes | cut -d' ' -f1) hosts: $ratio; marginal: $marginal_ratio (target <= 1.2)"
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
# Issue 14 goals 2 and 3, at 1,000 hosts and more.
while read -r n per_host non_engine rss; do
  [ -n "$n" ] || continue
  bench_result "report --run CPU, N=$n" "$per_host" le 1 ms/host || status=1
  bench_result "audit non-engine CPU, N=$n" "$non_engine" le 3 ms/host || status=1
  echo "#   peak RSS of report --run at $n hosts: $(awk -v r="$rss" -v n="$n" 'BEGIN { printf "%.0f KiB/host", r / n }')"
done <<<"$goal_lines"
bench_result "report --run marginal CPU, N=$last_n / N=$(echo $sizes | cut -d' ' -f1)" "$marginal_ratio" le 1.2 x \
  || status=1
echo "# reproduce: make release && SIZES=\"$sizes\" REPEATS=$repeats sudo bash bench/report-bench.sh"
exit $status
