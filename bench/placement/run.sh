#!/bin/bash
# Guest placement benchmark (issue 23, step 0). Where a guest's host
# processes run decides what each guest system call costs: every one is a
# ptrace hand-off between UML's kernel thread and the guest process's host
# process, and a hand-off to another CPU that sleeps must wake it first.
# Prints, in one invocation, for each `[guest] placement` (free, single,
# spread):
#   - boot (UML start -> SSH banner) of BOOTS guests one after another, the
#     earlier ones idle, on an idle host and on a busy one;
#   - in one guest: getppid() (µs) and fork+exec of /bin/true (ms), each the
#     median of its batches (bench/placement/probe.c, built here and copied
#     in), on an idle host, on a busy host (a busy loop per CPU, as a compile
#     makes), and in two guests at once; SYN -> SSH banner of an idle guest;
#   - the same probe on the host itself, the baseline, in this invocation;
# and then, with guests of the default placement and free ones side by side,
# the host's idle settings that change the picture (haltpoll polling, a
# zero wake-latency request), each restored afterwards.
# Runs in its own network namespaces on documentation addresses, like the
# integration tests, and removes everything it made.
# Usage: bench/placement/run.sh OYSTER_BINARY [BOOTS] [CALLS] [FORKS]
set -euo pipefail
OYSTER="$(realpath "${1:?usage: bench/placement/run.sh OYSTER_BINARY [BOOTS] [CALLS] [FORKS]}")"
BOOTS="${2:-3}"
CALLS="${3:-5000}"
FORKS="${4:-50}"
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../../tests/integration/lib.sh"
source "$here/../lib.sh"

