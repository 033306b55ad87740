#!/bin/bash
# Guests are spent on engagement (sensor/guest_pool.h), tried with real
# clients against a sensor of 3 guests with a pool of 2:
#   - ten banner grabs from ten addresses: each gets a banner, no boot, the
#     pool stays at its size;
#   - hydra failing passwords: its guest goes back to the pool; that guest
#     killed, hydra's address lands on another guest where the login policy
#     counts the failures made on the first (the host tells the guest);
#   - a connection that sends nothing is closed after the login grace;
#   - a bot logs in and leaves a file, on a guest it shared with another
#     source until then: that source's connection is reset at the login;
#     a telnet loader gets BusyBox's answer;
#   - two attackers log in and stay: the bot's idle guest is made dormant
#     for the second; the bot comes back, its guest is woken from its own
#     disk (the loader's made dormant for it) and its file is there;
#   - with every guest holding a connected, logged-in attacker, a new source
#     is reset, and only then;
#   - at stop every intrusion is closed, the woken one with both boots'
#     records in its capture.
OYSTER="$(realpath "$1")"
source "$(dirname "$0")/lib.sh"
PORTAL=203.0.113.1
EXTRA_CONFIG="[sensor]
listen_address = \"$PORTAL\"
ports = [\"22:22\", \"23:23\"]
pool_size = 2
max_guests = 3
idle_timeout_s = 600
release_grace_s = 2
login_grace_s = 8"
world_up
for i in $(seq 20 29) 31 40 41 42 44 46 47 50; do ip -n "$NS_ATTACKER" addr add "203.0.113.$i/24" dev "${tag}va"; done
EVENTS="$STATE_DIR/sensor/events.jsonl"
KEEP_ON_FAILURE="$EVENTS $WORK/sensor.log"
BOT=203.0.113.40
LOADER=203.0.113.50

count() { events | jq -c "select($1)" | wc -l; }
intrusion_guest() {  # source-address: the guest of its intrusion
	events | jq -r "select(.type==\"intrusion_opened\" and .source_ip==\"$1\") | .guest_id" | first_line
}

start_sensor
wait_for 300 'select(.type=="sensor_started")' "the sensor"
deadline=$((SECONDS + 300))
until [ "$(count '.type=="guest_ready"')" -ge 2 ]; do
	[ $SECONDS -lt $deadline ] || fail "the pool never reached 2 guests"
	sleep 1
done
events | jq_any 'select(.type=="sensor_started" and .max_guests==3)' || fail "sensor.max_guests not in force"

# --- ten banner grabs, one after another from ten addresses.
ip netns exec "$NS_ATTACKER" python3 - "$PORTAL" >"$WORK/grabs.txt" <<'PY' || fail "banner grabs failed"
import socket, sys, time
worst = 0
for i in range(20, 30):
    t = time.monotonic()
    s = socket.create_connection((sys.argv[1], 22), timeout=30, source_address=(f"203.0.113.{i}", 0))
    banner = s.recv(256)
    worst = max(worst, time.monotonic() - t)
    s.close()
    if not banner.startswith(b"SSH-"):
        sys.exit(f"203.0.113.{i}: no banner ({banner!r})")
print(int(worst * 1000))
PY
sleep 4
log "10 banner grabs, slowest SYN->banner $(cat "$WORK/grabs.txt") ms"
# A grab holds a pool guest while connected, and the pool keeps two free:
# it may top itself up to the cap (3), never beyond, and no grab waits.
[ "$(count '.type=="guest_ready"')" -le 3 ] || fail "banner grabs booted guests: $(count '.type=="guest_ready"') boots"
[ "$(count '.type=="guest_cold_boot"')" = 0 ] || fail "a banner grab waited for a cold boot"
[ "$(count '.type=="guest_held" and (.source_ip|startswith("203.0.113.2"))')" = 10 ] ||
	fail "not every banner grab was given a guest"
[ "$(count '.type=="intrusion_opened"')" = 0 ] || fail "a banner grab opened an intrusion"

# --- hydra from 203.0.113.10, two wrong passwords: back to the pool.
printf '%s\n' 'wrong-1' 'wrong-2' >"$WORK/passwords.txt"
ip netns exec "$NS_ATTACKER" hydra -l root -P "$WORK/passwords.txt" -t 1 -I "ssh://$PORTAL" >"$WORK/hydra.txt" 2>&1 || true
grep -q "0 valid password" "$WORK/hydra.txt" || fail "hydra did not run as expected: $(cat "$WORK/hydra.txt")"
wait_for 20 "select(.type==\"login\" and .remote_ip==\"$ATTACKER_IP\" and .password==\"wrong-2\" and (.success|not))" \
	"hydra's second attempt"
wait_for 20 "select(.type==\"guest_released\" and .source_ip==\"$ATTACKER_IP\")" "hydra's guest back in the pool"
# (The pool may boot its third guest meanwhile, to keep two ready while
# hydra holds one: not a boot for hydra.)
[ "$(count '.type=="guest_cold_boot"')" = 0 ] || fail "hydra waited for a cold boot"
log "hydra: $(count ".type==\"login\" and .remote_ip==\"$ATTACKER_IP\"") failed logins, its guest back in the pool"

