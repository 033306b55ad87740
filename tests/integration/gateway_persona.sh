#!/bin/bash
# An embedded-device persona (image/personas/gateway.toml, built by `make
# test` before the tests): root's login shell is BusyBox's ash, which the
# image build links to /bin/busybox because Debian ships no applet links.
# Tried as a Mirai-family loader does over telnet, and over OpenSSH: root
# lands in BusyBox's ash, the loader's probe is answered "applet not found",
# and the login and commands are captured as on the default persona.
OYSTER="$(realpath "$1")"
source "$(dirname "$0")/lib.sh"
PORTAL=203.0.113.1
LOADER=203.0.113.50
GUEST_CONFIG='persona = "gateway"'
EXTRA_CONFIG="[sensor]
listen_address = \"$PORTAL\"
ports = [\"22:22\", \"23:23\"]
pool_size = 1
max_guests = 2"
world_up
ip -n "$NS_ATTACKER" addr add "$LOADER/24" dev "${tag}va"
EVENTS="$STATE_DIR/sensor/events.jsonl"
KEEP_ON_FAILURE="$EVENTS $WORK/sensor.log"

start_sensor
wait_for 300 'select(.type=="guest_ready")' "the gateway guest"

# --- over telnet, as a loader: login, the shell's banner, the probe.
ip netns exec "$NS_ATTACKER" python3 -W ignore "$(dirname "$0")/telnet_session.py" $LOADER "$PORTAL" "$ROOT_PASSWORD" \
	'echo shell=$(readlink /proc/$$/exe) name=$0' '/bin/busybox OYSTR' >"$WORK/telnet.txt" 2>&1 ||
	fail "the telnet session failed: $(tail -c 2000 "$WORK/telnet.txt")"
sed 's/^/    telnet> /' "$WORK/telnet.txt" | tail -n 12 >&2
matches -F 'built-in shell (ash)' <"$WORK/telnet.txt" || fail "root's telnet login did not start BusyBox's ash"
# (/bin is /usr/bin on Debian 12: the link's target resolves there.)
matches -E 'shell=(/usr)?/bin/busybox name=-ash' <"$WORK/telnet.txt" || fail "root's login shell is not BusyBox's ash"
matches -F 'OYSTR: applet not found' <"$WORK/telnet.txt" || fail "BusyBox did not answer the loader's probe"
wait_for 20 "select(.type==\"intrusion_opened\" and .source_ip==\"$LOADER\")" "the loader's intrusion"

# --- over OpenSSH: the same shell, the persona's machine.
out=$(portal_ssh $ATTACKER_IP 'readlink /proc/$$/exe; hostname; getent passwd root service | cut -d: -f1,7') ||
	fail "the SSH session failed"
printf '%s\n' "$out" | sed 's/^/    ssh> /' >&2
[ "$out" = "$(printf '%s\n' /usr/bin/busybox pst-gw-0417 root:/bin/ash service:/bin/ash)" ] ||
	fail "not the gateway persona's shells and name over SSH"

# --- captured as anywhere: the loader's probe ran BusyBox.
wait_for 30 "select(.type==\"capture\" and .source_ip==\"$LOADER\" and .event.type==\"exec\"
	and (.event.argv|join(\" \"))==\"/bin/busybox OYSTR\")" \
	"the loader's probe in the capture"
log PASS
