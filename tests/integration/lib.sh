# Shared by the integration tests: a private world of network namespaces on
# documentation addresses (DESIGN.md, test network rule), and cleanup of all
# it made even when a test fails.
#
#   attacker netns  203.0.113.10/24 --veth-- 203.0.113.1/24  sensor netns
#                                                              | tap per guest
#                                                       guests in 192.0.2.0/24
#   internet netns  198.51.100.80/24 (web), .25 (smtp), .53 (dns),
#                   10.9.0.1/16 (a "LAN" host)  --veth-- 198.51.100.1/24 sensor
# Sourcing scripts set OYSTER (the binary), may set EXTRA_CONFIG (TOML
# appended to the config) and GUEST_CONFIG (lines of its [guest] table) and
# call world_up; the EXIT trap tears everything down.

set -euo pipefail

: "${OYSTER:?OYSTER must name the oyster binary}"
tag="oyt$$"
NS_SENSOR="${tag}s"
NS_ATTACKER="${tag}a"
NS_INTERNET="${tag}i"
WEB_IP=198.51.100.80
SMTP_IP=198.51.100.25
DNS_IP=198.51.100.53
LAN_IP=10.9.0.1
WORK="$(mktemp -d /tmp/oyster-it-XXXXXX)"
# Guests run as unprivileged uids that must pass through to their disks.
chmod 0711 "$WORK"
CONFIG="$WORK/oyster.toml"
STATE_DIR="$WORK/state"
ATTACKER_IP=203.0.113.10
# Root's password and the failures after which root gets in: drawn per
# installation by `oyster setup` (sandbox/login_policy.h); world_up reads
# them from the platform record.
ROOT_PASSWORD=
ROOT_AFTER=

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

