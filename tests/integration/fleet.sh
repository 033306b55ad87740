#!/bin/bash
# A fleet (docs/fleet.md): two real sensors, each in its own network
# namespace with its own guests, ship their events to one central store on
# a real PostgreSQL 15 that this test starts (initdb into its directory,
# on a unix socket there only, logins by password). `oyster central init`
# makes the schema and roles, `add-login` a login per sensor and one for an
# analyst. Attackers log in to both; then the central store is killed -9
# and kept down for 60 s while both sensors go on logging; one sensor is
# killed -9 and restarted; at the end every line of each sensor's log is
# in the central store exactly once, with its sensor's name, and the
# analyst's login sees both sensors' sessions through the CLI and the web
# API, by sensor.
OYSTER="$(realpath "$1")"
source "$(dirname "$0")/lib.sh"
PORTAL=203.0.113.1
A10=203.0.113.10
PG="$WORK/pg"
PG_BIN=/usr/lib/postgresql/15/bin
ADMIN_URL="postgresql://admin@/oyster?host=$PG"
central_url() { echo "postgresql://$1@/oyster?host=$PG"; }

# --- the central store.
mkdir -p "$PG"
chown postgres "$PG"
runuser -u postgres -- "$PG_BIN/initdb" -D "$PG/data" -U admin -A trust -E UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1 ||
	{ cat "$WORK/initdb.log" >&2; fail "initdb"; }
# The administrator by the socket's trust, as `postgres` would be by peer;
# every other login by its password.
printf 'local all admin trust\nlocal all all scram-sha-256\n' >"$PG/data/pg_hba.conf"
pg_start() {
	runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG/data" -w -t 60 -l "$PG/server.log" \
		-o "-k $PG -c listen_addresses=''" start >/dev/null || { tail -n 20 "$PG/server.log" >&2; fail "pg_ctl start"; }
}
pg_kill9() {
	local pid children
	pid=$(head -n 1 "$PG/data/postmaster.pid")
	children=$(pgrep -P "$pid" | paste -sd' ')
	kill -KILL "$pid"
	# Its backends see the postmaster gone and end; the next start recovers.
	for _ in $(seq 100); do
		# shellcheck disable=SC2086
		kill -0 $children 2>/dev/null || break
		sleep 0.2
	done
	# shellcheck disable=SC2086
	kill -KILL $children 2>/dev/null || true
	sleep 0.5
}
world_extra_down() {
	runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG/data" -m immediate stop >/dev/null 2>&1
	[ -n "${SENSOR_B_PID:-}" ] && kill -KILL "$SENSOR_B_PID" 2>/dev/null
}
pg_start
psql_admin() { psql -X -q -At "$ADMIN_URL" "$@"; }
psql -X -q "postgresql://admin@/postgres?host=$PG" -c "CREATE DATABASE oyster" || fail "createdb"
"$OYSTER" central init --admin-url "$ADMIN_URL" || fail "oyster central init"
for login in edge_a edge_b; do
	"$OYSTER" central add-login $login --role sensor --password-file "$WORK/$login.pass" --admin-url "$ADMIN_URL" >/dev/null ||
		fail "oyster central add-login $login"
done
"$OYSTER" central add-login alice --role analyst --password-file "$WORK/alice.pass" --admin-url "$ADMIN_URL" >/dev/null ||
	fail "oyster central add-login alice"
[ "$(stat -c %a "$WORK/edge_a.pass")" = 600 ] || fail "the password file is not 0600"
log "central store up: schema, roles, logins edge_a, edge_b, alice"

