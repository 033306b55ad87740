#!/bin/bash
# The clock catch-up's cost (issue 19). A guest boots at the shown boot
# moment and, once booted, its clocks catch up by the shown uptime
# (guest.boot_at_shown_moment). Measured in one invocation, BOOTS guests
# each, interleaved, for both catch-ups: "suspend" (the default: the
# monotonic clock keeps counting from the boot, as over a suspend) and
# "monotonic" (guest.catch_up_monotonic: every clock moves, and
# systemd-journald's watchdog walks over the jump):
#   - the guest's host CPU (its cgroup's cpuacct.usage) to readiness, in
#     the 20 s after it and in the 20 s after that;
#   - in the guest: journald's and PID 1's CPU, journald's restarts and
#     the journal's watchdog lines (a walk PID 1 lost patience with);
#   - the kernel log's stamp of a line written now against the uptime
#     (the selftest's monotonic_clock).
# An optional BASELINE (a patch number) measures the series below it too,
# built here and cached like any kernel, for a kernel change to the
# catch-up.
# Runs in its own network namespaces on documentation addresses, like the
# integration tests, and removes everything it made.
# Usage: bench/clock/run.sh OYSTER_BINARY [BOOTS] [BASELINE]
set -euo pipefail
OYSTER="$(realpath "${1:?usage: bench/clock/run.sh OYSTER_BINARY [BOOTS] [BASELINE]}")"
BOOTS="${2:-2}"
BASELINE="${3:-none}"
here="$(cd "$(dirname "$0")" && pwd)"
GUEST_CONFIG="catch_up_monotonic = false"
source "$here/../../tests/integration/lib.sh"
source "$here/../lib.sh"
world_up

declare -A KERNEL R
choose_kernels "$BASELINE"

cpu_s() {  # guest-id -> the guest's host CPU so far, seconds
	awk '{printf "%.2f", $1 / 1e9}' "/sys/fs/cgroup/cpuacct/oyster/$1/cpuacct.usage"
}
sub() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a - b}'; }

# What the guest says of itself: journald's and PID 1's CPU (s), journald's
# restarts, watchdog lines in the journal, the stamp of a kernel log line
# written now and the uptime.
inside='
mark="clock-$RANDOM$RANDOM"; echo "$mark" > /dev/kmsg
stamp=$(dmesg | grep "$mark" | tail -n 1 | sed "s/^\[ *\([0-9.]*\)\].*/\1/")
up=$(cut -d" " -f1 /proc/uptime)
j=$(systemctl show -P CPUUsageNSec systemd-journald)
r=$(systemctl show -P NRestarts systemd-journald)
p1=$(awk -v t="$(getconf CLK_TCK)" "{printf \"%.2f\", (\$14 + \$15) / t}" /proc/1/stat)
w=$(journalctl -b -q --no-pager | grep -ci "watchdog" || true)
echo "journald=$(awk -v n="$j" "BEGIN {printf \"%.2f\", n / 1e9}") restarts=$r pid1=$p1 watchdog_lines=$w stamp=$stamp uptime=$up"
'

for i in $(seq "$BOOTS"); do
	for k in "${kinds[@]}"; do
		for mode in suspend monotonic; do
			use_kernel "${KERNEL[$k]}"
			sed -i "s/^catch_up_monotonic = .*/catch_up_monotonic = $([ $mode = monotonic ] && echo true || echo false)/" "$CONFIG"
			sensor_oyster guest start --json > "$WORK/g.json" 2>"$WORK/start.log" || { cat "$WORK/start.log" >&2; exit 1; }
			id="$(jq -r .id "$WORK/g.json")"
			gip="$(jq -r .guest_ip "$WORK/g.json")"
			c0="$(cpu_s "$id")"
			sleep 20
			c1="$(cpu_s "$id")"
			sleep 20
			c2="$(cpu_s "$id")"
			said="$(attacker_ssh "$gip" "$inside")"
			key="$k.$mode"
			R[$key.ready]+="$c0 "
			R[$key.next20]+="$(sub "$c1" "$c0") "
			R[$key.after]+="$(sub "$c2" "$c1") "
			R[$key.journald]+="$(field journald "$said") "
			R[$key.lag]+="$(sub "$(field uptime "$said")" "$(field stamp "$said")") "
			printf '   boot %d, %s kernel, %-9s: CPU to readiness %s s, next 20 s %s s, 20-40 s %s s; %s\n' \
				"$i" "$k" "$mode" "$c0" "$(sub "$c1" "$c0")" "$(sub "$c2" "$c1")" "$said"
			sensor_oyster guest stop "$id" >/dev/null 2>&1
		done
	done
done

echo "== summary (medians of $BOOTS boots; lag = uptime less the kernel log's stamp of a line written now)"
printf '   %-20s %12s %12s %12s %12s %12s\n' "kernel, catch-up" "to ready (s)" "next 20 s" "20-40 s" "journald (s)" "lag (s)"
for k in "${kinds[@]}"; do
	for mode in suspend monotonic; do
		key="$k.$mode"
		printf '   %-20s' "$k, $mode"
		for m in ready next20 after journald lag; do
			printf ' %12s' "$(tr ' ' '\n' <<<"${R[$key.$m]}" | grep . | median | awk '{printf "%.2f", $1}')"
		done
		echo
	done
done
for k in "${kinds[@]}"; do
	suspend="$(tr ' ' '\n' <<<"${R[$k.suspend.next20]}" | grep . | median)"
	monotonic="$(tr ' ' '\n' <<<"${R[$k.monotonic.next20]}" | grep . | median)"
	echo "   $k kernel, CPU in the 20 s after readiness: monotonic/suspend $(ratio "$monotonic" "$suspend" 1)"
done
