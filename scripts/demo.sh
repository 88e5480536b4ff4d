#!/usr/bin/env bash
# The main job end to end, on the machine itself: start a throw-away OpenSSH sshd and redis-server on loopback
# (generated keys, nothing in ~/.ssh touched), write an inventory of several "hosts" behind them plus one that is
# down, and run fleet-audit against it: exec, then the full audit with reports. When the lab's demo fleet lands
# (network namespaces, issue 3), this script brings that up instead.
set -euo pipefail
workdir=${1:-lab-out/demo}
reports=${2:-reports}
bin=${BIN:-.build/release}

cleanup() { scripts/local-sshd.sh stop "$workdir" || true; }
trap cleanup EXIT INT TERM

scripts/local-sshd.sh start "$workdir" 6
redis_port=$(cat "$workdir/redis.port")
echo "== inventory: $workdir/inventory.yaml"
"$bin/fleet-audit" hosts --inventory "$workdir/inventory.yaml"
echo
echo "== fleet-audit exec: Redis version, role and memory on every host, in parallel"
"$bin/fleet-audit" exec --inventory "$workdir/inventory.yaml" --limit 'cache-1,cache-2,cache-down' -- \
  "redis-cli -p $redis_port INFO | grep -E '^(redis_version|role|used_memory_human):'" || true
echo
echo "== fleet-audit audit: collect, check against inventory/target.example.yaml, rank, write reports"
status=0
"$bin/fleet-audit" audit --inventory "$workdir/inventory.yaml" --target inventory/target.example.yaml \
  --out "$reports" --fail-on never || status=$?
echo
echo "Open $reports/latest/report.html. On loopback every reachable host is blocked (127.0.0.1 is not a private"
echo "address, and the Redis binds loopback only) and cache-down is unreachable, on purpose."
exit $status
