#!/bin/bash
# A guest boots from the read-only base image and a COW file of its own; an
# attacker logs in over SSH with a password, writes a file; after a stop the
# base image is unchanged and a reboot from the same COW file finds the write.
OYSTER="$(realpath "$1")"
source "$(dirname "$0")/lib.sh"
world_up

image="$(jq -r .image "$STATE_DIR/platform.json")"
base_sum_before="$(cut -d' ' -f1 "$image.sha256")"

log "starting guest"
sensor_oyster guest start --json > "$WORK/start.json"
id="$(jq -r .id "$WORK/start.json")"
gip="$(jq -r .guest_ip "$WORK/start.json")"
cow="$(jq -r .cow "$WORK/start.json")"
log "guest $id at $gip booted in $(jq -r .boot_ms "$WORK/start.json") ms"
[ "$(sensor_oyster guest list --json | jq -r ".[] | select(.id == \"$id\") | .state")" = running ] ||
	fail "guest list does not show $id running"

log "logging in over SSH from $ATTACKER_IP"
out="$(attacker_ssh "$gip" 'cat /etc/debian_version; id -un; echo "$SSH_CONNECTION"; ps -e | wc -l;
	echo oyster-was-here > /root/marker; sync')"
echo "$out" | sed 's/^/    guest> /' >&2
echo "$out" | sed -n 1p | grep -Eq '^12\.' || fail "guest is not Debian 12: $out"
[ "$(echo "$out" | sed -n 2p)" = root ] || fail "not logged in as root"
echo "$out" | sed -n 3p | grep -q "^$ATTACKER_IP " || fail "guest does not see the attacker's address"
attacker_ssh "$gip" 'uname -m' | grep -qx x86_64 || fail "uname -m"

log "stopping guest $id"
sensor_oyster guest stop "$id"
[ "$(jq -r .state "$STATE_DIR/guests/$id/guest.json")" = stopped ] || fail "record not stopped"
ip -n "$NS_SENSOR" link show "oyg$id" >/dev/null 2>&1 && fail "tap oyg$id left behind"
pgrep -f "umid=$id" >/dev/null && fail "UML processes of $id left behind"

log "checking base image checksum"
[ "$(sha256sum "$image" | cut -d' ' -f1)" = "$base_sum_before" ] || fail "base image changed"

log "rebooting from the same COW file"
sensor_oyster guest start --cow "$cow" --json > "$WORK/start2.json"
id2="$(jq -r .id "$WORK/start2.json")"
gip2="$(jq -r .guest_ip "$WORK/start2.json")"
[ "$(attacker_ssh "$gip2" 'cat /root/marker')" = oyster-was-here ] || fail "write lost across reboot"
sensor_oyster guest stop "$id2"
[ "$(sha256sum "$image" | cut -d' ' -f1)" = "$base_sum_before" ] || fail "base image changed"
log "PASS"
