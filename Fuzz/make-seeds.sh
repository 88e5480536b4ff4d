#!/usr/bin/env bash
# Rebuilds Fuzz/seeds/<target>/ from the committed fixtures: relative symlinks where a fixture is a seed as it is,
# and assembled files where a target reads a combined format (the collector's framed stream, the evaluator's
# sections). Run from anywhere; commit the result (the known_hosts keys are new on every run: keep the committed
# file unless its format changes). See docs/security.md.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=Fuzz/seeds
facts=Tests/RedisFactsTests/Fixtures
rm -rf "$seeds"
mkdir -p "$seeds"

link() { # link TARGET FILE...: symlink each fixture into seeds/TARGET under a name saying where it comes from
    local target=$1
    shift
    mkdir -p "$seeds/$target"
    for file in "$@"; do
        ln -s "../../../$file" "$seeds/$target/$(echo "$file" | tr '/' '_')"
    done
}

link info $facts/*/info-*.txt
link redis-conf $facts/debian-redis-7.0.15.conf
link config-get $facts/*/config-get.txt
link client-list $facts/*/client-list.txt $facts/*/module-list.txt
link acl-list $facts/*/acl-list.txt
link inventory inventory/example.yaml inventory/lab/*.yaml
link ec2-instances Tests/InventoryTests/Fixtures/ec2-describe-instances.json
link target inventory/target.example.yaml inventory/lab/demo-target.yaml

# The Ansible inventory of Tests/InventoryTests (AnsibleInventorySourceTests), as a file.
mkdir -p "$seeds/ansible-inventory"
cat >"$seeds/ansible-inventory/groups-and-vars.yml" <<'YAML'
all:
  vars: {ansible_user: ubuntu}
  hosts:
    bastion: {ansible_host: 10.9.0.1}
  children:
    redis:
      vars: {ansible_port: 2200, fleet_audit_tags: {role: cache}}
      children:
        redis_prod:
          vars: {fleet_audit_tags: {role: cache, env: prod}}
          hosts:
            cache-a: {ansible_host: 10.9.1.10, ansible_user: ec2-user}
            cache-b:
        redis_dev:
          hosts:
            cache-c: {ansible_host: 10.9.2.10, ansible_ssh_private_key_file: keys/dev}
YAML

# known_hosts lines as ssh-keyscan and `ssh-keygen -H` write them, for fresh throwaway keys (only the public halves
# are kept): a plain line per key type, a [host]:port line, a hashed line, a @revoked line and a comment.
mkdir -p "$seeds/known-hosts"
keys=$(mktemp -d)
trap 'rm -rf "$keys"' EXIT
{
    echo "# known_hosts seed"
    for type in ed25519 ecdsa rsa; do
        ssh-keygen -q -t $type -N '' -C '' -f "$keys/$type" >/dev/null
        read -r algorithm blob _ <"$keys/$type.pub"
        echo "10.0.0.1,cache-1 $algorithm $blob"
        echo "[cache-1.example]:2222 $algorithm $blob"
        echo "@revoked * $algorithm $blob"
    done
    echo "cache-2 $(cut -d' ' -f1,2 "$keys/ed25519.pub")" >"$keys/plain"
    ssh-keygen -q -H -f "$keys/plain" >/dev/null 2>&1
    cat "$keys/plain"
} >"$seeds/known-hosts/keys.txt"

# The Debian redis.conf without its comments (72 directives, 2 KB instead of 106 KB): the evaluator and the
# section stream run every rule and renderer per input, and a smaller seed means more inputs per second.
conf="$keys/redis.conf"
grep -v '^#' $facts/debian-redis-7.0.15.conf | grep -v '^$' >"$conf"

# redis.conf seeds the fuzzer can mutate quickly: the directives alone, and a main file with an include (the
# redis-conf target reads `--8<-- PATH` as the start of another captured file).
mkdir -p "$seeds/redis-conf"
cp "$conf" "$seeds/redis-conf/debian-redis-7.0.15-directives.conf"
{
    echo 'include /etc/redis/conf.d/*.conf'
    echo 'maxmemory 20gb'
    echo 'rename-command CONFIG ""'
    echo 'user default on >secret ~* +@all'
    echo '--8<-- /etc/redis/conf.d/memory.conf'
    echo 'maxmemory 2gb'
    echo 'client-output-buffer-limit replica 256mb 64mb 60'
    echo 'requirepass "quoted \x41 secret"'
} >"$seeds/redis-conf/include.conf"

# The collector's framed output (SectionStream, token as in Sources/FuzzTargets) for each Redis version.
frame() { # frame NAME ATTRIBUTES FILE
    printf '==FA:fuzz0token:BEGIN %s%s==\n' "$1" "${2:+ $2}"
    cat "$3"
    printf '\n==FA:fuzz0token:END rc=0 bytes=%s==\n' "$(wc -c <"$3")"
}
mkdir -p "$seeds/section-stream" "$seeds/evaluator"
for version in $facts/redis-*/ $facts/valkey-*/; do
    name=$(basename "$version")
    {
        frame meminfo "" $facts/host/proc-meminfo.txt
        frame loadavg "" $facts/host/proc-loadavg.txt
        frame ip_addr "" $facts/host/ip-addr.txt
        frame thp "" $facts/host/thp-enabled.txt
        frame info "port=6379" "$version/info-all.txt"
        frame config_get "port=6379" "$version/config-get.txt"
        frame client_list "port=6379" "$version/client-list.txt"
        frame acl_list "port=6379" "$version/acl-list.txt"
        frame disk_free "port=6379" $facts/host/df-Pk.txt
        frame config_file "port=6379 path=/etc/redis/redis.conf" "$conf"
        frame info "port=6380 transport=tls" "$version/info-everything.txt"
    } >"$seeds/section-stream/$name.txt"
    {
        for host in meminfo:proc-meminfo.txt loadavg:proc-loadavg.txt ip_addr:ip-addr.txt thp:thp-enabled.txt; do
            echo "@@ h:${host%%:*}"
            cat "$facts/host/${host#*:}"
        done
        echo "@@ h:cpu_count"
        echo 4
        for section in info:info-all.txt config_get:config-get.txt client_list:client-list.txt \
            acl_list:acl-list.txt module_list:module-list.txt; do
            echo "@@ i:${section%%:*}"
            cat "$version/${section#*:}"
        done
        echo "@@ i:disk_free"
        cat $facts/host/df-Pk.txt
        echo "@@ conf:/etc/redis/redis.conf"
        cat "$conf"
        echo "@@ port 6380"
        echo "@@ i:info"
        cat "$version/info-everything.txt"
    } >"$seeds/evaluator/$name.txt"
