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
compiler=$(command -v cc || command -v clang || command -v gcc || true)
[ -n "$compiler" ] || { echo "# crypto floor skipped: no C compiler (apt-get install gcc)"; exit 0; }
[ -e /usr/include/openssl/evp.h ] || { echo "# crypto floor skipped: no OpenSSL headers (apt-get install libssl-dev)"; exit 0; }
work=$(mktemp -d /tmp/fleet-audit-crypto-floor.XXXXXX)
trap 'rm -rf "$work"' EXIT
# The deprecated HMAC_* calls are the ones libssh2 1.10 makes.
"$compiler" -O2 -Wno-deprecated-declarations -o "$work/crypto-floor" bench/crypto-floor.c -lcrypto
echo "# crypto floor of one session: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(openssl version | cut -d' ' -f1-2)"
echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg); reproduce: COUNT=${COUNT:-2000} bench/crypto-floor.sh"
"$work/crypto-floor" "${COUNT:-2000}"
