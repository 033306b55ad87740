#!/bin/bash
# Evidence under a hostile guest (issue 17). The guest's root floods its
# capture with cheap records (connect() on a UDP socket, some 2,000 a
# second, ten times the live allowance) and with terminal opens and closes
# (some 1,000 a second, a class the store's sessions need) for 60 s, while
# its attacker types commands at a terminal, logs in again over new
# connections and fails passwords: every command and every login attempt
# is in the store, in its own session; the connects cost only their own
# class (suppressed "other" events, counted), and the terminal events
# beyond the live allowance are all in the store (store_only), as many as
# the guest's complete decode holds. Then it floods as fast as it can until its capture
# reaches its quota (capture.max_mib): the guest is stopped with a
# `quota_reached` event, the file stays within the quota, and the sensor
# goes on serving others.
OYSTER="$(realpath "$1")"
source "$(dirname "$0")/lib.sh"
PORTAL=203.0.113.1
A10=203.0.113.10
A11=203.0.113.11
# Room for the flood of the first part and what the guest captured before
# it: its boot (about 7 MiB) and the daily jobs that run once its clocks
# catch up to the shown uptime (logrotate, dpkg-db-backup: about 6 MiB).
QUOTA_MIB=48
EXTRA_CONFIG="[capture]
max_mib = $QUOTA_MIB
[sensor]
listen_address = \"$PORTAL\"
pool_size = 1
max_guests = 2
max_connections_per_source = 16"
world_up
ip -n "$NS_ATTACKER" addr add "$A11/24" dev "${tag}va"
EVENTS="$STATE_DIR/sensor/events.jsonl"
KEEP_ON_FAILURE="$EVENTS $WORK/sensor.log $WORK/typed-ssh.log $WORK/typed.txt"
DB="$STATE_DIR/store.sqlite"
ssh_opts=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=90
	-o PreferredAuthentications=password -o PubkeyAuthentication=no)

start_sensor
wait_for 300 'select(.type=="guest_ready")' "the pool guest"

cat >"$WORK/flood.pl" <<'PL'
use Socket;
socket(my $s, PF_INET, SOCK_DGRAM, 0) or die "socket: $!";
my $to = pack_sockaddr_in(53, inet_aton("198.51.100.9"));
my $end = time + 60;
while (time < $end) {
	connect($s, $to) for 1 .. 200;
	for (1 .. 50) { open(my $p, "+<", "/dev/ptmx") or die "ptmx: $!"; close($p); }
	select(undef, undef, undef, 0.1);
}
PL
portal_ssh $A10 'cat >/root/flood.pl && (nohup perl /root/flood.pl </dev/null >/dev/null 2>&1 &)' <"$WORK/flood.pl" ||
	fail "cannot start the flood"
flood_started=$SECONDS
wait_for 30 'select(.type=="capture_suppressed" and .by_class.other > 0)' "the flood to go over its allowance"
log "flooding; typing 20 commands at a terminal and logging in 5 times over 60 s"

# New connections meanwhile: a wrong password and a login with a command each.
(
	for j in 1 2 3 4 5; do
		sleep 9
		ip netns exec "$NS_ATTACKER" sshpass -p "wrong-pw-$j" ssh -q -b $A10 "${ssh_opts[@]}" \
			-o NumberOfPasswordPrompts=1 "root@$PORTAL" true 2>/dev/null || true
		portal_ssh $A10 "/bin/echo login-check-$j" >>"$WORK/logins.txt" 2>&1 || true
	done
) &
logins_pid=$!
{
	sleep 2
	for i in $(seq 1 20); do
		echo "/bin/echo typed-check-$i"
		sleep 2.5
	done
	echo exit
} | ip netns exec "$NS_ATTACKER" sshpass -p "$ROOT_PASSWORD" ssh -tt -v -E "$WORK/typed-ssh.log" -b $A10 \
	"${ssh_opts[@]}" "root@$PORTAL" >"$WORK/typed.txt" 2>&1 && typed_rc=0 || typed_rc=$?
wait $logins_pid || true
# Their output, not their echo (bash's bracketed-paste switches may lead a line).
[ "$(grep -v 'echo typed-check' "$WORK/typed.txt" | grep -c 'typed-check-')" = 20 ] ||
	fail "the typed commands did not all run (ssh exit $typed_rc): $(tail -5 "$WORK/typed.txt")
---- its ssh log (last 25 lines)
$(tail -25 "$WORK/typed-ssh.log")
---- the sensor's connections from $A10
$(jq -c 'select((.type | startswith("connection")) and .source_ip == "'$A10'")' "$EVENTS")"
[ "$(grep -c '^login-check-' "$WORK/logins.txt")" = 5 ] || fail "the logins did not all run: $(cat "$WORK/logins.txt")"
# The flood over. The follower reads a flood's backlog in slices between
# the portal's turns (sensor.cpp, kFollowBudget): under the sanitizers it
# may still be reading it well after. The decode's terminal opens grow
# with it, the store's after them; it has caught up when both are equal
# and the decode's no longer grows (the flood's terminals were its only
# ones). Then what the allowances cut is all counted, a second later.
while [ $((SECONDS - flood_started)) -lt 62 ]; do sleep 1; done
sql() { sqlite3 "$DB" "$1"; }
guest="$(jq -r 'select(.type=="intrusion_opened") | .guest_id' "$EVENTS" | first_line)"
last=-1
for _ in $(seq 90); do
	sleep 2
	sensor_oyster store sync >/dev/null
	stored="$(sql "SELECT COUNT(*) FROM events WHERE type = 'capture' AND guest_id = '$guest'
		AND json_extract(body, '$.event.type') = 'tty_open'")"
	decoded="$(jq -c 'select(.type=="tty_open")' "$STATE_DIR/guests/$guest/capture/events.jsonl" | wc -l)"
	[ "$stored" = "$decoded" ] && [ "$decoded" = "$last" ] && break
	last=$decoded