done
# A stored run's host file (runs/<time>/hosts/<name>.json, what `report --run` decodes), from the 7.0.15 fixtures.
python3 - "$facts" "$conf" >"$seeds/evaluator/snapshot-redis-7.0.15.json" <<'PYTHON'
import json, sys
facts, conf = sys.argv[1], sys.argv[2]
read = lambda path: open(path, encoding="utf-8").read()
section = lambda text: {"exitCode": 0, "text": text, "truncated": False}
version = facts + "/redis-7.0.15/"
print(json.dumps({
    "schema": "fleet-audit.snapshot/1",
    "host": {"name": "cache-1", "address": "10.0.1.15", "port": 22, "tags": {"app": "shop"}, "groups": [],
             "securityGroupIDs": []},
    "collectedAt": "2026-12-01T00:00:00Z",
    "sections": {"meminfo": section(read(facts + "/host/proc-meminfo.txt")),
                 "loadavg": section(read(facts + "/host/proc-loadavg.txt")), "cpu_count": section("4\n"),
                 "ip_addr": section(read(facts + "/host/ip-addr.txt"))},
    "instances": [{"port": 6379, "pid": 812, "configFile": "/etc/redis/redis.conf", "origin": "both",
                   "sections": {name: section(read(version + file)) for name, file in [
                       ("info", "info-all.txt"), ("config_get", "config-get.txt"),
                       ("client_list", "client-list.txt"), ("acl_list", "acl-list.txt")]},
                   "configFiles": [{"path": "/etc/redis/redis.conf", "text": read(conf)}]}],
    "hostKeyUnverified": False,
}, indent=1, sort_keys=True))
PYTHON

# The rules target reads the evaluator's inputs.
mkdir -p "$seeds/rules"
for file in "$seeds"/evaluator/*; do ln -s "../evaluator/$(basename "$file")" "$seeds/rules/"; done

find "$seeds" -type f -o -type l | wc -l | xargs echo "seeds:"
