#!/usr/bin/env bash
# Lab benchmark (not a test): how long `fleet-lab up scale-N` and `fleet-lab down` take, and the memory the hosts use.
#   bash bench/lab-bench.sh [N...]        (default: 50)       needs root and a release build
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/result.bash
status=0
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(50)
lab=${FLEET_LAB:-.build/release/fleet-lab}
prefix=${LAB_PREFIX:-fab}
out=$(mktemp -d /tmp/fleet-lab-bench.XXXXXX)
trap '"$lab" down --prefix "$prefix" >/dev/null 2>&1 || true; rm -rf "$out"' EXIT INT TERM
echo "# fleet-lab benchmark: $(date -u +%FT%TZ), $(nproc) cores, $(uname -sr); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-8s %8s %8s %12s\n" hosts up_s down_s MiB_per_host
for n in "${sizes[@]}"; do
  before=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
  start=$(date +%s.%N)
  "$lab" up "scale-$n" --out "$out/lab" --prefix "$prefix" >/dev/null
  up=$(echo "$(date +%s.%N) - $start" | bc)
  sleep 1
  after=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
  start=$(date +%s.%N)
  "$lab" down --prefix "$prefix" >/dev/null
  down=$(echo "$(date +%s.%N) - $start" | bc)
  printf "%-8s %8.2f %8.2f %12.1f\n" "$n" "$up" "$down" "$(echo "($before - $after) / 1024 / $n" | bc -l)"
  if [ "$n" = 50 ]; then # the lab's targets are for 50 hosts
    bench_result "lab: up, N=50" "$(printf %.2f "$up")" le 60 s || status=1
    bench_result "lab: down, N=50" "$(printf %.2f "$down")" le 20 s || status=1
  fi
done
echo "# reproduce: make release && sudo bash bench/lab-bench.sh ${sizes[*]}"
exit $status
