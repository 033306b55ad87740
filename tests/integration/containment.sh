#!/bin/bash
# Containment before features: a guest answers connections made to it but
# starts none of its own — not to the host (sensor), not to another guest,
# not to the internet (the attacker namespace stands in for it). Listeners
# exist at every target, and are shown reachable from outside the guest, so a
# failure to connect from the guest means the rules dropped it.
OYSTER="$(realpath "$1")"
source "$(dirname "$0")/lib.sh"
world_up

listen() {  # namespace address
	ip netns exec "$1" nc -lk -s "$2" -p 8080 >/dev/null 2>&1 &
}
listen "$NS_SENSOR" 203.0.113.1
listen "$NS_SENSOR" 0.0.0.0
listen "$NS_ATTACKER" "$ATTACKER_IP"
sleep 0.5
ip netns exec "$NS_ATTACKER" nc -z -w 3 203.0.113.1 8080 || fail "control: sensor listener unreachable"
ip netns exec "$NS_SENSOR" nc -z -w 3 "$ATTACKER_IP" 8080 || fail "control: internet listener unreachable"

sensor_oyster guest start --json > "$WORK/a.json"
sensor_oyster guest start --json > "$WORK/b.json"
a="$(jq -r .guest_ip "$WORK/a.json")"
b="$(jq -r .guest_ip "$WORK/b.json")"
host="$(jq -r .host_ip "$WORK/a.json")"
[ "$a" != "$b" ] || fail "two guests share an address"
ip netns exec "$NS_SENSOR" nft list table inet oyster >/dev/null || fail "no containment table"

# From inside guest A, each attempt must time out (dropped), not connect.
probe='for t in "$@"; do if timeout 4 bash -c "exec 3<>/dev/tcp/${t%:*}/${t#*:}" 2>/dev/null; then echo "REACHED $t"; else echo "blocked $t"; fi; done'
out="$(attacker_ssh "$a" "bash -c '$probe' probe $host:8080 $host:22 203.0.113.1:8080 $ATTACKER_IP:8080 $b:22")"
echo "$out" | sed 's/^/    guest A> /' >&2
echo "$out" | grep -q REACHED && fail "guest A reached something it must not"
[ "$(echo "$out" | grep -c blocked)" = 5 ] || fail "probe did not run: $out"
# Guest B is still reachable from the outside, so the block above was the rules.
attacker_ssh "$b" true || fail "guest B unreachable from outside"

sensor_oyster guest stop "$(jq -r .id "$WORK/a.json")"
ip netns exec "$NS_SENSOR" nft list table inet oyster >/dev/null || fail "table removed while guest B runs"
sensor_oyster guest stop "$(jq -r .id "$WORK/b.json")"
ip netns exec "$NS_SENSOR" nft list table inet oyster >/dev/null 2>&1 && fail "table left after the last guest stopped"
log PASS
