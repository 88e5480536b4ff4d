#!/usr/bin/env bash
# Hostile-host memory benchmark (not a test): N lab hosts whose sshd answers every command with the 70 MB `flood`,
# or (`hold`) with just under the per-host output cap followed by silence until the deadline, so every session holds
# its buffer at once: the worst case (docs/lab.md#hostile-hosts). All collected at once; prints the auditor's peak
# RSS, wall time and what it stored.
#   MODES="flood hold" bash bench/hostile-rss.sh [N...]   (default: 64)   needs root; release builds unless
#   FLEET_AUDIT/FLEET_LAB name others
# Bounded: each host floods 70 MB once, the inventory's deadlines end every session within 30 s, and an auditor
# whose RSS passes RSS_CAP_MIB (default 2048) is killed and reported as such: one that keeps every flood would
# need 70 MB per host (measured before the fixes: 1,106 MiB for 16 hosts), more than a shared machine should give.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/result.bash
result_status=0
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(64)
audit=${FLEET_AUDIT:-.build/release/fleet-audit}
lab=${FLEET_LAB:-.build/release/fleet-lab}
prefix=${LAB_PREFIX:-fhr}
cap_kib=$(( ${RSS_CAP_MIB:-2048} * 1024 ))
out=$(mktemp -d /tmp/fleet-hostile-bench.XXXXXX)
trap '"$lab" down --prefix "$prefix" >/dev/null 2>&1 || true; rm -rf "$out"' EXIT INT TERM
echo "# hostile flood benchmark: $(date -u +%FT%TZ), $(nproc) cores, $(uname -sr); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-6s %-6s %13s %8s %5s %11s\n" mode hosts peak_rss_MiB wall_s exit stored_MiB
for mode in ${MODES:-flood hold}; do
for n in "${sizes[@]}"; do
  "$lab" up "hostile-$mode-$n" --out "$out/lab" --prefix "$prefix" >/dev/null
  # Shorter deadlines than the lab's: a flood the auditor does not cut ends with its session.
  sed -i 's/^  timeouts: .*/  timeouts: {connect: 5, handshake: 10, auth: 10, command: 20, host: 30}/' "$out/lab/inventory.yaml"
  start=$(date +%s.%N)
  /usr/bin/time -f %M -o "$out/rss" "$audit" collect -i "$out/lab/inventory.yaml" --out "$out/reports" \
    --concurrency "$n" >"$out/stdout" 2>"$out/stderr" &
  timer=$!
  # Watch the auditor (time's only child) by its PID; kill that one process past the cap.
  over=""
  while kill -0 "$timer" 2>/dev/null; do
    child=$(pgrep -P "$timer" || true)
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$child/status" 2>/dev/null || true)
    if [ -n "$child" ] && [ -n "$rss" ] && [ "$rss" -gt "$cap_kib" ]; then kill -9 "$child"; over=" (killed: RSS over ${RSS_CAP_MIB:-2048} MiB)"; fi
    sleep 0.2
  done
  status=0
  wait "$timer" || status=$?
  wall=$(echo "$(date +%s.%N) - $start" | bc)
  rss=$(tail -n 1 "$out/rss")
  stored=$(du -sm "$out/reports" | cut -f1)
  printf "%-6s %-6s %13.1f %8.1f %5s %11s%s\n" "$mode" "$n" "$(echo "$rss / 1024" | bc -l)" "$wall" "$status" \
    "$stored" "$over"
  # The bound docs/security.md states: --concurrency x 2 MiB + 64 MiB, and a collection that finished.
  bench_result "hostile: auditor peak RSS, $mode, N=$n" "$(echo "$rss / 1024" | bc)" le $((n * 2 + 64)) MiB \
    || result_status=1
  "$lab" down --prefix "$prefix" >/dev/null
  rm -rf "$out/reports" "$out/lab"
done
done
echo "# reproduce: make release && sudo MODES=\"${MODES:-flood hold}\" bash bench/hostile-rss.sh ${sizes[*]}"
exit $result_status
