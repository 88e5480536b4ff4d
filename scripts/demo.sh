#!/usr/bin/env bash
# The main job end to end on the built-in demo fleet: bring the lab's 15 EC2-like Redis hosts up in network
# namespaces (inventory/lab/demo.yaml), audit them against inventory/lab/demo-target.yaml, print the ranked summary
# and where the reports are, and take the fleet down again (also on failure or Ctrl-C).
# Without root or network namespaces it falls back to a throw-away sshd and redis-server on loopback.
set -euo pipefail
workdir=${1:-lab-out/demo}
reports=${2:-reports}
bin=${BIN:-.build/release}

if [ "$(id -u)" -eq 0 ] && ip netns list >/dev/null 2>&1; then
  cleanup() { "$bin/fleet-lab" down --prefix fademo >/dev/null 2>&1 || true; }
  trap cleanup EXIT INT TERM
  "$bin/fleet-lab" up inventory/lab/demo.yaml --out "$workdir" --prefix fademo
  # The demo's Redis passwords, for the hosts that have one (the inventory names the variables, never the values).
  # shellcheck disable=SC1091
  [ -f "$workdir/secrets.env" ] && . "$workdir/secrets.env"
  "$bin/fleet-audit" audit --inventory "$workdir/inventory.yaml" --target inventory/lab/demo-target.yaml \
    --out "$reports" --fail-on never
  echo
  echo "Reports: $reports/latest/report.html (also .md, .json, .csv). Each host's intended status is its"
  echo "'expect:' in inventory/lab/demo.yaml."
  exit 0
fi

echo "(no root or no network namespaces here: demo on loopback instead of the lab)"
cleanup() { scripts/local-sshd.sh stop "$workdir" || true; }
trap cleanup EXIT INT TERM
scripts/local-sshd.sh start "$workdir" 6
"$bin/fleet-audit" audit --inventory "$workdir/inventory.yaml" --target inventory/target.example.yaml \
  --out "$reports" --fail-on never
echo
echo "Reports: $reports/latest/report.html. On loopback every reachable host is blocked (127.0.0.1 is not a private"
echo "address) and cache-down is unreachable, on purpose."