# --- the login policy answers the same wherever a source lands: hydra's
# guest is killed (the pool replaces it), and hydra's address comes back to
# another guest, where its failures up to the policy's count are still
# failures and the next attempt is root's (root_after_failures, drawn per
# installation: 2 to 6), as if all were made there.
hydra_guest=$(events | jq -r "select(.type==\"login\" and .remote_ip==\"$ATTACKER_IP\") | .guest_id" | first_line)
hydra_pid=$(jq -r .pid "$STATE_DIR/guests/$hydra_guest/guest.json")
kill -KILL -- "-$hydra_pid"
wait_for 30 "select(.type==\"guest_died\" and .guest_id==\"$hydra_guest\")" "the killed guest seen gone"
# hydra may try a password twice (it retries an attempt whose connection
# ended early): every failure counts, so go on from as many as it made.
failures=$(count ".type==\"login\" and .remote_ip==\"$ATTACKER_IP\" and (.success|not)")
k=$((failures + 1))
while [ $k -le "$ROOT_AFTER" ]; do
	try_login $ATTACKER_IP wrong-$k && fail "wrong password $k of $ROOT_AFTER from hydra's address was taken"
	k=$((k + 1))
done
try_login $ATTACKER_IP wrong-$k || fail "attempt $k from hydra's address was refused on another guest"
wait_for 20 "select(.type==\"login\" and .remote_ip==\"$ATTACKER_IP\" and .password==\"wrong-$k\" and .success
	and .reason==\"root after failures\" and .guest_id!=\"$hydra_guest\")" "root admitted after failures on another guest"
log "login policy across guests: hydra's $failures failures on $hydra_guest counted on $(events |
	jq -r "select(.type==\"login\" and .password==\"wrong-$k\") | .guest_id" | first_line)"

# --- a connection that sends nothing: closed after the login grace.
ip netns exec "$NS_ATTACKER" python3 - "$PORTAL" >"$WORK/silent.txt" <<'PY' || fail "the silent connection failed"
import socket, sys, time
s = socket.create_connection((sys.argv[1], 22), timeout=60, source_address=("203.0.113.31", 0))
t = time.monotonic()
while s.recv(4096):
    pass
print(round(time.monotonic() - t, 1))
PY
secs=$(cat "$WORK/silent.txt")
log "a silent connection was closed after $secs s"
awk -v s="$secs" 'BEGIN { exit !(s >= 7 && s <= 15) }' || fail "the silent connection lasted $secs s, not the grace of 8"
wait_for 10 'select(.type=="connection_closed" and .source_ip=="203.0.113.31" and .end=="no login within sensor.login_grace_s")' \
	"the close of the silent connection"

# --- a bot logs in and leaves a file. Two sources wait at the login prompt
# meanwhile, one on each shared guest: the bot shares one of them, and the
# one it shares with is reset at its login (a login never lands on a guest
# another source logged into, and no one else sees its shell).
ip netns exec "$NS_ATTACKER" python3 - "$PORTAL" >"$WORK/sharers.txt" <<'PY' &
import socket, sys, time
conns = []
for src in ("203.0.113.46", "203.0.113.47"):
    s = socket.create_connection((sys.argv[1], 22), timeout=30, source_address=(src, 0))
    assert s.recv(256).startswith(b"SSH-")
    conns.append((src, s, time.monotonic()))
for src, s, t in conns:
    try:
        while s.recv(4096):
            pass
        end = "closed"
    except ConnectionResetError:
        end = "reset"
    print(src, end, round(time.monotonic() - t, 1))
PY
sharers=$!
sleep 1
portal_ssh $BOT 'echo bot-was-here > /root/bot-mark; sync' || fail "the bot's session failed"
wait_for 20 "select(.type==\"intrusion_opened\" and .source_ip==\"$BOT\")" "the bot's intrusion"
bot_guest=$(intrusion_guest $BOT)
wait $sharers || fail "the sources sharing guests failed: $(cat "$WORK/sharers.txt")"
sharer=$(events | jq -r "select(.type==\"guest_released\" and .guest_id==\"$bot_guest\"
	and (.detail|test(\"another source logged in\"))) | .source_ip" | first_line)
case "$sharer" in 203.0.113.46 | 203.0.113.47) ;; *) fail "no source was sent off the bot's guest at its login" ;; esac
awk -v s="$sharer" '$1 == s && $3 < 7 { found = 1 } END { exit !found }' "$WORK/sharers.txt" ||
	fail "$sharer's connection outlived the bot's login: $(cat "$WORK/sharers.txt")"