# A test of scenarios over one shared fixture (one world, one sensor):
# `scenario NAME [after EARLIER...]` runs the function NAME in a subshell,
# so that its first failure ends it alone; the test goes on with the next,
# and scenarios_done fails at the end naming every scenario that failed, or
# was skipped because one it builds on had not passed. What a scenario
# finds that later ones need (a guest's id, a session) it hands on with
# `keep VAR...`. A scenario passes when its function returns 0, so its last
# check is `cmd || fail ...` (a last `cmd && fail ...` returns cmd's
# failure). A process a scenario starts is not the parent's to wait for.
SCENARIOS_PASSED=()
SCENARIOS_FAILED=()
scenario() {  # NAME [after EARLIER...]
	local name="$1" before rc
	shift
	[ "${1:-}" != after ] || shift
	for before in "$@"; do
		if [[ " ${SCENARIOS_PASSED[*]} " != *" $before "* ]]; then
			log "scenario $name: skipped, $before did not pass"
			SCENARIOS_FAILED+=("$name (skipped: $before did not pass)")
			return 0
		fi
	done
	log "scenario $name"
	: >"$WORK/kept.sh"
	set +e
	(
		set -e
		"$name"
	) &
	local pid=$!
	scenario_watchdog "$name" "$pid" &
	local watchdog=$!
	wait "$pid"
	rc=$?
	kill "$watchdog" 2>/dev/null
	wait "$watchdog" 2>/dev/null
	set -e
	if [ $rc = 0 ]; then
		SCENARIOS_PASSED+=("$name")
		# shellcheck disable=SC1091
		source "$WORK/kept.sh"
	else
		log "scenario $name: FAILED"
		SCENARIOS_FAILED+=("$name")
	fi
}
# A scenario that hangs would run into ctest's timeout and say nothing of
# where: past SCENARIO_TIMEOUT seconds the watchdog shows what the scenario
# is waiting on (its processes, the sensor's threads, the sensor's last
# lines) and ends it, so it fails alone and the test goes on.
: "${SCENARIO_TIMEOUT:=300}"
scenario_watchdog() {  # NAME PID
	local i
	for ((i = 0; i < SCENARIO_TIMEOUT; i++)); do
		sleep 1
		kill -0 "$2" 2>/dev/null || return 0
	done
	log "scenario $1: still running after ${SCENARIO_TIMEOUT}s; what it waits on:"
	ps -o pid,ppid,etimes,stat,wchan:24,args -p "$(descendants "$2" | paste -sd,)" >&2 || true
	if [ -n "$SENSOR_PID" ] && kill -0 "$SENSOR_PID" 2>/dev/null; then
		log "the sensor's threads:"
		timeout 60 gdb -p "$SENSOR_PID" -batch -ex "thread apply all bt 12" 2>/dev/null |
			grep -E '^(Thread|#)' >&2 || true
		log "the sensor's last lines:"
		tail -n 40 "$WORK/sensor.log" >&2 || true
	fi
	kill_tree "$2"
}
descendants() {  # PID: it and all its descendants, parents first
	local child
	echo "$1"
	for child in $(pgrep -P "$1"); do descendants "$child"; done
}
kill_tree() {  # PID: it and all its descendants
	local pid
	for pid in $(descendants "$1"); do kill -KILL "$pid" 2>/dev/null || true; done
}
keep() {  # VAR... (inside a scenario)
	local v
	for v in "$@"; do declare -p "$v" | sed 's/^declare /declare -g /' >>"$WORK/kept.sh"; done
}
scenarios_done() {
	if [ ${#SCENARIOS_FAILED[@]} -gt 0 ]; then
		printf 'FAIL: scenario %s\n' "${SCENARIOS_FAILED[@]}" >&2
		exit 1
	fi
	log "PASS: ${#SCENARIOS_PASSED[@]} scenarios"
}

# A test with more than one sensor names their state directories in
# EXTRA_STATE_DIRS and their namespaces in EXTRA_NETNS; a function
# world_extra_down, when defined, stops what else it started (a database).
world_down() {
	local rc=$?
	set +e
	declare -F world_extra_down >/dev/null && world_extra_down
	# Kill every guest this test started, whatever state its record says.
	for rec in "$STATE_DIR"/guests/*/guest.json ${EXTRA_STATE_DIRS:+$(for d in $EXTRA_STATE_DIRS; do echo "$d"/guests/*/guest.json; done)}; do
		[ -f "$rec" ] || continue
		pid=$(jq -r .pid "$rec")
		[ "$pid" -gt 0 ] 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null
		# Its capture writer ends with the stream; one fed from elsewhere goes too.
		pid=$(jq -r '.writer_pid // 0' "$rec")
		[ "$pid" -gt 0 ] 2>/dev/null && readlink "/proc/$pid/exe" 2>/dev/null | grep -q oyster-capture-writer &&
			kill -KILL "$pid" 2>/dev/null
		if [ $rc != 0 ] && [ -f "$(dirname "$rec")/console.log" ]; then
			echo "---- console of $(dirname "$rec") (last 30 lines)" >&2
			tail -n 30 "$(dirname "$rec")/console.log" >&2
		fi
		# Keep the decoded events of a failed test for a look afterwards.
		if [ $rc != 0 ] && [ -f "$(dirname "$rec")/capture/events.jsonl" ]; then
			keep="/tmp/oyster-failed-$(basename "$(dirname "$rec")").jsonl"
			cp "$(dirname "$rec")/capture/events.jsonl" "$keep" && echo "---- events kept in $keep" >&2
		fi
	done
	# Files a failed test asked to keep (KEEP_ON_FAILURE, paths) for a look.
	if [ $rc != 0 ]; then
		for f in ${KEEP_ON_FAILURE:-}; do
			[ -f "$f" ] && cp "$f" "/tmp/oyster-failed-$tag-$(basename "$f")" &&
				echo "---- kept /tmp/oyster-failed-$tag-$(basename "$f")" >&2
		done
	fi
	# Listeners and servers the test ran inside its namespaces go too.
	for ns in "$NS_SENSOR" "$NS_ATTACKER" "$NS_INTERNET" ${EXTRA_NETNS:-}; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	done
	sleep 0.5
	# The cgroups of guests killed above (a stopped guest removed its own).
	for rec in "$STATE_DIR"/guests/*/guest.json ${EXTRA_STATE_DIRS:+$(for d in $EXTRA_STATE_DIRS; do echo "$d"/guests/*/guest.json; done)}; do
		[ -f "$rec" ] || continue
		id=$(jq -r .id "$rec")
		for d in /sys/fs/cgroup/{memory,pids,cpu,cpuacct}/oyster/"$id" /sys/fs/cgroup/oyster/"$id"; do
			[ -d "$d" ] && rmdir "$d" 2>/dev/null
		done
	done
	ip netns del "$NS_SENSOR" 2>/dev/null
	ip netns del "$NS_ATTACKER" 2>/dev/null
	ip netns del "$NS_INTERNET" 2>/dev/null
	for ns in ${EXTRA_NETNS:-}; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$WORK"
	# Nothing of ours may be left in the host's namespace.
	if ip -o link show | matches "$tag"; then
		echo "FAIL: interfaces named $tag left behind" >&2
		rc=1
	fi
	exit $rc
}
trap world_down EXIT
# A test stopped by a signal (ctest interrupted, a CI job cancelled) cleans
# up too: bash runs the EXIT trap only when it exits, not when a signal it
# does not handle kills it.
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

