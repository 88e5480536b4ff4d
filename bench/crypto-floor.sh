#!/usr/bin/env bash
# Benchmark (not a test): the client-side crypto of one SSH session, called the way libssh2 1.10 calls OpenSSL 3,
# with no network (bench/crypto-floor.c). The CPU floor under `fleet-audit exec`'s cost per host, and under every
# libssh2 client's (parallel-ssh does the same crypto). CPU time, so load on the machine matters less than for wall
# time. Results: docs/benchmarks.md.
#
#   bench/crypto-floor.sh            # 2,000 iterations of each part
#   COUNT=10000 bench/crypto-floor.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cc >/dev/null || { echo "no C compiler (apt-get install gcc)" >&2; exit 1; }
work=$(mktemp -d /tmp/fleet-audit-crypto-floor.XXXXXX)
trap 'rm -rf "$work"' EXIT
# The deprecated HMAC_* calls are the ones libssh2 1.10 makes.
cc -O2 -Wno-deprecated-declarations -o "$work/crypto-floor" bench/crypto-floor.c -lcrypto
echo "# crypto floor of one session: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(openssl version | cut -d' ' -f1-2)"
echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg); reproduce: COUNT=${COUNT:-2000} bench/crypto-floor.sh"
"$work/crypto-floor" "${COUNT:-2000}"