log "the bot shared guest $bot_guest with $sharer until its login: $(grep "^$sharer " "$WORK/sharers.txt")"
# What a Mirai-family loader sends, a line at a time, before it drops its
# binary: it goes on only if BusyBox answers for the made-up applet.
ip netns exec "$NS_ATTACKER" python3 -W ignore "$(dirname "$0")/telnet_session.py" $LOADER "$PORTAL" "$ROOT_PASSWORD" \
	enable system shell sh '/bin/busybox OYSTR' >"$WORK/loader.txt" 2>&1 ||
	fail "the telnet loader failed: $(tail -c 2000 "$WORK/loader.txt")"
matches -F 'OYSTR: applet not found' <"$WORK/loader.txt" ||
	fail "BusyBox did not answer the loader: $(tail -c 2000 "$WORK/loader.txt")"
wait_for 20 "select(.type==\"intrusion_opened\" and .source_ip==\"$LOADER\")" "the loader's intrusion"
log "bot on guest $bot_guest; the telnet loader got 'OYSTR: applet not found'"

# --- two attackers log in and stay: the third place is the bot's idle guest.
background_session 203.0.113.41
wait_for 60 'select(.type=="intrusion_opened" and .source_ip=="203.0.113.41")' "203.0.113.41's login"
background_session 203.0.113.42
wait_for 60 "select(.type==\"guest_dormant\" and .guest_id==\"$bot_guest\")" "the bot's guest made dormant"
wait_for 120 'select(.type=="intrusion_opened" and .source_ip=="203.0.113.42")' "203.0.113.42's login"
[ "$(jq -r .state "$STATE_DIR/guests/$bot_guest/intrusion.json")" = open ] || fail "the dormant bot's intrusion was closed"
[ "$(jq -r .dormant_since "$STATE_DIR/guests/$bot_guest/intrusion.json")" -gt 0 ] || fail "the bot's intrusion is not dormant"
events | jq -c "select(.type==\"guest_reclaimed\")" | sed 's/^/    reclaim> /' >&2

# --- the bot comes back: its own disk, booted again; the loader's guest
# (engaged, idle longest) is made dormant for it.
t0=$(date +%s%N)
out=$(portal_ssh $BOT 'cat /root/bot-mark') || fail "the returning bot was not served"
[ "$out" = bot-was-here ] || fail "the returning bot did not find its file: '$out'"
log "the bot came back to its own disk after $((($(date +%s%N) - t0) / 1000000)) ms (wake included)"
events | jq_any "select(.type==\"guest_woken\" and .source_ip==\"$BOT\")" || fail "no wake event for the bot"
events | jq_any "select(.type==\"guest_ready\" and .guest_id==\"$bot_guest\" and .woken)" || fail "the bot's guest did not boot again"
loader_guest=$(intrusion_guest $LOADER)
events | jq_any "select(.type==\"guest_dormant\" and .guest_id==\"$loader_guest\")" ||
	fail "the loader's idle guest was not made dormant for the bot"

# --- every place holds a connected, logged-in attacker: a new source is reset.
background_session $BOT
for _ in $(seq 30); do
	portal_ssh $BOT who | matches "($BOT)" && break
	sleep 1
done
out=$(portal_answer 203.0.113.44)
[ "$out" = reset ] || [ "$out" = refused ] || fail "a fourth attacker was not reset with every guest in use ($out)"
wait_for 10 'select(.type=="connection_refused" and .source_ip=="203.0.113.44")' "the refusal event"

# --- stop: every intrusion closed; the woken one's capture holds both boots.
kill -TERM $SENSOR_PID
for _ in $(seq 120); do kill -0 $SENSOR_PID 2>/dev/null || break; sleep 1; done
kill -0 $SENSOR_PID 2>/dev/null && fail "the sensor did not stop within 120 s of SIGTERM"
for rec in "$STATE_DIR"/guests/*/intrusion.json; do
	[ "$(jq -r .state "$rec")" = closed ] || fail "intrusion left open: $rec"
done
[ "$(jq -r .boots "$STATE_DIR/guests/$bot_guest/intrusion.json")" = 2 ] || fail "the bot's intrusion does not count two boots"
jq_any 'select(.type=="guest_boot" and .boot==1)' "$STATE_DIR/guests/$bot_guest/capture/events.jsonl" ||
	fail "the bot's decoded capture lacks its second boot"
jq_any 'select(.type=="capture_error" or .type=="capture_gap")' "$STATE_DIR/guests/$bot_guest/capture/events.jsonl" &&
	fail "the bot's capture across two boots did not decode cleanly"
n_guest_dirs=$(find "$STATE_DIR/guests" -mindepth 1 -maxdepth 1 -type d | wc -l)
n_intrusions=$(find "$STATE_DIR/guests" -name intrusion.json | wc -l)
[ "$n_guest_dirs" = "$n_intrusions" ] || fail "guests nobody logged into left $((n_guest_dirs - n_intrusions)) directories"
log "boots: $(count '.type=="guest_ready"') for $(count '.type=="connection"') connections from $(events |
	jq -r 'select(.type=="connection") | .source_ip' | sort -u | wc -l) sources; $n_intrusions intrusions"
log PASS
