#!/bin/bash
# Event outputs against a real rsyslog on the loopback of a namespace of
# its own: a failing syslog target does not stop the JSON-lines output;
# once the collector is up every event arrives once, as RFC 5424 (over TCP
# with octet counting, and over UDP), with its type as MSGID and its JSON
# intact; the log rotated between flushes loses and repeats nothing, for
# the outputs and the store; a target that stays down keeps a bounded
# backlog and says what it skipped. Needs no guest.
set -euo pipefail
OYSTER="${1:?usage: outputs.sh OYSTER_BINARY}"
NS="oyo$$"
WORK="$(mktemp -d /tmp/oyster-it-XXXXXX)"
STATE="$WORK/state"
EVENTS="$STATE/sensor/events.jsonl"
RSYSLOG_PID="$WORK/rsyslogd.pid"

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
cleanup() {
	local rc=$?
	[ -f "$RSYSLOG_PID" ] && kill "$(cat "$RSYSLOG_PID")" 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	if [ $rc -ne 0 ]; then
		for f in received.log rsyslogd.log; do
			[ -f "$WORK/$f" ] && cp "$WORK/$f" "/tmp/oyster-failed-$NS-$f" && echo "---- kept /tmp/oyster-failed-$NS-$f" >&2
		done
	fi
	rm -rf "$WORK"
	exit $rc
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

ip netns add "$NS"
ip -n "$NS" link set lo up
in_ns() { ip netns exec "$NS" "$@"; }

# --- the log: sensor events, some with what attackers type on purpose, one
# longer than a syslog message may be.
mkdir -p "$STATE/sensor"
python3 - "$EVENTS" <<'PY'
import json, sys
out = open(sys.argv[1], "w")
for i in range(1000):
    if i % 10 == 0:
        e = {"type": "login", "user": "root", "password": "<script>alert(1)</script>" if i == 0 else f"pw{i}",
             "success": i % 20 == 0, "source_ip": "203.0.113.10"}
    elif i == 999:
        e = {"type": "capture", "event": {"type": "exec", "argv": ["x" * 20000]}}
    else:
        e = {"type": "capture", "event": {"type": "exec", "argv": ["echo", f"caf\u00e9 {i}", "a\nb"]}}
    e = {"ts": f"2026-11-27T10:{i // 60 % 60:02}:{i % 60:02}.000Z", **e}
    out.write(json.dumps(e, separators=(",", ":"), ensure_ascii=False) + "\n")
PY

write_config() {  # syslog-url [extra toml]
	printf '[paths]\nstate_dir = "%s"\n[outputs]\njsonl_file = "%s"\nsyslog = "%s"\n%s\n' \
		"$STATE" "$WORK/copy.jsonl" "$1" "${2:-}" >"$WORK/oyster.toml"
}
oyster() { in_ns "$OYSTER" --config "$WORK/oyster.toml" "$@"; }

# --- the collector is down: the file output still gets every event.
write_config tcp://127.0.0.1:5514
oyster outputs flush --json >"$WORK/flush1.json" 2>"$WORK/flush1.err" && fail "flush succeeded with the collector down"
jq -e '.[] | select(.name == "syslog") | .error | test("cannot connect")' "$WORK/flush1.json" >/dev/null ||
	fail "the syslog failure was not reported: $(cat "$WORK/flush1.json")"
cmp -s "$EVENTS" "$WORK/copy.jsonl" || fail "the JSON-lines output is not the log while syslog failed"
log "collector down: syslog failed, the JSON-lines file got all 1000 events"

# --- a real rsyslog: RFC 5424 over TCP (octet counting) and UDP.
cat >"$WORK/rsyslog.conf" <<EOF
global(workDirectory="$WORK" maxMessageSize="64k")
module(load="imtcp")
module(load="imudp")
input(type="imtcp" address="127.0.0.1" port="5514")
# UDP drops what a full receive buffer cannot hold: a collector taking
# bursts over UDP needs a large one (docs/outputs.md).
input(type="imudp" address="127.0.0.1" port="5515" rcvbufSize="8m")
template(name="fields" type="string"
	string="%protocol-version%|%pri%|%hostname%|%app-name%|%msgid%|%timereported:::date-rfc3339%|%msg%\n")
*.* action(type="omfile" file="$WORK/received.log" template="fields")
EOF
in_ns rsyslogd -n -f "$WORK/rsyslog.conf" -i "$RSYSLOG_PID" >"$WORK/rsyslogd.log" 2>&1 &
for _ in $(seq 50); do
	in_ns bash -c 'exec 3<>/dev/tcp/127.0.0.1/5514' 2>/dev/null && break
	sleep 0.2
done
received() { [ -f "$WORK/received.log" ] && wc -l <"$WORK/received.log" || echo 0; }
wait_received() {  # count
	for _ in $(seq 100); do
		[ "$(received)" -ge "$1" ] && return 0
		sleep 0.1
	done
	fail "rsyslog received $(received) messages, not $1"
}

oyster outputs flush --json >"$WORK/flush2.json" || fail "flush failed with the collector up: $(cat "$WORK/flush2.json")"
wait_received 1000
cmp -s "$EVENTS" "$WORK/copy.jsonl" || fail "the JSON-lines output got events twice"
python3 - "$EVENTS" "$WORK/received.log" <<'PY' || fail "what rsyslog received is not the events"
import json, sys
events = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
got = open(sys.argv[2], encoding="utf-8").read().splitlines()
assert len(got) == 1000, len(got)
for e, line in zip(events, got):
    version, pri, host, app, msgid, ts, msg = line.split("|", 6)
    assert version == "1" and app == "oyster" and host not in ("", "-"), line[:200]
    assert msgid == e["type"], (msgid, e["type"])
    sev = 5 if e["type"] == "login" and e["success"] else 6
    assert int(pri) == 16 * 8 + sev, (pri, e)
    assert ts.startswith(e["ts"][:19]), (ts, e["ts"])
    msg = msg.lstrip("\ufeff")
    if len(json.dumps(e, ensure_ascii=False)) < 8000:
        # rsyslog shows a line break in the message as "#012"; ours are
        # JSON-escaped, so none is there to show.
        assert json.loads(msg) == e, (msg[:200], e)
    else:
        assert len(msg.encode()) < 8192 and msg.startswith('{"ts"'), len(msg)
assert json.loads(got[0].split("|", 6)[6].lstrip("\ufeff"))["password"] == "<script>alert(1)</script>"
PY
oyster outputs flush --json >"$WORK/flush3.json" || fail "a second flush failed"
sleep 1
[ "$(received)" = 1000 ] || fail "a second flush sent again: $(received) messages"
log "rsyslog over TCP: 1000 events once, RFC 5424, MSGID = type, JSON intact (the long one cut under 8 KiB)"

write_config udp://127.0.0.1:5515
oyster outputs flush >/dev/null || fail "flush over UDP failed"
wait_received 2000
log "rsyslog over UDP: 1000 more"

# --- the log rotated (sensor.events_rotate_mib) between flushes, with
# events before and after: each output and the store finish the old file
# and read the new one, every event once.
oyster store sync --json >"$WORK/sync1.json" || fail "store sync failed"
[ "$(jq .added "$WORK/sync1.json")" = 1000 ] || fail "the store took $(cat "$WORK/sync1.json")"
write_config tcp://127.0.0.1:5514
more_events() {  # file count tag
	python3 - "$@" <<'PY'
import json, sys
with open(sys.argv[1], "a") as out:
    for i in range(int(sys.argv[2])):
        out.write(json.dumps({"ts": "2026-11-27T10:59:00.000Z", "type": "connection", "n": f"{sys.argv[3]}-{i}"}) + "\n")
PY
}
more_events "$EVENTS" 300 before
mv "$EVENTS" "$EVENTS.1"
more_events "$EVENTS" 200 after
oyster outputs flush >/dev/null || fail "flush across the rotation failed"
wait_received 2500
sleep 1
[ "$(received)" = 2500 ] || fail "rsyslog received $(received) messages across the rotation, not 2500"
cat "$EVENTS.1" "$EVENTS" | cmp -s - "$WORK/copy.jsonl" || fail "the JSON-lines output is not the rotated log and the new one"
tail -n 500 "$WORK/received.log" | cut -d'|' -f7- | sed 's/^\xef\xbb\xbf//' | jq -r .n >"$WORK/rotated-n.txt"
[ "$(sort -u "$WORK/rotated-n.txt" | wc -l)" = 500 ] && grep -qx before-0 "$WORK/rotated-n.txt" &&
	grep -qx after-199 "$WORK/rotated-n.txt" || fail "the events across the rotation are not each there once"
oyster store sync --json >"$WORK/sync2.json" || fail "store sync across the rotation failed"
[ "$(jq .added "$WORK/sync2.json")" = 500 ] || fail "the store took $(cat "$WORK/sync2.json") across the rotation"
log "rotated log: the outputs and the store read the rest of events.jsonl.1, then the new file: 500 events, once each"

# --- a target that stays down: its backlog is bounded, and says so.
python3 - "$EVENTS" <<'PY'
import json, sys
with open(sys.argv[1], "a") as out:
    for i in range(3000):
        out.write(json.dumps({"ts": "2026-11-27T11:00:00.000Z", "type": "capture", "event": {"pad": "y" * 1000}}) + "\n")
PY
write_config tcp://127.0.0.1:5599 'backlog_mib = 1'
oyster outputs flush --json >"$WORK/flush4.json" 2>/dev/null && fail "flush to a closed port succeeded"
jq -e '.[] | select(.name == "syslog") | .skipped_now > 0 and .backlog_bytes <= 1048576' "$WORK/flush4.json" >/dev/null ||
	fail "the backlog was not bounded: $(cat "$WORK/flush4.json")"
jq -e '.[] | select(.name == "jsonl") | .error == null and .backlog_bytes == 0' "$WORK/flush4.json" >/dev/null ||
	fail "the file output was held up: $(cat "$WORK/flush4.json")"
oyster outputs status >"$WORK/status.txt"
grep -q "events skipped (backlog)" "$WORK/status.txt" || fail "status: $(cat "$WORK/status.txt")"
log "collector down for good: backlog held under 1 MiB, $(jq '.[] | select(.name == "syslog") | .skipped_now' "$WORK/flush4.json") events skipped and reported"
log PASS
