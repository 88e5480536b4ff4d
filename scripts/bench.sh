#!/usr/bin/env bash
# `make bench`: every benchmark in bench/ once, at the sizes of its goal (docs/benchmarks.md), then one table of
# every goal: measured, target, ratio, PASS/MISS. Runs every script even when one misses or fails (each keeps its
# own work directory on failure), and exits 1 when any goal was missed or any script failed. A script that prints
# no RESULT lines (bench/lib/result.bash) is listed with its exit status only.
#
#   scripts/bench.sh                      # every bench/*.sh
#   scripts/bench.sh bench/plan-bench.sh  # some of them
#
# The whole run is meant to fit in 15 minutes on the 2-core development machine (issue 14, goal 6); the time each
# script took is in the table, so a script that grows past its share shows.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts=("$@")
[ ${#scripts[@]} -gt 0 ] || scripts=(bench/*.sh)
results=$(mktemp /tmp/fleet-bench-results.XXXXXX)
trap 'rm -f "$results"' EXIT
export BENCH_RESULTS=$results
start=$(date +%s)
echo "# make bench: $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(git rev-parse --short HEAD 2>/dev/null)"
declare -A took status
for script in "${scripts[@]}"; do
  echo "== $script"
  t0=$(date +%s)
  bash "$script"
  status[$script]=$?
  took[$script]=$(($(date +%s) - t0))
done
total=$(($(date +%s) - start))
echo
echo "# summary: $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg), ${total} s in all"
printf '%-18s %-44s %12s %22s %7s %s\n' script goal measured target ratio verdict
failed=0
for script in "${scripts[@]}"; do
  name=$(basename "$script")
  lines=$(awk -F'\t' -v s="$name" '$1 == "RESULT" && $2 == s' "$results")
  if [ -n "$lines" ]; then
    awk -F'\t' '{ printf "%-18s %-44s %12s %22s %7s %s\n", $2, $3, $4, $5 " " $6, $7, $8 }' <<<"$lines"
    grep -q 'MISS$' <<<"$lines" && failed=1
  else
    printf '%-18s %-44s %12s %22s %7s %s\n' "$name" "(no goals printed)" - - - \
      "$([ "${status[$script]}" = 0 ] && echo ran || echo FAILED)"
  fi
  [ "${status[$script]}" = 0 ] || failed=1
  printf '%-18s %-44s %12s\n' "$name" "  wall time, exit ${status[$script]}" "${took[$script]} s"
done
budget=${BENCH_BUDGET_S:-900}
printf '%-18s %-44s %12s %22s %7s %s\n' "make bench" "whole run" "$total" "<= $budget s" \
  "$(awk -v a="$total" -v b="$budget" 'BEGIN { printf "%.2f", a / b }')" "$([ "$total" -le "$budget" ] && echo PASS || echo MISS)"
[ "$total" -le "$budget" ] || failed=1
exit $failed
