#!/bin/bash
# Boot and guest-speed benchmark (issues 2 and 23). Measures, in one
# invocation, two guest kernels side by side: the one `oyster setup` built
# ("new") and the baseline ("old"): the patch series below BASELINE, built
# here by kernel/build.sh --before and cached like any kernel, so a speed
# patch is always measured against the kernel without it. For each:
#   - UML start -> SSH banner: BOOTS cold boots (fresh COW each), the two
#     kernels' boots interleaved so host drift favours neither; the median;
#   - fork+exec of /bin/true x LOOPS from a shell in the guest (over SSH,
#     warm), against the same loop on the host in this invocation;
#   - the placement probe (bench/placement/probe.c): getppid() µs and
#     fork+exec+wait ms, medians of batches, the page faults of each
#     child, and the time of a first write to a fresh page (what a program
#     timing a page fault sees);
#   - SYN -> SSH banner of the idle guest (median of 5);
# then a summary with new/old for each. BASELINE "none" measures only the
# kernel setup built.
# Runs in its own network namespaces on documentation addresses, like the
# integration tests, and removes everything it made.
# Usage: bench/boot/run.sh OYSTER_BINARY [BOOTS] [LOOPS] [BASELINE]
set -euo pipefail
OYSTER="$(realpath "${1:?usage: bench/boot/run.sh OYSTER_BINARY [BOOTS] [LOOPS] [BASELINE]}")"
BOOTS="${2:-5}"
LOOPS="${3:-500}"
# The first of issue 23's system-call path patches.
BASELINE="${4:-0021}"
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../../tests/integration/lib.sh"
source "$here/../lib.sh"
world_up
build_probe

declare -A KERNEL R
choose_kernels "$BASELINE"

echo "== boot: UML start -> SSH banner, $BOOTS cold boots per kernel (fresh COW each), interleaved"
for i in $(seq "$BOOTS"); do
	for k in "${kinds[@]}"; do
		use_kernel "${KERNEL[$k]}"
		sensor_oyster guest start --json > "$WORK/$k.json" 2>/dev/null
		ms="$(jq -r .boot_ms "$WORK/$k.json")"
		R[$k.boots]+="$ms "
		printf '   boot %d, %s: %d ms\n' "$i" "$k" "$ms"
		sensor_oyster guest stop "$(jq -r .id "$WORK/$k.json")" >/dev/null 2>&1
	done
done

loop='s=$(date +%s%N); i=0; while [ $i -lt '"$LOOPS"' ]; do /bin/true; i=$((i+1)); done; e=$(date +%s%N); echo $(( (e-s)/1000000 ))'
host_ms="$(bash -c "$loop")"
host_probe="$("$WORK/probe" 5000 50 4096)"
# One guest at a time from here, so that each kernel's runs alone and on the
# CPU the placement gives a lone guest: with both up, the second got the
# other CPU, and CPU 0 (the host's interrupts) measured up to 10 % slower.
for k in "${kinds[@]}"; do
	use_kernel "${KERNEL[$k]}"
	sensor_oyster guest start --json > "$WORK/$k.json" 2>/dev/null
	gip="$(jq -r .guest_ip "$WORK/$k.json")"
	echo "== $k kernel: guest $(jq -r .id "$WORK/$k.json") on CPU $(jq -r .cpu "$WORK/$k.json")"
	attacker_ssh "$gip" "$loop" >/dev/null # warm the guest's page cache
	R[$k.loop]="$(attacker_ssh "$gip" "$loop")"
	copy_probe_to "$gip"
	probe="$(attacker_ssh "$gip" /tmp/probe 5000 50 4096)"
	R[$k.getppid]="$(field getppid_us "$probe")"
	R[$k.fork]="$(field fork_exec_ms "$probe")"
	R[$k.faults]="$(field faults_per_fork "$probe")"
	R[$k.pagefault]="$(field page_fault_us "$probe")"
	R[$k.banner]="$(banner_ms "$gip")"
	R[$k.boot]="$(tr ' ' '\n' <<<"${R[$k.boots]}" | grep . | median)"
	echo "   shell loop: ${R[$k.loop]} ms for $LOOPS; probe: $probe; SYN->banner ${R[$k.banner]} ms"
	sensor_oyster guest stop "$(jq -r .id "$WORK/$k.json")" >/dev/null 2>&1
done
echo "== host, same invocation: shell loop $host_ms ms for $LOOPS; probe: $host_probe"

echo "== summary (medians; ratio new/old below 1 is faster)"
row() {  # label key [host-value]
	local old="${R[old.$2]:--}" new="${R[new.$2]}"
	printf '   %-34s %10s %10s %8s' "$1" "$old" "$new" "$([ "$old" = - ] && echo - || ratio "$new" "$old")"
	[ -z "${3:-}" ] || printf '   guest/host: %s' "$([ "$old" = - ] && echo - || ratio "$old" "$3")x -> $(ratio "$new" "$3")x"
	echo
}
printf '   %-34s %10s %10s %8s\n' measure old new new/old
row "boot to SSH banner (ms)" boot
row "fork+exec, shell loop (ms/$LOOPS)" loop "$host_ms"
row "fork+exec, probe (ms)" fork "$(field fork_exec_ms "$host_probe")"
row "getppid (µs)" getppid "$(field getppid_us "$host_probe")"
row "page faults per fork+exec" faults "$(field faults_per_fork "$host_probe")"
row "page fault, first write (µs)" pagefault "$(field page_fault_us "$host_probe")"
row "SYN->banner, idle guest (ms)" banner