done
[ "$stored" = "$decoded" ] || fail "the store holds $stored terminal opens, the guest's decode $decoded"
log "$stored terminal opens in the store, as many as in the decode, $((SECONDS - flood_started)) s after the flood began"
sleep 2
suppressed="$(jq -cs '[.[] | select(.type=="capture_suppressed")] |
	{other: (map(.by_class.other // 0) | add), terminal: (map(.by_class.terminal // 0) | add),
	 stored: (map(.stored // 0) | add), rest: (map(.by_class | del(.other, .terminal) | to_entries[].value) | add // 0)}' \
	"$EVENTS")"
log "suppressed live events: $suppressed"
[ "$(jq .other <<<"$suppressed")" -gt 20000 ] || fail "the flood was not cut: $suppressed"
[ "$(jq .rest <<<"$suppressed")" = 0 ] || fail "the flood crowded out events of other classes: $suppressed"
[ "$(jq .terminal <<<"$suppressed")" -gt 10000 ] || fail "the terminal flood stayed within the live allowance"
[ "$(jq .stored <<<"$suppressed")" = "$(jq .terminal <<<"$suppressed")" ] ||
	fail "terminal events past the live allowance are not all in the log for the store: $suppressed"
[ "$(jq -s '[.[] | select(.type=="capture" and .store_only)] | length' "$EVENTS")" -gt 10000 ] ||
	fail "no store_only events in the log"

typed_sid="$(sql "SELECT DISTINCT session_id FROM commands WHERE command_line LIKE '/bin/echo typed-check-%'")"
[ "$(sql "SELECT COUNT(DISTINCT command_line) FROM commands WHERE command_line LIKE '/bin/echo typed-check-%'
	AND session_id IS NOT NULL")" = 20 ] || fail "not every typed command is in the store with a session"
[ "$(wc -l <<<"$typed_sid")" = 1 ] || fail "the typed commands are in several sessions: $typed_sid"
[ "$(sql "SELECT logged_in, tty IS NOT NULL FROM sessions WHERE id = $typed_sid")" = "1|1" ] ||
	fail "the typed session is not logged in with a terminal"
for j in 1 2 3 4 5; do
	sid="$(sql "SELECT session_id FROM commands WHERE command_line = '/bin/echo login-check-$j'")"
	[ -n "$sid" ] || fail "login $j's command is not in a session"
	[ "$(sql "SELECT logged_in FROM sessions WHERE id = $sid")" = 1 ] || fail "login $j's session is not logged in"
	[ "$(sql "SELECT COUNT(*) FROM credentials WHERE password = 'wrong-pw-$j' AND session_id IS NOT NULL")" = 1 ] ||
		fail "the failed password wrong-pw-$j is not in the store with its session"
done
[ "$(sql "SELECT COUNT(DISTINCT session_id) FROM commands WHERE command_line LIKE '/bin/echo login-check-%'")" = 5 ] ||
	fail "the five logins' commands are not in five sessions"
log "20 typed commands in session $typed_sid; 5 logins and 5 failed passwords, each in its session"

# The quota: connect() as fast as the guest goes, until the capture is full.
cap="$STATE_DIR/guests/$guest/capture.bin"
log "capture at $(($(stat -c %s "$cap") >> 20)) MiB; flooding it to its quota of $QUOTA_MIB MiB"
sed -i 's/select(undef, undef, undef, 0.1);//; s/time + 60/time + 300/; /ptmx/d' "$WORK/flood.pl"
portal_ssh $A10 'cat >/root/flood2.pl && (nohup perl /root/flood2.pl </dev/null >/dev/null 2>&1 &)' <"$WORK/flood.pl" ||
	fail "cannot start the second flood"
wait_for 180 "select(.type==\"quota_reached\" and .cause==\"capture\" and .guest_id==\"$guest\")" "the capture quota"
size="$(stat -c %s "$cap")"
[ "$size" -ge $((QUOTA_MIB << 20)) ] && [ "$size" -le $(((QUOTA_MIB + 1) << 20)) ] ||
	fail "the capture holds $size bytes, not its quota of $QUOTA_MIB MiB"
grep -q 'capture quota reached' "$STATE_DIR/guests/$guest/capture-writer.log" || fail "the writer's log lacks the quota"
wait_for 60 "select(.type==\"intrusion_closed\" and .guest_id==\"$guest\")" "the intrusion's close"
kill -0 "$SENSOR_PID" || fail "the sensor died"
portal_ssh $A11 'echo still-serving' | matches -x still-serving || fail "the sensor stopped serving others"
log "PASS (capture stopped at $((size >> 20)) MiB, the guest stopped, others still served)"
