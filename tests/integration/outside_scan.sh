#!/bin/bash
# The sensor as the internet's scanners see it (issue 18's outside probe):
# Nmap from the attacker's host, a full TCP SYN scan and a UDP scan of the
# portal's address, find open only the configured ports (22 and 23), and
# version detection (-sV) names the persona's OpenSSH and finds telnet on
# 23: what a Debian 12 server with sshd and inetd's telnetd shows, nothing
# of Oyster's. (Nmap 7.93 has no version match for Debian 12's telnetd,
# whose negotiation opens with WILL AUTHENTICATION: it says "telnet" and
# prints the fingerprint, as it does for a real Debian 12 server.)
# A scan from outside is not something `oyster selftest containment` can do
# from the sensor itself: the operator runs the same commands from another
# host (docs/threat-model.md).
OYSTER="$(realpath "$1")"
source "$(dirname "$0")/lib.sh"
PORTAL=203.0.113.1
SCANNER=203.0.113.60
EXTRA_CONFIG="[sensor]
listen_address = \"$PORTAL\"
ports = [\"22:22\", \"23:23\"]
pool_size = 1
max_guests = 2"
world_up
ip -n "$NS_ATTACKER" addr add "$SCANNER/24" dev "${tag}va"
EVENTS="$STATE_DIR/sensor/events.jsonl"
KEEP_ON_FAILURE="$EVENTS $WORK/sensor.log"
command -v nmap >/dev/null || fail "nmap is missing (scripts/install-deps.sh installs it for the tests)"

start_sensor
wait_for 300 'select(.type=="guest_ready")' "the pool's guest"

# Ports nmap found in a state (greppable output: "22/open/tcp//ssh//...").
ports_in() {  # file state
	{ grep -o "[0-9]*/$2/[a-z]*" "$1" || true; } | cut -d/ -f1 | sort -n | paste -sd' ' -
}

t0=$SECONDS
ip netns exec "$NS_ATTACKER" nmap -n -Pn -sS -p- -S "$SCANNER" --min-rate 4000 --max-retries 2 \
	-oG "$WORK/tcp.gnmap" "$PORTAL" >"$WORK/tcp.txt" 2>&1 || fail "nmap -sS failed: $(cat "$WORK/tcp.txt")"
open=$(ports_in "$WORK/tcp.gnmap" open)
log "nmap -sS -p- $PORTAL ($((SECONDS - t0)) s): open $open"
[ "$open" = "22 23" ] || fail "a full TCP scan found open '$open', not '22 23': $(cat "$WORK/tcp.txt")"

t0=$SECONDS
ip netns exec "$NS_ATTACKER" nmap -n -Pn -sU --top-ports 50 -S "$SCANNER" --max-retries 1 --host-timeout 120s \
	-oG "$WORK/udp.gnmap" "$PORTAL" >"$WORK/udp.txt" 2>&1 || fail "nmap -sU failed: $(cat "$WORK/udp.txt")"
udp_open=$(ports_in "$WORK/udp.gnmap" open)
log "nmap -sU --top-ports 50 $PORTAL ($((SECONDS - t0)) s): open '${udp_open}'"
[ -z "$udp_open" ] || fail "a UDP scan found open '$udp_open': $(cat "$WORK/udp.txt")"

t0=$SECONDS
ip netns exec "$NS_ATTACKER" nmap -n -Pn -sV -p 22,23 -S "$SCANNER" -oG "$WORK/version.gnmap" "$PORTAL" \
	>"$WORK/version.txt" 2>&1 || fail "nmap -sV failed: $(cat "$WORK/version.txt")"
sed 's/^/    nmap> /' "$WORK/version.txt" | grep -E '/tcp|Service Info' >&2
log "nmap -sV took $((SECONDS - t0)) s"
matches -E '^22/tcp +open +ssh +OpenSSH 9\.2p1 Debian 2\+deb12u[0-9]+ \(protocol 2\.0\)' <"$WORK/version.txt" ||
	fail "nmap -sV did not name the persona's OpenSSH: $(cat "$WORK/version.txt")"
matches -E '^23/tcp +open +telnet' <"$WORK/version.txt" ||
	fail "nmap -sV did not find telnet on 23: $(cat "$WORK/version.txt")"
# Debian 12's telnetd's first words, byte for byte: its answer to the NULL
# probe in the fingerprint nmap prints (joined across its wrapped lines).
sed -n 's/^SF[-:]//p' "$WORK/version.txt" | tr -d '\n' |
	matches -F 'r(NULL,15,"\xff\xfb%\xff\xfb&\xff\xfd\x18\xff\xfd\x20\xff\xfd#\xff\xfd'"'"'\xff\xfd\$")' ||
	fail "port 23 did not open as Debian 12's telnetd does: $(cat "$WORK/version.txt")"
matches -i -E 'oyster|uml|honeypot' <"$WORK/version.txt" && fail "nmap's answer names what it must not"

log PASS
