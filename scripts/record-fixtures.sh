#!/usr/bin/env bash
# Records one RedisFacts fixture folder from a server binary, the way Tests/RedisFactsTests/Fixtures/PROVENANCE.md
# describes: the server runs on a free loopback port from a temporary directory with a small redis.conf, gets 50 keys
# in databases 0 and 3 (one with a TTL) and, on Redis 6+ and Valkey, the ACL user `auditor`; then Debian's redis-cli
# (piped, so raw output) records what the collector asks.
#
#   scripts/record-fixtures.sh SERVER-BINARY FOLDER               every file
#   scripts/record-fixtures.sh --command-only SERVER-BINARY FOLDER  only command.txt and command-count.txt
#
# e.g. scripts/record-fixtures.sh /opt/fleet-audit-lab/redis-5.0.14/redis-server \
#        Tests/RedisFactsTests/Fixtures/redis-5.0.14
# The server is stopped by its PID whatever happens; nothing else is touched. REDIS_CLI overrides the client
# (default /usr/bin/redis-cli, Debian's 7.0.15).
set -euo pipefail

only_commands=false
if [ "${1:-}" = --command-only ]; then
  only_commands=true
  shift
fi
[ $# -eq 2 ] || { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
# Absolute, but links kept: Debian's redis-server is a link to redis-check-rdb, which picks its mode from argv[0].
server=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
folder=$2
cli=${REDIS_CLI:-/usr/bin/redis-cli}
[ -x "$server" ] || { echo "record-fixtures: $server is not an executable" >&2; exit 1; }
[ -x "$cli" ] || { echo "record-fixtures: no redis-cli at $cli (apt-get install redis-tools)" >&2; exit 1; }

run=$(mktemp -d)
pid=
stop() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$run"
}
trap stop EXIT

# A port the kernel just handed out on loopback and nobody holds now.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'port %s\nbind 127.0.0.1\ndatabases 16\nmaxmemory 256mb\nsave ""\n' "$port" >"$run/redis.conf"
(cd "$run" && exec "$server" "$run/redis.conf" >"$run/server.log" 2>&1) &
pid=$!

cli() { "$cli" -h 127.0.0.1 -p "$port" "$@"; }
for _ in $(seq 100); do
  [ "$(cli PING 2>/dev/null)" = PONG ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$run/server.log" >&2; echo "record-fixtures: $server did not start" >&2; exit 1; }
  sleep 0.1
done
[ "$(cli PING 2>/dev/null)" = PONG ] || { echo "record-fixtures: $server does not answer on $port" >&2; exit 1; }

mkdir -p "$folder"
if ! $only_commands; then
  # Redis before 6 has no ACL; every Valkey has it.
  version=$("$server" --version)
  major=$(echo "$version" | sed -n 's/.* v=\([0-9]*\)\..*/\1/p')
  for i in $(seq 0 49); do echo "SET key:$i value-$i"; done | cli >/dev/null
  cli EXPIRE key:0 3600 >/dev/null
  for i in $(seq 0 49); do echo "SET key:$i value-$i"; done | cli -n 3 >/dev/null
  if [[ $version == Valkey* ]] || [ "$major" -ge 6 ]; then
    cli ACL SETUSER auditor on '>Audit0r-Secret' '~*' '+@read' >/dev/null
  fi
  cli INFO everything >"$folder/info-everything.txt"
  cli INFO all >"$folder/info-all.txt"
  cli CONFIG GET '*' >"$folder/config-get.txt"
  cli CLIENT LIST >"$folder/client-list.txt"
  cli MODULE LIST >"$folder/module-list.txt"
  cli ACL LIST >"$folder/acl-list.txt"
  echo "$version" >"$folder/version.txt"
fi
cli --no-raw COMMAND >"$folder/command.txt"
cli COMMAND COUNT >"$folder/command-count.txt"
echo "record-fixtures: $folder from $("$server" --version | cut -d' ' -f1-3) on 127.0.0.1:$port"
