#!/bin/bash
# Sensor benchmark (issue 4). Prints, in one invocation:
#   - baseline: SYN -> SSH banner straight to each of the POOL pool guests'
#     sshd from the sensor (no portal), arriving at 20 per second;
#   - warm pool: POOL new source addresses arriving at 20 per second, each
#     SYN -> banner through the portal (each gets a pool guest); p50/p99
#     (n = POOL) and the ratio to the baseline;
#   - sticky: the same sources again at 20 per second (their own guests);
#   - cold boot: one more source with the pool used up, SYN -> banner;
#   - density (when DENSITY_MAX > 0): idle guests booted one after another
#     with `oyster guest start` until boot time doubles, memory runs low or
#     DENSITY_MAX is reached; boot time and PSS per guest as it goes.
# Runs in its own network namespaces on documentation addresses, like the
# integration tests, and removes everything it made.
# The density run needs more guest addresses than the test world's
# 192.0.2.0/24 (64 guests): with DENSITY_MAX > 60 the guests come from the
# benchmarking range 198.18.0.0/22 (RFC 2544; 256 guests) instead.
# Usage: bench/sensor/run.sh OYSTER_BINARY [POOL] [DENSITY_MAX]
set -euo pipefail
OYSTER="$(realpath "${1:?usage: bench/sensor/run.sh OYSTER_BINARY [POOL] [DENSITY_MAX]}")"
POOL="${2:-8}"
DENSITY_MAX="${3:-0}"
[ "$DENSITY_MAX" -le 60 ] || GUEST_POOL=198.18.0.0/22
source "$(dirname "$0")/../../tests/integration/lib.sh"
PORTAL=203.0.113.1
EXTRA_CONFIG="[sensor]
listen_address = \"$PORTAL\"
ports = [\"22:22\"]
pool_size = $POOL
max_guests = $((POOL + 1))
idle_timeout_s = 3600"
world_up
for i in $(seq 0 $POOL); do ip -n "$NS_ATTACKER" addr add "203.0.113.$((100 + i))/24" dev "${tag}va"; done
EVENTS="$STATE_DIR/sensor/events.jsonl"

nsenter --net="/run/netns/$NS_SENSOR" "$OYSTER" --config "$CONFIG" run >"$WORK/sensor.log" 2>&1 &
SENSOR_PID=$!
echo "== filling a pool of $POOL guests"
t0=$SECONDS
until [ "$(jq -c 'select(.type=="guest_ready")' "$EVENTS" 2>/dev/null | wc -l)" -ge "$POOL" ]; do
	kill -0 $SENSOR_PID 2>/dev/null || { tail "$WORK/sensor.log"; fail "sensor died"; }
	[ $((SECONDS - t0)) -lt $((POOL * 60 + 120)) ] || fail "pool not full"
	sleep 1
done
echo "   pool full after $((SECONDS - t0)) s (one boot at a time)"
sleep 5  # let the last guest's boot settle

# Each probe: connect (from a source address, or "-" for any) to a target,
# read the banner, print ms; probes start at RATE per second.
cat > "$WORK/probe.py" <<'PY'
import socket, sys, threading, time
rate = float(sys.argv[1])
pairs = [a.split(",") for a in sys.argv[2:]]  # target,source
results = [None] * len(pairs)
def probe(i, pair):
    target, src = pair
    t = time.monotonic()
    try:
        s = socket.create_connection((target, 22), timeout=120, source_address=(src, 0) if src != "-" else None)
        b = s.recv(256)
        results[i] = (time.monotonic() - t) * 1000 if b.startswith(b"SSH-") else -1
        s.close()
    except OSError:
        results[i] = -1
threads = []
for i, pair in enumerate(pairs):
    th = threading.Thread(target=probe, args=(i, pair))
    th.start()
    threads.append(th)
    time.sleep(1.0 / rate)
for th in threads:
    th.join()
print(" ".join("%.1f" % r for r in results))
PY
stats() {  # values... -> "p50 X ms, p99 Y ms, max Z ms"
	printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {
		p50=a[int((NR+1)/2)]; i=int(NR*0.99+0.999); if (i<1) i=1; if (i>NR) i=NR;
		printf "p50 %.1f ms, p99 %.1f ms, max %.1f ms (n=%d)", p50, a[i], a[NR], NR}'
}

echo "== baseline: SYN -> banner straight to the $POOL pool guests' sshd at 20/s (no portal)"
pairs=$(jq -r 'select(.type=="guest_ready") | .guest_ip + ",-"' "$EVENTS")
# shellcheck disable=SC2086
direct=($(ip netns exec "$NS_SENSOR" python3 "$WORK/probe.py" 20 $pairs))
echo "   ${direct[*]}"
echo "   $(stats "${direct[@]}")"

echo "== warm pool: $POOL new source addresses at 20/s through the portal"
srcs=$(for i in $(seq 0 $((POOL - 1))); do printf '%s,203.0.113.%d ' $PORTAL $((100 + i)); done)
# shellcheck disable=SC2086
warm=($(ip netns exec "$NS_ATTACKER" python3 "$WORK/probe.py" 20 $srcs))
echo "   ${warm[*]}"
echo "   $(stats "${warm[@]}")"
p50_direct=$(printf '%s\n' "${direct[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
p50_warm=$(printf '%s\n' "${warm[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "   ratio portal/direct (p50): $(awk -v a="$p50_warm" -v b="$p50_direct" 'BEGIN {printf "%.2f", a / b}')"
waited=$(jq -c 'select(.type=="connection" and .waits_for_boot)' "$EVENTS" | wc -l)
echo "   connections that waited for a boot: $waited"

echo "== sticky: the same $POOL sources again at 20/s (each to its own guest)"
sleep 2
# shellcheck disable=SC2086
sticky=($(ip netns exec "$NS_ATTACKER" python3 "$WORK/probe.py" 20 $srcs))
echo "   ${sticky[*]}"
echo "   $(stats "${sticky[@]}")"

echo "== cold boot: one more source with the pool used up"
cold=$(ip netns exec "$NS_ATTACKER" python3 "$WORK/probe.py" 20 "$PORTAL,203.0.113.$((100 + POOL))")
echo "   SYN -> banner: $cold ms"

kill -TERM $SENSOR_PID
wait $SENSOR_PID || true

if [ "$DENSITY_MAX" -gt 0 ]; then
	echo "== density: idle guests, one after another (memory_mib 256)"
	first=0
	boots=()
	for n in $(seq 1 "$DENSITY_MAX"); do
		avail_mib=$(awk '/MemAvailable/ {print int($2/1024)}' /proc/meminfo)
		[ "$avail_mib" -gt 1024 ] || { echo "   stop: MemAvailable ${avail_mib} MiB"; break; }
		sensor_oyster guest start --json >"$WORK/d.json" 2>/dev/null || { echo "   stop: guest $n failed to boot"; break; }
		ms=$(jq -r .boot_ms "$WORK/d.json")
		# Baseline: the median of the first three boots.
		boots+=("$ms")
		if [ ${#boots[@]} -eq 3 ]; then first=$(printf '%s\n' "${boots[@]}" | sort -n | sed -n 2p); fi
		# The guest's memory cgroup charge, every step (one read per guest);
		# PSS every 10 guests and at a stop: walking smaps of every process
		# of every guest grows with n^2 and would load the machine it measures.
		cg_kib=0
		for rec in "$STATE_DIR"/guests/*/guest.json; do
			f="/sys/fs/cgroup/memory/oyster/$(jq -r .id "$rec")/memory.usage_in_bytes"
			[ -f "$f" ] && cg_kib=$((cg_kib + $(cat "$f") / 1024))
		done
		pss=""
		if [ $((n % 10)) -eq 0 ] || [ "$n" -eq 1 ] || { [ "$first" -gt 0 ] && [ "$ms" -gt $((first * 2)) ]; }; then
			pss_kib=0
			for rec in "$STATE_DIR"/guests/*/guest.json; do
				[ "$(jq -r .state "$rec")" = running ] || continue
				pgid=$(jq -r .pid "$rec")
				for p in $(pgrep -g "$pgid"); do
					v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
					pss_kib=$((pss_kib + ${v:-0}))
				done
			done
			pss=$(printf ', PSS %d MiB (%d MiB/guest)' $((pss_kib / 1024)) $((pss_kib / 1024 / n)))
		fi
		printf '   guests %3d: boot %6d ms, cgroup charge %d MiB/guest%s, MemAvailable %d MiB, load %s\n' \
			"$n" "$ms" $((cg_kib / 1024 / n)) "$pss" "$avail_mib" "$(cut -d' ' -f1 /proc/loadavg)"
		[ "$first" -eq 0 ] || [ "$ms" -le $((first * 2)) ] ||
			{ echo "   stop: boot time doubled (${first} -> ${ms} ms)"; break; }
	done
fi
