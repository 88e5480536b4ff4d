#!/usr/bin/env bash
# The main job end to end on the built-in demo fleet: bring the lab's 25 EC2-like Redis hosts up (one logged into as
# ec2-user through sudo, one in a private subnet behind a bastion)
# (inventory/lab/demo.yaml), audit them against inventory/lab/demo-target.yaml, print the ranked summary and where the
# reports are, plan migration waves from the ready hosts, and take the fleet down again (also on failure or Ctrl-C).
# fleet-lab puts the hosts in network namespaces; without root or namespaces it runs them on loopback addresses
# instead and says what that cannot emulate (docs/lab.md#loopback).
set -euo pipefail
workdir=${1:-lab-out/demo}
reports=${2:-reports}
bin=${BIN:-.build/release}

cleanup() { "$bin/fleet-lab" down --prefix fademo >/dev/null 2>&1 || true; }
trap cleanup EXIT INT TERM
"$bin/fleet-lab" up inventory/lab/demo.yaml --out "$workdir" --prefix fademo
# The demo's Redis passwords, for the hosts that have one (the inventory names the variables, never the values).
# shellcheck disable=SC1091
[ -f "$workdir/secrets.env" ] && . "$workdir/secrets.env"
# Four migration paths at once: the Redis OSS group (the seed document's rules), a Valkey group, a Valkey
# serverless cache and a three-shard cluster-mode Valkey group (AWS's current documents). Each instance is ranked by its best path; the reports show them all.
"$bin/fleet-audit" audit --inventory "$workdir/inventory.yaml" --target inventory/lab/demo-target.yaml \
  --target inventory/lab/demo-valkey-target.yaml --target inventory/lab/demo-serverless-target.yaml \
  --target inventory/lab/demo-valkey-cluster-target.yaml \
  --out "$reports" --fail-on never
echo
# Migration waves: dev before staging before prod, at most 4 instances per wave, each app's instances together.
"$bin/fleet-audit" plan --target inventory/lab/demo-target.yaml --out "$reports" \
  --order-by-tag env=dev,staging,prod --keep-together app --max-instances-per-wave 4
echo
echo "Reports: $reports/latest/report.html and plan.html (also .md, .json, .csv). Each host's intended status on the"
echo "Redis OSS path (demo-replication-group) is its 'expect:' in inventory/lab/demo.yaml; the 'Migration paths' table"
echo "shows it beside the Valkey and serverless paths (in network namespaces; on loopback every reachable host is"
echo "blocked, since each Redis binds a loopback address)."
