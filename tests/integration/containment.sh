#!/bin/bash
# Containment and data control: a guest answers connections made to it; of
# its own it may reach the internet within hourly caps, and nothing else —
# not the host (sensor), not another guest, not a private ("LAN") address,
# not a mail server, not a DNS server other than the configured one.
# Listeners exist at every target and are shown reachable from outside the
# guest, so a failure to connect from the guest means the rules dropped it.
OYSTER="$(realpath "$1")"
source "$(dirname "$0")/lib.sh"
TCP_CAP=4
EXTRA_CONFIG="[data_control]
tcp_connections_per_hour = $TCP_CAP"
world_up

listen() {  # namespace address port
	ip netns exec "$1" nc -lk -s "$2" -p "$3" >/dev/null 2>&1 &
}
listen "$NS_SENSOR" 203.0.113.1 8080
listen "$NS_SENSOR" 0.0.0.0 8081
listen "$NS_ATTACKER" "$ATTACKER_IP" 8080
listen "$NS_INTERNET" "$WEB_IP" 8080
listen "$NS_INTERNET" "$LAN_IP" 8080
listen "$NS_INTERNET" "$SMTP_IP" 25
listen "$NS_INTERNET" "$DNS_IP" 53
sleep 0.5
for t in 203.0.113.1:8080 "$WEB_IP:8080" "$LAN_IP:8080" "$SMTP_IP:25" "$DNS_IP:53"; do
	ip netns exec "$NS_SENSOR" nc -z -w 3 "${t%:*}" "${t#*:}" || fail "control: $t unreachable from the sensor"
done
ip netns exec "$NS_SENSOR" nc -z -w 3 "$ATTACKER_IP" 8080 || fail "control: attacker listener unreachable"

sensor_oyster guest start --json > "$WORK/a.json"
sensor_oyster guest start --json > "$WORK/b.json"
a="$(jq -r .guest_ip "$WORK/a.json")"
b="$(jq -r .guest_ip "$WORK/b.json")"
host="$(jq -r .host_ip "$WORK/a.json")"
[ "$a" != "$b" ] || fail "two guests share an address"
ip netns exec "$NS_SENSOR" nft list table inet oyster >/dev/null || fail "no containment table"

# From inside guest A: each target either connects or times out (dropped).
probe='for t in "$@"; do if timeout 4 bash -c "exec 3<>/dev/tcp/${t%:*}/${t#*:}" 2>/dev/null; then echo "REACHED $t"; else echo "blocked $t"; fi; done'
out="$(attacker_ssh "$a" "bash -c '$probe' probe $host:8081 $host:22 203.0.113.1:8080 $b:22 $LAN_IP:8080 $SMTP_IP:25 $DNS_IP:53")"
echo "$out" | sed 's/^/    guest A> /' >&2
echo "$out" | matches REACHED && fail "guest A reached something it must not"
[ "$(echo "$out" | grep -c blocked)" = 7 ] || fail "probe did not run: $out"
# Guest B is still reachable from the outside, so the block above was the rules.
attacker_ssh "$b" true || fail "guest B unreachable from outside"

# The internet is reachable, TCP_CAP new connections and no more.
out="$(attacker_ssh "$a" "bash -c '$probe' probe $(for _ in $(seq $((TCP_CAP + 1))); do printf '%s ' "$WEB_IP:8080"; done)")"
echo "$out" | sed 's/^/    guest A> /' >&2
[ "$(echo "$out" | grep -c REACHED)" = "$TCP_CAP" ] || fail "expected $TCP_CAP connections out, got: $out"
echo "$out" | tail -1 | matches '^blocked' || fail "connection $((TCP_CAP + 1)) went through"
if ! ip netns exec "$NS_SENSOR" nft list chain inet oyster drop_tcp_cap | matches 'counter packets [1-9]'; then
	# Which rule did stop it, if any: every counter and the cap's set.
	ip netns exec "$NS_SENSOR" nft list table inet oyster | grep -E 'chain|counter|elements|limit' >&2
	ip netns exec "$NS_SENSOR" conntrack -L 2>/dev/null | grep "$WEB_IP" >&2
	fail "the cap's drop counter did not move"
fi
# The cap is per guest: guest B still has its own.
attacker_ssh "$b" "bash -c '$probe' probe $WEB_IP:8080" | matches REACHED || fail "guest B was capped by guest A's use"

sensor_oyster guest stop "$(jq -r .id "$WORK/a.json")"
ip netns exec "$NS_SENSOR" nft list table inet oyster >/dev/null || fail "table removed while guest B runs"
sensor_oyster guest stop "$(jq -r .id "$WORK/b.json")"
ip netns exec "$NS_SENSOR" nft list table inet oyster >/dev/null 2>&1 && fail "table left after the last guest stopped"
log PASS
