#!/bin/bash
# Profile of UML's system-call path (issue 23, step 1): what one guest
# system call and one guest fork+exec cost the host, counted with perf's
# tracepoints on the UML process tree (hardware counters are not offered on
# this machine kind; tracepoints and software events are).
# Prints, in one invocation, for one idle guest (default placement):
#   - host system calls, ptrace calls, wait4 calls, context switches, page
#     faults and mmaps per guest getppid() and per guest fork+exec, each
#     net of an SSH session that runs nothing (measured in the same run);
#   - the ptrace requests of the getppid loop by type (perf trace);
#   - where the CPU time goes during the loop (perf record, cpu-clock
#     samples on every CPU, flat by symbol).
# Needs perf (Debian's linux-perf; installed here if missing).
# Usage: bench/syscall_path/run.sh OYSTER_BINARY [CALLS] [FORKS]
set -euo pipefail
OYSTER="$(realpath "${1:?usage: bench/syscall_path/run.sh OYSTER_BINARY [CALLS] [FORKS]}")"
CALLS="${2:-20000}"
FORKS="${3:-100}"
here="$(cd "$(dirname "$0")" && pwd)"
command -v perf >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q linux-perf >/dev/null
source "$here/../../tests/integration/lib.sh"
source "$here/../lib.sh"
world_up
build_probe

sensor_oyster guest start --json > "$WORK/g.json" 2>/dev/null
gip="$(jq -r .guest_ip "$WORK/g.json")"
pid="$(jq -r .pid "$WORK/g.json")"
copy_probe_to "$gip"
echo "== guest $(jq -r .id "$WORK/g.json") on CPU $(jq -r .cpu "$WORK/g.json"), UML pid $pid"

EVENTS=raw_syscalls:sys_enter,syscalls:sys_enter_ptrace,syscalls:sys_enter_wait4,context-switches,page-faults,syscalls:sys_enter_mmap
# perf stat on the UML process tree (counters inherited by the host
# processes UML starts for new guest processes) while COMMAND runs in the guest.
counted() {  # name guest-command...
	local name="$1"
	shift
	perf stat -x, -e "$EVENTS" -p "$pid" -o "$WORK/$name.csv" &
	local p=$!
	sleep 0.5
	attacker_ssh "$gip" "$@" > "$WORK/$name.out"
	kill -INT "$p"
	wait "$p" || true
}
value() { awk -F, -v e="$2" '$3 == e {print $1}' "$WORK/$1.csv"; }
counted base true
counted getppid /tmp/probe "$CALLS" 0
counted fork /tmp/probe 0 "$FORKS"
echo "   probe: $(cat "$WORK/getppid.out") $(cat "$WORK/fork.out") (under perf stat)"
printf '   %-32s %14s %14s\n' "per guest operation (net)" getppid fork+exec
for e in raw_syscalls:sys_enter syscalls:sys_enter_ptrace syscalls:sys_enter_wait4 context-switches page-faults syscalls:sys_enter_mmap; do
	b="$(value base "$e")"
	printf '   %-32s %14s %14s\n' "$e" \
		"$(awk -v v="$(value getppid "$e")" -v b="$b" -v n="$((CALLS * 9))" 'BEGIN {printf "%.2f", (v - b) / n}')" \
		"$(awk -v v="$(value fork "$e")" -v b="$b" -v n="$((FORKS * 5))" 'BEGIN {printf "%.1f", (v - b) / n}')"
done
echo "   (the SSH session alone: $(value base raw_syscalls:sys_enter) host system calls)"

echo "== ptrace requests during the getppid loop, by type (perf trace; count, and per guest getppid, the SSH session included)"
perf trace -e ptrace -p "$pid" -o "$WORK/trace.txt" &
p=$!
sleep 0.5
attacker_ssh "$gip" /tmp/probe "$CALLS" 0 >/dev/null
kill -INT "$p"
wait "$p" || true
sed -n 's/.*ptrace(request: \([0-9A-Za-z_]*\).*/\1/p' "$WORK/trace.txt" | sort | uniq -c | sort -rn | sed -n 1,8p |
	while read -r n req; do
		case "$req" in
			12 | GETREGS) name=PTRACE_GETREGS ;;
			13 | SETREGS) name=PTRACE_SETREGS ;;
			31 | SYSEMU) name=PTRACE_SYSEMU ;;
			16900 | GETREGSET) name="PTRACE_GETREGSET (XSAVE)" ;;
			16901 | SETREGSET) name="PTRACE_SETREGSET (XSAVE)" ;;
			16898 | GETSIGINFO) name=PTRACE_GETSIGINFO ;;
			14 | GETFPREGS) name=PTRACE_GETFPREGS ;;
			15 | SETFPREGS) name=PTRACE_SETFPREGS ;;
			7 | CONT) name=PTRACE_CONT ;;
			*) name="request $req" ;;
		esac
		printf '   %-28s %8s %6.2f\n' "$name" "$n" "$(awk -v n="$n" -v c="$((CALLS * 9))" 'BEGIN {print n / c}')"
	done

echo "== where the time goes in the getppid loop (cpu-clock samples, both CPUs, top symbols)"
perf record -q -e cpu-clock -F 10000 -a -o "$WORK/perf.data" -- sleep 4 >/dev/null 2>&1 &
p=$!
sleep 0.3
attacker_ssh "$gip" /tmp/probe "$CALLS" 0 >/dev/null || true
wait "$p" || true
perf report -i "$WORK/perf.data" --no-children --sort comm,sym --stdio 2>/dev/null >"$WORK/report.txt" || true
grep -E '^ +[0-9.]+%' "$WORK/report.txt" | sed -n '1,20s/^/   /p'
sensor_oyster guest stop "$(jq -r .id "$WORK/g.json")" >/dev/null 2>&1