world_up() {
	[ "$(id -u)" = 0 ] || fail "integration tests need root"
	ip netns add "$NS_SENSOR"
	ip netns add "$NS_ATTACKER"
	ip link add "${tag}va" type veth peer name "${tag}vs"
	ip link set "${tag}va" netns "$NS_ATTACKER"
	ip link set "${tag}vs" netns "$NS_SENSOR"
	ip -n "$NS_ATTACKER" addr add "$ATTACKER_IP/24" dev "${tag}va"
	ip -n "$NS_ATTACKER" link set lo up
	ip -n "$NS_ATTACKER" link set "${tag}va" up
	ip -n "$NS_ATTACKER" route add default via 203.0.113.1
	ip -n "$NS_SENSOR" addr add 203.0.113.1/24 dev "${tag}vs"
	ip -n "$NS_SENSOR" link set lo up
	ip -n "$NS_SENSOR" link set "${tag}vs" up
	ip netns exec "$NS_SENSOR" sysctl -qw net.ipv4.ip_forward=1
	ip netns add "$NS_INTERNET"
	ip link add "${tag}vi" type veth peer name "${tag}vj"
	ip link set "${tag}vi" netns "$NS_INTERNET"
	ip link set "${tag}vj" netns "$NS_SENSOR"
	for a in "$WEB_IP/24" "$SMTP_IP/24" "$DNS_IP/24" "$LAN_IP/16"; do
		ip -n "$NS_INTERNET" addr add "$a" dev "${tag}vi"
	done
	ip -n "$NS_INTERNET" link set lo up
	ip -n "$NS_INTERNET" link set "${tag}vi" up
	ip -n "$NS_INTERNET" route add default via 198.51.100.1
	ip -n "$NS_SENSOR" addr add 198.51.100.1/24 dev "${tag}vj"
	ip -n "$NS_SENSOR" link set "${tag}vj" up
	ip -n "$NS_SENSOR" route add 10.9.0.0/16 via "$WEB_IP"
	cat > "$CONFIG" <<CFG
[paths]
cache_dir = "${OYSTER_CACHE_DIR:-/var/cache/oyster}"
state_dir = "$STATE_DIR"
[guest]
boot_timeout_s = 120
${GUEST_CONFIG:-}
[network]
guest_pool = "${GUEST_POOL:-192.0.2.0/24}"
${EXTRA_CONFIG:-}
CFG
	# The platform is built (and cached) by `make test` before the tests run;
	# setup here only finds it and records it in this test's state dir.
	"$OYSTER" --config "$CONFIG" setup >/dev/null 2>"$WORK/setup.log" || { cat "$WORK/setup.log" >&2; fail "oyster setup"; }
	ROOT_PASSWORD="$(jq -r .login.root_password "$STATE_DIR/platform.json")"
	ROOT_AFTER="$(jq -r .login.root_after_failures "$STATE_DIR/platform.json")"
	[ -n "$ROOT_PASSWORD" ] && [ "$ROOT_AFTER" -ge 2 ] || fail "no drawn login policy in $STATE_DIR/platform.json"
}

# The distinct CPU lists (Cpus_allowed_list) of every host task of a guest:
# UML's threads and each guest process's host process, all in the session
# the UML process leads.
guest_task_cpus() {  # UML pid
	local p
	for p in $(ps -e -o pid=,sid= | awk -v s="$1" '$2 == s {print $1}'); do
		cat /proc/"$p"/task/*/status 2>/dev/null | sed -n 's/^Cpus_allowed_list:\s*//p'
	done | sort -u
}

