#!/usr/bin/env bash
# Engine benchmark: client CPU, wall time and peak memory of `fleet-audit exec` for 100, 500 and 1,000 sessions
# against one local OpenSSH sshd, next to parallel-ssh (PyPI, also on libssh2) and pssh (Debian, one OpenSSH client
# process per host) running the same command on the same sshd in the same run.
#   bash bench/exec-bench.sh [SIZES...]      (default: 100 500 1000; pssh runs only up to 500)
# Needs: a release build (make release), python3 (a venv for parallel-ssh is made in .bench-venv), pssh, GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100 500 1000)
bin=${BIN:-.build/release}/fleet-audit
work=$(mktemp -d /tmp/fleet-audit-bench.XXXXXX)
command='cat /etc/hostname; redis-cli -p REDIS_PORT INFO server | head -3'

cleanup() { scripts/local-sshd.sh stop "$work" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM

[ -x "$bin" ] || { echo "build first: make release" >&2; exit 1; }
command -v parallel-ssh >/dev/null || { echo "install pssh (apt-get install pssh)" >&2; exit 1; }
if [ ! -x .bench-venv/bin/python ]; then
  python3 -m venv .bench-venv && .bench-venv/bin/pip install -q parallel-ssh
fi

scripts/local-sshd.sh start "$work" 1 >/dev/null
port=$(sed -n 's/^Port //p' "$work/sshd_config")
redis_port=$(cat "$work/redis.port")
command=${command/REDIS_PORT/$redis_port}
key="$work/id_ed25519"
user=$(id -un)

inventory() { # N hosts, all on the loopback sshd
  {
    echo "defaults: {user: $user, port: $port, identity_file: $key, known_hosts: $work/known_hosts, metadata: off,"
    echo "           timeouts: {connect: 30, handshake: 60, auth: 60, command: 120, host: 300}}"
    echo "hosts:"
    for i in $(seq 1 "$1"); do echo "  - {name: h$i, address: 127.0.0.1}"; done
  } >"$work/inventory-$1.yaml"
}

# measure LABEL N INFLIGHT CMD...: one row from GNU time's report of CMD.
measure() {
  local label=$1 n=$2 inflight=$3
  shift 3
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" >"$work/out" 2>"$work/err" || true
  read -r wall user_s sys_s rss_kib < <(tail -n 1 "$work/time")
  awk -v label="$label" -v n="$n" -v wall="$wall" -v u="$user_s" -v s="$sys_s" -v rss="$rss_kib" \
    -v inflight="$inflight" -v base="${baseline_rss:-0}" \
    'BEGIN { cpu = u + s; per = (rss - base) / inflight;
             printf "%-13s %6d %8.2f %8.2f %11.3f %9d %12.1f %8.1f", label, n, wall, cpu, cpu * 1000 / n, rss, per, n / wall }'
}

cat >"$work/pssh_client.py" <<'PY'
import sys
from pssh.clients import ParallelSSHClient
n, port, user, key, command = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
client = ParallelSSHClient(["127.0.0.1"] * n, port=port, user=user, pkey=key, pool_size=256, timeout=120)
output = client.run_command(command, stop_on_errors=False)
client.join(output)
print(f"ok={sum(1 for host in output if host.exit_code == 0)}")
PY

echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(/usr/sbin/sshd -V 2>&1 | head -1)"
echo "Command on every host: $command"
printf "%-13s %6s %8s %8s %11s %9s %12s %8s  %s\n" client hosts wall_s cpu_s cpu_ms/host peak_KiB KiB/inflight hosts/s ok
inventory 1
baseline_rss=$( { /usr/bin/time -f '%M' "$bin" exec -i "$work/inventory-1.yaml" --json -- true >/dev/null; } 2>&1 | tail -1)
for n in "${sizes[@]}"; do
  inventory "$n"
  inflight=$((n < 256 ? n : 256))
  measure fleet-audit "$n" "$inflight" "$bin" exec -i "$work/inventory-$n.yaml" --concurrency 256 --json -- "$command"
  echo "  $(grep -c '"status" : "ok"' "$work/out")/$n"
  measure parallel-ssh "$n" "$inflight" .bench-venv/bin/python "$work/pssh_client.py" "$n" "$port" "$user" "$key" "$command"
  echo "  $(sed -n 's/^ok=//p' "$work/out")/$n"
  if [ "$n" -le 500 ]; then
    for _ in $(seq 1 "$n"); do echo "127.0.0.1:$port"; done >"$work/hosts-$n"
    measure pssh "$n" "$inflight" parallel-ssh -h "$work/hosts-$n" -l "$user" -p 256 -t 120 \
      -x "-i $key -o UserKnownHostsFile=$work/known_hosts -o BatchMode=yes" "$command"
    echo "  $(grep -c SUCCESS "$work/out")/$n"
  fi
done
echo
echo "cpu = user + system seconds of the client and its children (GNU time); KiB/inflight = (peak RSS - peak RSS"
echo "of a 1-host run) / sessions in flight (min(hosts, 256)); pssh forks one ssh per host: its peak RSS is one process."
echo "Reproduce: make release && bash bench/exec-bench.sh ${sizes[*]}"
