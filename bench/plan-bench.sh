#!/usr/bin/env bash
# Planner benchmark (not a test): how long `WavePlanner` takes to plan a generated fleet, in a release build.
# Target (issue 6): a plan of 10,000 instances computes in under a second. The fleet is SyntheticFleet (seeded:
# sizes 1 MiB-64 GiB with some unknown, env and app tags, mixed statuses); the time covers planning only (not
# generating the fleet, not rendering). Exits 1 when the median is over the budget.
#
#   bash bench/plan-bench.sh                 # 10,000 instances, every constraint at once, seed 1
#   SIZES="1000 10000 50000" bash bench/plan-bench.sh
#
# Environment: FLEET_AUDIT (binary, default .build/release/fleet-audit), SIZES, SEED, REPEATS (default 5),
# BUDGET_MS (default 1000, checked for 10,000 instances and fewer).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/result.bash
fleet_audit=${FLEET_AUDIT:-.build/release/fleet-audit}
sizes=${SIZES:-10000}
seed=${SEED:-1}
repeats=${REPEATS:-5}
budget=${BUDGET_MS:-1000}
[ -x "$fleet_audit" ] || { echo "no fleet-audit binary at $fleet_audit (run: make release)" >&2; exit 1; }

# Every constraint at once (the slowest path: tag order, keep-together groups, splits, first fit on three limits),
# then the loosest and a count-only plan.
constraint_sets=(
  "--max-instances-per-wave 25 --max-gib-per-wave 100 --max-sync-minutes-per-wave 30 --order-by-tag env=dev,staging,prod --keep-together app"
  "--max-gib-per-wave 100"
  "--max-instances-per-wave 10"
)
labels=("all constraints" "dataset only" "count only")
echo "# plan benchmark: $(date -u +%FT%TZ), $(nproc) cores, $(uname -sr); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# fleet-audit $("$fleet_audit" --version), $repeats plans per line, minimum and median wall time of planning"
status=0
for n in $sizes; do
  for index in "${!constraint_sets[@]}"; do
    constraints=${constraint_sets[$index]}
    # shellcheck disable=SC2086 # the constraint set is a list of options
    line=$("$fleet_audit" plan-bench --instances "$n" --seed "$seed" --repeats "$repeats" $constraints)
    echo "$line  [$constraints]"
    median=$(sed -n 's/.*plan_ms_median=\([0-9.]*\).*/\1/p' <<<"$line")
    if [ "$n" -le 10000 ]; then
      bench_result "plan: median, $n instances, ${labels[$index]}" "$median" le "$budget" ms || status=1
    fi
  done
done
echo "# reproduce: make release && SIZES=\"$sizes\" SEED=$seed REPEATS=$repeats bash bench/plan-bench.sh"
exit $status
