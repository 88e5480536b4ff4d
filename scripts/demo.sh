#!/usr/bin/env bash
# The main job end to end, on the machine itself: start a throw-away OpenSSH sshd and redis-server on loopback
# (generated keys, nothing in ~/.ssh touched), write an inventory of several "hosts" behind them plus one that is
# down, and run fleet-audit against it. When the lab's demo fleet lands (network namespaces, issue 3), this script
# brings that up instead and runs the full audit.
set -euo pipefail
workdir=${1:-lab-out/demo}
bin=${BIN:-.build/release}

cleanup() { scripts/local-sshd.sh stop "$workdir" || true; }
trap cleanup EXIT INT TERM

scripts/local-sshd.sh start "$workdir" 6
redis_port=$(cat "$workdir/redis.port")
echo "== inventory: $workdir/inventory.yaml"
"$bin/fleet-audit" hosts --inventory "$workdir/inventory.yaml"
echo
echo "== fleet-audit exec: Redis version, role and memory on every host, in parallel"
status=0
"$bin/fleet-audit" exec --inventory "$workdir/inventory.yaml" --group -- \
  "redis-cli -p $redis_port INFO | grep -E '^(redis_version|role|used_memory_human|connected_clients):'" || status=$?
echo
echo "(exit status $status: 1 means some host failed — here cache-down, whose port is closed, on purpose)"