# --- sensor A: the test world's sensor.
EXTRA_CONFIG="[sensor]
name = \"edge-a\"
listen_address = \"$PORTAL\"
ports = [\"22:22\"]
pool_size = 1
max_guests = 2
[store]
url = \"$(central_url edge_a)\"
password_file = \"$WORK/edge_a.pass\""
world_up
EVENTS="$STATE_DIR/sensor/events.jsonl"
KEEP_ON_FAILURE="$EVENTS $WORK/sensor.log $PG/server.log"

# --- sensor B: a second sensor in a namespace of its own, which the
# attacker reaches over a link of its own (192.0.2.252/30); its guests
# take 192.0.2.0/25.
NS_B="${tag}b"
EXTRA_NETNS="$NS_B"
B_STATE="$WORK/state-b"
EXTRA_STATE_DIRS="$B_STATE"
B_PORTAL=192.0.2.254
B_SOURCE=192.0.2.253
ip netns add "$NS_B"
ip link add "${tag}vb" type veth peer name "${tag}vc"
ip link set "${tag}vb" netns "$NS_ATTACKER"
ip link set "${tag}vc" netns "$NS_B"
ip -n "$NS_ATTACKER" addr add "$B_SOURCE/30" dev "${tag}vb"
ip -n "$NS_ATTACKER" link set "${tag}vb" up
ip -n "$NS_B" addr add "$B_PORTAL/30" dev "${tag}vc"
ip -n "$NS_B" link set lo up
ip -n "$NS_B" link set "${tag}vc" up
ip netns exec "$NS_B" sysctl -qw net.ipv4.ip_forward=1
B_CONFIG="$WORK/oyster-b.toml"
cat >"$B_CONFIG" <<CFG
[paths]
cache_dir = "${OYSTER_CACHE_DIR:-/var/cache/oyster}"
state_dir = "$B_STATE"
[guest]
boot_timeout_s = 120
[network]
guest_pool = "192.0.2.0/25"
[sensor]
name = "edge-b"
listen_address = "$B_PORTAL"
ports = ["22:22"]
pool_size = 1
max_guests = 2
[web]
enabled = false
[store]
url = "$(central_url edge_b)"
password_file = "$WORK/edge_b.pass"
CFG
"$OYSTER" --config "$B_CONFIG" setup >/dev/null 2>"$WORK/setup-b.log" || { cat "$WORK/setup-b.log" >&2; fail "oyster setup (B)"; }
B_PASSWORD="$(jq -r .login.root_password "$B_STATE/platform.json")"
B_EVENTS="$B_STATE/sensor/events.jsonl"
start_sensor_b() {
	nsenter --net="/run/netns/$NS_B" "$OYSTER" --config "$B_CONFIG" run >>"$WORK/sensor-b.log" 2>&1 &
	SENSOR_B_PID=$!
}
b_ssh() {  # command...
	ip netns exec "$NS_ATTACKER" sshpass -p "$B_PASSWORD" ssh -q -b "$B_SOURCE" \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=90 \
		-o PreferredAuthentications=password -o PubkeyAuthentication=no "root@$B_PORTAL" "$@"
}
# Root gets in after ROOT_AFTER failures from a new source (the drawn
# policy); a session with the drawn password is as good for this test.
ready() {  # events-file
	[ -f "$1" ] && jq -e -s 'any(.[]; .type == "guest_ready")' "$1" >/dev/null 2>&1
}
start_sensor
start_sensor_b
for _ in $(seq 240); do
	ready "$EVENTS" && ready "$B_EVENTS" && break
	kill -0 "$SENSOR_PID" 2>/dev/null || { tail -n 30 "$WORK/sensor.log" >&2; fail "sensor A died"; }
	kill -0 "$SENSOR_B_PID" 2>/dev/null || { tail -n 30 "$WORK/sensor-b.log" >&2; fail "sensor B died"; }
	sleep 0.5
done
ready "$EVENTS" && ready "$B_EVENTS" || fail "the sensors' pools did not come up"
grep -qF "fleet: shipping events to the central store edge_a@" "$WORK/sensor.log" ||
	fail "sensor A did not say it ships: $(tail -n 20 "$WORK/sensor.log")"
log "both sensors up, each with a warm guest"

# Sessions on both sensors, with commands only each one saw.
attack() {  # marker
	portal_ssh $A10 "/bin/echo fleet-a-$1; id" | matches "fleet-a-$1" || fail "the session on sensor A ($1) did not run"
	b_ssh "/bin/echo fleet-b-$1; uname -a" | matches "fleet-b-$1" || fail "the session on sensor B ($1) did not run"
}
central_events() {  # sensor: its events in the central store
	psql_admin -c "SELECT COUNT(*) FROM events WHERE sensor = '$1'"
}
log_lines() {  # events-file: every line of the log, its rotated files first
	local f
	for f in "$1".*; do [ -f "$f" ] && cat "$f"; done
	cat "$1"
}
lines_of() { log_lines "$1" | wc -l; }
wait_shipped() {  # seconds: until each sensor's whole log is in the central store
	local deadline=$((SECONDS + $1))
	until [ "$(central_events edge-a)" -ge "$(lines_of "$EVENTS")" ] &&
		[ "$(central_events edge-b)" -ge "$(lines_of "$B_EVENTS")" ]; do
		[ $SECONDS -lt $deadline ] || fail "not shipped in $1 s: A $(central_events edge-a)/$(lines_of "$EVENTS"), B $(central_events edge-b)/$(lines_of "$B_EVENTS")"
		sleep 0.5
	done
}
attack 1
wait_shipped 30
log "shipped: A $(central_events edge-a) events, B $(central_events edge-b)"

# --- the central store killed -9 mid-stream and down for 60 s; both
# sensors go on (logins and commands meanwhile), say what waits, and drain
# after it.
pg_kill9
log "central store killed -9; 60 s outage"
outage_start=$SECONDS
attack 2
sleep 5
attack 3
while [ $((SECONDS - outage_start)) -lt 60 ]; do sleep 1; done
grep -q "central store edge_a@.*: cannot add events: .*bytes of the log wait for it (retrying)" "$WORK/sensor.log" ||
	fail "sensor A did not report the outage and its backlog: $(grep -i central "$WORK/sensor.log" | tail -n 5)"
kill -0 "$SENSOR_PID" && kill -0 "$SENSOR_B_PID" || fail "a sensor died during the outage"
pg_start
log "central store back after $((SECONDS - outage_start)) s"
wait_shipped 60
grep -q "central store edge_a@.*: working again" "$WORK/sensor.log" || fail "sensor A did not report the end of the outage"
log "backlog drained: A $(central_events edge-a) events, B $(central_events edge-b)"

# --- sensor B killed -9 mid-stream and restarted from its own state.
# A session open on B when it dies (its end is cut off, as an attacker's is).
b_ssh "/bin/echo fleet-b-4; sleep 3; id" >/dev/null 2>&1 &
attack_pid=$!
sleep 2
kill -KILL "$SENSOR_B_PID"
wait "$attack_pid" 2>/dev/null || true
start_sensor_b
for _ in $(seq 120); do
	jq -e -s '[.[] | select(.type == "sensor_started")] | length >= 2' "$B_EVENTS" >/dev/null 2>&1 && break
	sleep 0.5
done
attack 5
wait_shipped 60
log "sensor B killed -9 and restarted; shipped: B $(central_events edge-b)"

# --- the analyst: the CLI through the analyst's login reads both sensors.
ANALYST_CONFIG="$WORK/analyst.toml"
cat >"$ANALYST_CONFIG" <<CFG
[paths]
state_dir = "$WORK/analyst-state"
[store]
url = "$(central_url alice)"
password_file = "$WORK/alice.pass"
CFG
"$OYSTER" --config "$ANALYST_CONFIG" central status --json >"$WORK/status.json" || fail "oyster central status"
jq -e '[.sensors[].sensor] == ["edge-a", "edge-b"] and all(.sensors[]; .events > 0 and .log_offset > 0)' \
	"$WORK/status.json" >/dev/null || fail "central status: $(cat "$WORK/status.json")"
"$OYSTER" --config "$ANALYST_CONFIG" sessions --logged-in --json >"$WORK/sessions.json" || fail "oyster sessions (analyst)"
for ip in "$A10" "$B_SOURCE"; do
	jq -e --arg ip "$ip" 'any(.sessions[]; .source_ip == $ip and .logged_in == 1)' "$WORK/sessions.json" >/dev/null ||
		fail "the analyst sees no session from $ip: $(jq -c '[.sessions[] | {source_ip, logged_in}]' "$WORK/sessions.json")"
done
for n in 1 2 3 5; do
	[ "$(psql_admin -c "SELECT COUNT(*) FROM commands WHERE sensor = 'edge-b' AND command_line = '/bin/echo fleet-b-$n'
		AND session_id IS NOT NULL")" = 1 ] || fail "sensor B's command $n is not in the central store once, in a session"
	[ "$(psql_admin -c "SELECT COUNT(*) FROM commands WHERE sensor = 'edge-a' AND command_line = '/bin/echo fleet-a-$n'
		AND session_id IS NOT NULL")" = 1 ] || fail "sensor A's command $n is not in the central store once, in a session"
done
[ "$(psql_admin -c "SELECT COUNT(*) FROM commands WHERE sensor = 'edge-a' AND command_line LIKE '%fleet-b-%'")" = 0 ] ||
	fail "sensor B's commands landed under sensor A"
# The analyst's web UI on the central store (in sensor A's namespace, on
# its loopback): both sensors with their figures on the overview, and each
# sensor's sessions by its filter.
printf '[web]\nlisten = "127.0.0.1:8099"\n' >>"$ANALYST_CONFIG"
token=$("$OYSTER" --config "$ANALYST_CONFIG" web token) || fail "oyster web token (analyst)"
nsenter --net="/run/netns/$NS_SENSOR" "$OYSTER" --config "$ANALYST_CONFIG" web serve >"$WORK/web.log" 2>&1 &
web_pid=$!
web_get() { nsenter --net="/run/netns/$NS_SENSOR" curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:8099$1"; }
for _ in $(seq 60); do web_get /api/overview >"$WORK/overview.json" 2>/dev/null && break; sleep 0.5; done
jq -e '[.sensors[].sensor] == ["edge-a", "edge-b"] and all(.sensors[]; .sessions > 0 and .logged_in > 0)' \
	"$WORK/overview.json" >/dev/null || fail "the web overview's sensors: $(jq -c .sensors "$WORK/overview.json")"
web_get "/api/sessions?sensor=edge-b&limit=1000" >"$WORK/sessions-b.json" || fail "the web API's sessions of edge-b"
jq -e --arg ip "$B_SOURCE" '.total > 0 and all(.sessions[]; .sensor == "edge-b" and .source_ip == $ip)' \
	"$WORK/sessions-b.json" >/dev/null || fail "the web API's sessions of edge-b: $(head -c 500 "$WORK/sessions-b.json")"
kill "$web_pid"
wait "$web_pid" 2>/dev/null || true
# The analyst's login reads, never writes.
PGPASSWORD="$(cat "$WORK/alice.pass")" psql -X -q "$(central_url alice)" -c "DELETE FROM events" 2>"$WORK/delete.err" &&
	fail "the analyst's login deleted events"
grep -q "permission denied" "$WORK/delete.err" || fail "the analyst's delete failed otherwise: $(cat "$WORK/delete.err")"

# --- the end: both sensors stopped cleanly (a last shipment each); every
# line of each log is in the central store once, as it was written.
kill -TERM "$SENSOR_PID" "$SENSOR_B_PID"
for pid in "$SENSOR_PID" "$SENSOR_B_PID"; do
	rc=0
	timeout 120 tail --pid="$pid" -f /dev/null || fail "a sensor did not stop in 120 s"
	wait "$pid" || rc=$?
	[ "$rc" = 0 ] || fail "a sensor exited $rc: $(tail -n 20 "$WORK/sensor.log" "$WORK/sensor-b.log")"
done
! grep -l "ERROR: AddressSanitizer\|runtime error:" "$WORK/sensor.log" "$WORK/sensor-b.log" || fail "a sanitizer report"
for s in "edge-a:$EVENTS" "edge-b:$B_EVENTS"; do
	name=${s%%:*}
	file=${s#*:}
	log_lines "$file" | sort >"$WORK/$name.log-lines"
	psql_admin -c "SELECT body FROM events WHERE sensor = '$name'" | sort >"$WORK/$name.central-lines"
	if ! cmp -s "$WORK/$name.log-lines" "$WORK/$name.central-lines"; then
		diff "$WORK/$name.log-lines" "$WORK/$name.central-lines" | head -n 10 >&2
		fail "$name: the central store's events differ from its log ($(wc -l <"$WORK/$name.log-lines") lines, $(wc -l <"$WORK/$name.central-lines") in the store)"
	fi
	log "$name: all $(wc -l <"$WORK/$name.log-lines") lines of its log in the central store, each once"
done
log "PASS"