# Every pipe here runs under pipefail, and `grep -q` quits at its first match.
# A writer still writing (nft, ip, jq and ssh write in pieces) then dies of
# SIGPIPE and the pipe reads as failed: CI once saw the containment test fail
# this way with the very counter it checked showing 4 packets. These read all
# of their input before they answer.
matches() {  # cmd | matches [grep options...] PATTERN
	grep -q "$@" <<<"$(cat)"
}
first_line() {  # cmd | first_line
	sed -n 1p
}

# True if FILTER outputs anything for FILE (JSON lines). Not `jq -e`: jq 1.6
# exits 4 when the *last* input line yields nothing, even after matches.
jq_any() {  # jq_any [jq options...] FILTER FILE
	jq -c "$@" | matches .
}

# oyster inside the sensor namespace.
# nsenter, not `ip netns exec`: that mounts a fresh /sys, hiding the host's
# cgroup hierarchies the guests' limits live in (production runs the sensor
# in the host's namespaces, with /sys as it is).
sensor_oyster() { nsenter --net="/run/netns/$NS_SENSOR" "$OYSTER" --config "$CONFIG" "$@"; }

# Runs a shell command in a guest over real OpenSSH, from the attacker host
# (killed after $SSH_TIMEOUT seconds if that is set: a wedged guest keeps a
# session open forever).
attacker_ssh() {
	local ip="$1"
	shift
	${SSH_TIMEOUT:+timeout "$SSH_TIMEOUT"} ip netns exec "$NS_ATTACKER" sshpass -p "$ROOT_PASSWORD" ssh -q \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=20 \
		-o PreferredAuthentications=password -o PubkeyAuthentication=no \
		"root@$ip" "$@"
}

# Through the sensor's portal ($PORTAL, set by the tests that run one), from
# a source address of the attacker host: a command over real OpenSSH...
portal_ssh() {  # source-address command...
	local src="$1"
	shift
	ip netns exec "$NS_ATTACKER" sshpass -p "$ROOT_PASSWORD" ssh -q -b "$src" \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=90 \
		-o PreferredAuthentications=password -o PubkeyAuthentication=no \
		"root@$PORTAL" "$@"
}
# ...one password attempt, as root unless a user is named (true if it
# logged in)...
try_login() {  # source-address password [user]
	ip netns exec "$NS_ATTACKER" sshpass -p "$2" ssh -q -b "$1" -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o ConnectTimeout=90 -o PreferredAuthentications=password \
		-o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1 "${3:-root}@$PORTAL" true 2>/dev/null
}
# ...an interactive session (with a pty, so `who` lists it) that idles until
# the test ends it (stdin is a pipe that stays open and silent)...
background_session() {  # source-address
	ip netns exec "$NS_ATTACKER" bash -c "sleep 1000 | sshpass -p '$ROOT_PASSWORD' ssh -q -tt -b $1 \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=90 \
		-o PreferredAuthentications=password -o PubkeyAuthentication=no root@$PORTAL 'sleep 900'" \
		>/dev/null 2>&1 &
}
# ...and what a bare connection to port 22 gets: banner, closed, reset or
# refused.
portal_answer() {  # source-address
	ip netns exec "$NS_ATTACKER" python3 - "$1" "$PORTAL" <<'PY' || echo refused
import socket, sys
s = socket.create_connection((sys.argv[2], 22), timeout=10, source_address=(sys.argv[1], 0))
try:
    print("banner" if s.recv(10) else "closed")
except ConnectionResetError:
    print("reset")
PY
}

# The sensor (`oyster run`) in the sensor namespace, and its events (tests
# that run it set EVENTS to its events.jsonl).
SENSOR_PID=
# nsenter, as sensor_oyster: with the host's /sys, so its guests get their
# cgroups (limits, CPU time) as in production.
start_sensor() {
	nsenter --net="/run/netns/$NS_SENSOR" "$OYSTER" --config "$CONFIG" run >>"$WORK/sensor.log" 2>&1 &
	SENSOR_PID=$!
}
events() { [ -f "$EVENTS" ] && cat "$EVENTS"; }
wait_for() {  # seconds jq-filter what
	local deadline=$((SECONDS + $1))
	until events | jq_any "$2"; do
		[ $SECONDS -lt $deadline ] || { tail -n 30 "$WORK/sensor.log" >&2; fail "timed out waiting for $3"; }
		kill -0 "$SENSOR_PID" 2>/dev/null || { tail -n 30 "$WORK/sensor.log" >&2; fail "sensor died waiting for $3"; }
		sleep 0.5
	done
}
