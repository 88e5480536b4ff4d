#!/usr/bin/env bash
# The main job end to end on the built-in demo fleet: bring the lab's demo fleet up, audit it against the demo
# target, print the ranked summary and where the reports are, then take the fleet down (also on failure or Ctrl-C).
set -euo pipefail
lab_out=${1:-lab-out/demo}
reports=${2:-reports}
bin=.build/release

cleanup() { "$bin/fleet-lab" down --prefix fademo >/dev/null 2>&1 || true; }
trap cleanup EXIT INT TERM

"$bin/fleet-lab" up inventory/lab/demo.yaml --out "$lab_out" --prefix fademo
# The demo's Redis passwords, for the hosts that have one (the inventory names the variables, never the values).
if [ -f "$lab_out/secrets.env" ]; then
  # shellcheck disable=SC1090,SC1091
  . "$lab_out/secrets.env"
fi
status=0
"$bin/fleet-audit" audit --inventory "$lab_out/inventory.yaml" --target inventory/lab/demo-target.yaml \
  --out "$reports" --fail-on never || status=$?
echo
echo "Reports: $reports/latest/ (report.html, report.md, report.json, report.csv)"
exit $status
