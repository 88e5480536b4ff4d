# Sourced by the scripts in bench/ (not itself a benchmark: `make bench` runs bench/*.sh only). One line per goal:
#
#   bench_result GOAL MEASURED le|ge TARGET UNIT
#
# prints `RESULT<TAB>script<TAB>goal<TAB>measured<TAB>target<TAB>unit<TAB>ratio<TAB>PASS|MISS`, and appends the same
# line to $BENCH_RESULTS when scripts/bench.sh set it (its summary table is made of these lines). le: the goal is
# MEASURED <= TARGET; ge: MEASURED >= TARGET. ratio is MEASURED / TARGET either way (for le, at most 1 passes; for
# ge, at least 1). A goal that could not be measured (no number) is a MISS with ratio "-".
bench_result() { # goal measured le|ge target unit
  local goal=$1 measured=$2 direction=$3 target=$4 unit=$5 line
  line=$(awk -v s="$(basename "$0")" -v g="$goal" -v m="$measured" -v d="$direction" -v t="$target" -v u="$unit" '
    BEGIN {
      if (m !~ /^[0-9.]+$/) { printf "RESULT\t%s\t%s\t-\t%s %s\t%s\t-\tMISS\n", s, g, (d == "le" ? "<=" : ">="), t, u; exit }
      pass = (d == "le") ? (m + 0 <= t + 0) : (m + 0 >= t + 0)
      printf "RESULT\t%s\t%s\t%s\t%s %s\t%s\t%.2f\t%s\n", s, g, m, (d == "le" ? "<=" : ">="), t, u,
        (t + 0 > 0 ? m / t : 0), (pass ? "PASS" : "MISS")
    }')
  echo "$line"
  if [ -n "${BENCH_RESULTS:-}" ]; then echo "$line" >>"$BENCH_RESULTS"; fi
  case "$line" in *MISS) return 1 ;; esac
}
