#!/bin/bash
# What one guest costs the host in memory: the judgment behind
# sensor.max_guests = "auto" (sensor/capacity.h plans a guest at a quarter of
# guest.memory_mib plus kGuestOverheadMib), the jail's memory limit
# (guest.memory_mib plus kMemoryHeadroomMib, jail/guest_jail.cpp) and kernel
# patch 0030 (memory the guest frees goes back to the host).
#
# Boots one guest per kernel (the series before BASELINE, then the current
# one) and, inside it, as an intruder would: stays idle; fills three
# quarters of its memory with one process; waits 10 s after that process
# ended; runs PROCS processes at once (each guest process is a host address
# space of UML's, with its own page tables); does both. After each step
# prints the guest's memory cgroup charge (usage, and the peak since the
# last step) and the peak's excess over guest.memory_mib; last, the charge
# after the fill was freed with each kernel, and their ratio. Runs in its
# own namespaces on documentation addresses and removes all it made.
# Usage: bench/guest_memory/run.sh OYSTER_BINARY [PROCS] [BASELINE]
set -euo pipefail
OYSTER="$(realpath "${1:?usage: bench/guest_memory/run.sh OYSTER_BINARY [PROCS] [BASELINE]}")"
PROCS="${2:-400}"
BASELINE="${3:-0030}"
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../../tests/integration/lib.sh"
source "$here/../lib.sh"
world_up

# The test world's config leaves guest.memory_mib at its default.
memory_mib=$(sed -n 's/^memory_mib = \([0-9]*\).*/\1/p' "$CONFIG" | head -n1)
memory_mib=${memory_mib:-1024}
declare -A KERNEL AFTER_FREE
KERNEL[new]="$(current_kernel)"
echo "== building (or finding) the kernel before patch $BASELINE" >&2
KERNEL[old]="$(baseline_kernel "$BASELINE" 2>"$WORK/kernel.log")" || { cat "$WORK/kernel.log" >&2; exit 1; }

mib() { echo $(($1 >> 20)); }
measure() {  # label
	local label="$1" id gip cg limit
	sensor_oyster guest start --json >"$WORK/start.json"
	id=$(jq -r .id "$WORK/start.json")
	gip=$(jq -r .guest_ip "$WORK/start.json")
	if [ -d "/sys/fs/cgroup/memory/oyster/$id" ]; then
		cg="/sys/fs/cgroup/memory/oyster/$id"
		usage() { cat "$cg/memory.usage_in_bytes"; }
		peak() { cat "$cg/memory.max_usage_in_bytes"; }
		reset_peak() { echo 0 >"$cg/memory.max_usage_in_bytes"; }
		limit=$(cat "$cg/memory.limit_in_bytes")
	else
		cg="/sys/fs/cgroup/oyster/$id"
		usage() { cat "$cg/memory.current"; }
		peak() { cat "$cg/memory.peak"; }
		reset_peak() { :; }  # memory.peak cannot be reset before Linux 6.12: peaks are cumulative
		limit=$(cat "$cg/memory.max")
	fi
	echo "== $label kernel: guest $id, guest.memory_mib $memory_mib, cgroup limit $(mib "$limit") MiB ($cg)"
	printf '%-48s %10s %10s %14s\n' step "usage MiB" "peak MiB" "peak - memory"
	step() {  # name command [seconds to wait after it]
		reset_peak
		attacker_ssh "$gip" "$2" >/dev/null 2>&1 || true
		sleep "${3:-2}"
		local p
		p=$(peak)
		printf '%-48s %10s %10s %14s\n' "$1" "$(mib "$(usage)")" "$(mib "$p")" "$(($(mib "$p") - memory_mib))"
	}
	step "idle, after a login" 'true'
	# perl-base is in every Debian: one string of N MiB, touched.
	local fill=$((memory_mib * 3 / 4))
	step "one process touching $fill MiB" "perl -e '\$x = \"x\" x ($fill * 1048576); sleep 2'"
	step "10 s after it ended" 'true' 10
	AFTER_FREE[$label]=$(mib "$(usage)")
	step "$PROCS processes at once" "for i in \$(seq $PROCS); do sleep 20 & done; sleep 5; ps -e | wc -l; kill \$(jobs -p)"
	step "both, until the guest's own OOM killer acts" \
		"for i in \$(seq $PROCS); do sleep 30 & done; perl -e '\$x = \"x\" x ($memory_mib * 1048576); sleep 2'; kill \$(jobs -p)"
	echo "== the guest is still up: $(attacker_ssh "$gip" 'uptime' 2>&1 | tr -s ' ')"
	sensor_oyster guest stop "$id" >/dev/null
}

for k in old new; do
	use_kernel "${KERNEL[$k]}"
	measure "$k"
done
echo "== charged 10 s after a $((memory_mib * 3 / 4)) MiB fill ended: before patch $BASELINE ${AFTER_FREE[old]} MiB," \
	"with it ${AFTER_FREE[new]} MiB (ratio $(ratio "${AFTER_FREE[new]}" "${AFTER_FREE[old]}"))"
