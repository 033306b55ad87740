#!/bin/bash
# A guest that dies mid-intrusion (a crash, or a halt after the intruder
# turned off its clean shutdown): the sensor sees it gone, closes the
# intrusion and analyses a disk whose last changes sit in the ext4 journal,
# committed but not necessarily at their home blocks yet. The analysis
# replays the journal as the guest's own kernel would at its next mount: the
# file the intruder wrote seconds before the kill is listed with its hash.
OYSTER="$(realpath "$1")"
source "$(dirname "$0")/lib.sh"
PORTAL=203.0.113.1
EXTRA_CONFIG="[sensor]
listen_address = \"$PORTAL\"
ports = [\"22:22\"]
pool_size = 1
max_guests = 1
idle_timeout_s = 300"
world_up
EVENTS="$STATE_DIR/sensor/events.jsonl"
KEEP_ON_FAILURE="$EVENTS $WORK/sensor.log"

start_sensor
wait_for 300 'select(.type=="guest_ready")' "the pool guest"

marker="late-$RANDOM$RANDOM"
log "the intruder writes /root/$marker (fsync'd), and a second later the guest is killed"
# fsync, as an installer or a careful dropper does: the data is on the disk
# and the new inode and directory entry are in a committed transaction of
# the journal, not at their home blocks (the guest writes those back after
# 30 s). Without the replay, the file would not be there.
ip netns exec "$NS_ATTACKER" sshpass -p "$ROOT_PASSWORD" ssh -q \
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=90 \
	-o PreferredAuthentications=password -o PubkeyAuthentication=no \
	"root@$PORTAL" "echo 'written just before the crash' | dd of=/root/$marker conv=fsync status=none; sleep 1" ||
	fail "the intruder's session failed"
content_sha="$(echo 'written just before the crash' | sha256sum | cut -d' ' -f1)"
gid="$(events | jq -r 'select(.type=="intrusion_opened") | .guest_id' | first_line)"
[ -n "$gid" ] || fail "no intrusion opened"
pid="$(jq -r .pid "$STATE_DIR/guests/$gid/guest.json")"
kill -KILL -- "-$pid" || fail "cannot kill the guest's UML process group $pid"

wait_for 120 'select(.type=="forensics_done")' "the analysis of the killed guest's intrusion"
done_event="$(events | jq -c 'select(.type=="forensics_done")' | first_line)"
echo "$done_event" | sed 's/^/    forensics> /' >&2
echo "$done_event" | jq -e '.error == null and (.journal_replay.transactions // 0) > 0' >/dev/null ||
	fail "the killed guest's disk was not read with its journal replayed"
events | jq_any --arg p "/root/$marker" --arg s "$content_sha" \
	'select(.type=="forensic_file" and .change=="added" and .path==$p and .sha256==$s)' ||
	fail "the file written before the kill is not listed with its content: $(events |
		jq -c 'select(.type=="forensic_file" and .change=="added")' | head -5)"
grep -qx "forensics worker: capabilities none, user namespace own, network lo, host /etc/shadow hidden" \
	"$STATE_DIR/guests/$gid/forensics/worker.log" || fail "the forensics worker was not confined"

kill -TERM "$SENSOR_PID"
wait "$SENSOR_PID" || fail "the sensor did not stop cleanly"
log "PASS (journal: $(echo "$done_event" | jq -c .journal_replay))"