BURNERS=()
stop_burners() {
	[ ${#BURNERS[@]} -eq 0 ] || kill "${BURNERS[@]}" 2>/dev/null || true
	BURNERS=()
}
start_burners() {
	for _ in $(seq "$(nproc)"); do
		bash -c 'while :; do :; done' &
		BURNERS+=($!)
	done
	sleep 1
}
# The host's idle knobs as they were, put back whatever happens.
HALTPOLL=/sys/module/haltpoll/parameters/guest_halt_poll_ns
saved_poll_ns="$(cat "$HALTPOLL" 2>/dev/null || true)"
restore_host() {
	stop_burners
	[ -z "$saved_poll_ns" ] || echo "$saved_poll_ns" > "$HALTPOLL" 2>/dev/null || true
}
trap 'restore_host; world_down' EXIT
world_up

build_probe

set_placement() {
	sed -i '/^placement = /d' "$CONFIG"
	sed -i "s/^\[guest\]$/[guest]\nplacement = \"$1\"/" "$CONFIG"
}
boot() {  # -> prints the guest's JSON record to $WORK/<name>.json; echoes boot ms
	sensor_oyster guest start --json > "$WORK/$1.json" 2>/dev/null
	jq -r .boot_ms "$WORK/$1.json"
}
ip_of() { jq -r .guest_ip "$WORK/$1.json"; }
stop_guest() { sensor_oyster guest stop "$(jq -r .id "$WORK/$1.json")" >/dev/null 2>&1 || true; }
copy_probe() { copy_probe_to "$(ip_of "$1")"; }
probe_in() { attacker_ssh "$(ip_of "$1")" /tmp/probe "$CALLS" "$FORKS"; }
cpu_of() { jq -r .cpu "$WORK/$1.json"; }

echo "== host baseline (the probe run on the host: getppid µs, fork+exec ms)"
host_idle="$("$WORK/probe" "$CALLS" "$FORKS")"
start_burners
host_busy="$("$WORK/probe" "$CALLS" "$FORKS")"
stop_burners
echo "   idle: $host_idle"
echo "   busy: $host_busy"

declare -A R
for placement in free single spread; do
	echo "== placement $placement"
	set_placement "$placement"
	idle_boots=()
	for i in $(seq "$BOOTS"); do idle_boots+=("$(boot "$placement-$i")"); done
	cpus=""
	for i in $(seq "$BOOTS"); do cpus+="$(cpu_of "$placement-$i") "; done
	copy_probe "$placement-1"
	copy_probe "$placement-2"
	idle="$(probe_in "$placement-1")"
	banner="$(banner_ms "$(ip_of "$placement-1")")"
	probe_in "$placement-1" > "$WORK/a.out" &
	a=$!
	probe_in "$placement-2" > "$WORK/b.out"
	wait "$a"
	start_burners
	busy="$(probe_in "$placement-1")"
	busy_boots=()
	for i in $(seq "$BOOTS"); do busy_boots+=("$(boot "$placement-busy-$i")"); done
	stop_burners
	for i in $(seq "$BOOTS"); do stop_guest "$placement-$i"; stop_guest "$placement-busy-$i"; done
	R[$placement.boot_idle]="$(printf '%s\n' "${idle_boots[@]}" | median)"
	R[$placement.boot_busy]="$(printf '%s\n' "${busy_boots[@]}" | median)"
	R[$placement.getppid_idle]="$(field getppid_us "$idle")"
	R[$placement.fork_idle]="$(field fork_exec_ms "$idle")"
	R[$placement.getppid_busy]="$(field getppid_us "$busy")"
	R[$placement.fork_busy]="$(field fork_exec_ms "$busy")"
	R[$placement.fork_two]="$(field fork_exec_ms "$(cat "$WORK/a.out")")/$(field fork_exec_ms "$(cat "$WORK/b.out")")"
	R[$placement.getppid_two]="$(field getppid_us "$(cat "$WORK/a.out")")/$(field getppid_us "$(cat "$WORK/b.out")")"
	R[$placement.banner]="$banner"
	echo "   CPUs of the guests: ${cpus:-none}(-1: not pinned)"
	echo "   boots idle host: ${idle_boots[*]} ms; busy host: ${busy_boots[*]} ms"
	echo "   idle host: $idle; SYN->banner $banner ms"
	echo "   two guests at once: $(cat "$WORK/a.out") | $(cat "$WORK/b.out")"
	echo "   busy host: $busy"
done

echo "== summary (median; two guests: guest A/guest B; ratio: guest/host of the same state)"
printf '   %-30s %12s %12s %12s\n' measure free single spread
row() { printf '   %-30s %12s %12s %12s\n' "$1" "${R[free.$2]}" "${R[single.$2]}" "${R[spread.$2]}"; }
row "boot, idle host (ms)" boot_idle
row "boot, busy host (ms)" boot_busy
row "getppid, idle host (µs)" getppid_idle
row "getppid, busy host (µs)" getppid_busy
row "getppid, two guests (µs)" getppid_two
row "fork+exec, idle host (ms)" fork_idle
row "fork+exec, busy host (ms)" fork_busy
row "fork+exec, two guests (ms)" fork_two
row "SYN->banner, idle guest (ms)" banner
hf_idle="$(field fork_exec_ms "$host_idle")"
hf_busy="$(field fork_exec_ms "$host_busy")"
printf '   %-30s %12s %12s %12s\n' "fork+exec guest/host, idle" "$(ratio "${R[free.fork_idle]}" "$hf_idle")x" \
	"$(ratio "${R[single.fork_idle]}" "$hf_idle")x" "$(ratio "${R[spread.fork_idle]}" "$hf_idle")x"
printf '   %-30s %12s %12s %12s\n' "fork+exec guest/host, busy" "$(ratio "${R[free.fork_busy]}" "$hf_busy")x" \
	"$(ratio "${R[single.fork_busy]}" "$hf_busy")x" "$(ratio "${R[spread.fork_busy]}" "$hf_busy")x"

echo "== host idle settings (idle host; a free guest and a spread one side by side)"
if [ ! -w "$HALTPOLL" ] && [ ! -w /dev/cpu_dma_latency ]; then
	echo "   no cpuidle knobs on this host: skipped"
	exit 0
fi
echo "   cpuidle driver $(cat /sys/devices/system/cpu/cpuidle/current_driver 2>/dev/null || echo none)," \
	"governor $(cat /sys/devices/system/cpu/cpuidle/current_governor_ro 2>/dev/null || echo none)," \
	"guest_halt_poll_ns ${saved_poll_ns:-none}; kernel command line: $(tr ' ' '\n' < /proc/cmdline | grep -E '^(idle|cpuidle|haltpoll)' | tr '\n' ' ')"
set_placement free
boot free-k >/dev/null
set_placement spread
boot spread-k >/dev/null
copy_probe free-k
copy_probe spread-k
measure_setting() {
	local p
	for p in free spread; do
		set_placement "$p"
		printf '   %-40s %-6s %s; banner %s ms; boot %s ms\n' "$([ $p = free ] && echo "$1")" "$p:" \
			"$(probe_in "$p-k")" "$(banner_ms "$(ip_of "$p-k")")" "$(boot "$p-b")"
		stop_guest "$p-b"
	done
}
measure_setting "as the host boots"
if [ -w "$HALTPOLL" ]; then
	for ns in 50000 200000; do
		echo "$ns" > "$HALTPOLL"
		measure_setting "haltpoll guest_halt_poll_ns=$ns"
	done
	[ -z "$saved_poll_ns" ] || echo "$saved_poll_ns" > "$HALTPOLL"
fi
# A PM QoS request of 0 µs wake latency, held while the descriptor is open:
# the governor then never halts an idle CPU, it polls (what idle=poll does
# from boot, and tuned's latency-performance profile at run time).
if [ -w /dev/cpu_dma_latency ]; then
	exec 9> /dev/cpu_dma_latency
	printf 0 >&9
	measure_setting "cpu_dma_latency=0 held (as idle=poll)"
	exec 9>&-
fi
stop_guest free-k
stop_guest spread-k
