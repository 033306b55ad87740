#!/bin/bash
# Guest placement under the sensor (guest.placement = "spread", the default):
# three pool guests on two CPUs, so two share one; a busy loop in each of
# those two, and the sensor moves one of them to the other CPU within a few
# of its 5-second measurements, every host task of it with it, and records
# the move.
OYSTER="$(realpath "$1")"
source "$(dirname "$0")/lib.sh"
if [ "$(nproc)" -lt 2 ]; then
	log "one CPU: nothing to balance; SKIP"
	exit 0
fi
PORTAL=203.0.113.1
EXTRA_CONFIG="[sensor]
listen_address = \"$PORTAL\"
pool_size = 3
max_guests = 4"
world_up
EVENTS="$STATE_DIR/sensor/events.jsonl"
KEEP_ON_FAILURE="$EVENTS $WORK/sensor.log"

start_sensor
deadline=$((SECONDS + 400))
until [ "$(events | jq -c 'select(.type=="guest_ready")' | wc -l)" -ge 3 ]; do
	[ $SECONDS -lt $deadline ] || fail "the pool did not boot three guests"
	sleep 1
done
running() { jq -c 'select(.state=="running" and .owner=="sensor") | {id, pid, cpu, guest_ip}' "$STATE_DIR"/guests/*/guest.json; }
running >"$WORK/guests.json"
log "pool guests: $(jq -r '"\(.id) on CPU \(.cpu)"' "$WORK/guests.json" | tr '\n' ' ')"
# Spread: as even as three guests on two CPUs can be, each guest on its own.
[ "$(jq -r .cpu "$WORK/guests.json" | sort | uniq -c | awk '{print $1}' | sort | tr '\n' ' ')" = "1 2 " ] ||
	fail "three guests are not spread 2 and 1 over two CPUs"
while read -r g; do
	[ "$(guest_task_cpus "$(jq -r .pid <<<"$g")")" = "$(jq -r .cpu <<<"$g")" ] ||
		fail "guest $(jq -r .id <<<"$g") has tasks off its CPU: $(guest_task_cpus "$(jq -r .pid <<<"$g")")"
done <"$WORK/guests.json"

shared="$(jq -r .cpu "$WORK/guests.json" | sort | uniq -d)"
mapfile -t pair < <(jq -r "select(.cpu == $shared) | .id" "$WORK/guests.json")
log "busy loops in ${pair[*]}, both on CPU $shared"
for id in "${pair[@]}"; do
	attacker_ssh "$(jq -r "select(.id==\"$id\") | .guest_ip" "$WORK/guests.json")" \
		'nohup timeout 90 sh -c "while :; do :; done" >/dev/null 2>&1 &' || fail "no busy loop in $id"
done
deadline=$((SECONDS + 60))
until grep -qE "guest (${pair[0]}|${pair[1]}): moved from CPU $shared" "$WORK/sensor.log"; do
	[ $SECONDS -lt $deadline ] || { tail -n 20 "$WORK/sensor.log" >&2; fail "no guest was moved off CPU $shared"; }
	sleep 1
done
line="$(grep -E "guest (${pair[0]}|${pair[1]}): moved from CPU $shared" "$WORK/sensor.log" | head -1)"
log "sensor: ${line#*] }"
moved="$(sed -E 's/.*guest ([0-9a-f]+): moved.*/\1/' <<<"$line")"
to="$(sed -E 's/.* to CPU ([0-9]+) .*/\1/' <<<"$line")"
[ "$to" != "$shared" ] || fail "moved to the CPU it was on"
[ "$(jq -r .cpu "$STATE_DIR/guests/$moved/guest.json")" = "$to" ] || fail "the record of $moved does not name CPU $to"
pid="$(jq -r .pid "$STATE_DIR/guests/$moved/guest.json")"
[ "$(guest_task_cpus "$pid")" = "$to" ] || fail "not every task of $moved is on CPU $to: $(guest_task_cpus "$pid")"
# One move, not a ping-pong: the two busy guests now have a CPU each.
sleep 12
[ "$(grep -c 'moved from CPU' "$WORK/sensor.log")" = 1 ] || fail "guests moved again: $(grep 'moved from CPU' "$WORK/sensor.log")"
log PASS
