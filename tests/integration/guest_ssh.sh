#!/bin/bash
# A guest boots from the read-only base image and a COW file of its own; an
# attacker logs in over SSH with a password, writes a file; after a stop the
# base image is unchanged and a reboot from the same COW file finds the write.
OYSTER="$(realpath "$1")"
source "$(dirname "$0")/lib.sh"
world_up

image="$(jq -r .image "$STATE_DIR/platform.json")"
base_sum_before="$(cut -d' ' -f1 "$image.sha256")"

# Below the free-space reserve no guest starts, and the error names the key.
sed 's/^\[guest\]$/[guest]\nreserve_free_mib = 1073741824/' "$CONFIG" >"$WORK/no-room.toml"
out="$(nsenter --net="/run/netns/$NS_SENSOR" "$OYSTER" --config "$WORK/no-room.toml" guest start 2>&1)" &&
	fail "a guest started below the free-space reserve"
grep -q "no-room.toml: guest.reserve_free_mib" <<<"$out" || fail "unclear error below the reserve: $out"
[ -z "$(ls "$STATE_DIR/guests" 2>/dev/null | grep -v '^\.')" ] || fail "a refused start left a guest directory"

log "starting guest"
sensor_oyster guest start --json > "$WORK/start.json"
id="$(jq -r .id "$WORK/start.json")"
gip="$(jq -r .guest_ip "$WORK/start.json")"
cow="$(jq -r .cow "$WORK/start.json")"
log "guest $id at $gip booted in $(jq -r .boot_ms "$WORK/start.json") ms"
[ "$(sensor_oyster guest list --json | jq -r ".[] | select(.id == \"$id\") | .state")" = running ] ||
	fail "guest list does not show $id running"

log "checking the jail of the UML process"
pid="$(jq -r .pid "$STATE_DIR/guests/$id/guest.json")"
status="$(cat "/proc/$pid/status")"
grep -Eq '^Uid:\s+4057[0-9]{3}\s+4057[0-9]{3}\s+4057[0-9]{3}\s+4057[0-9]{3}$' <<<"$status" ||
	fail "UML does not run as a guest uid: $(echo "$status" | grep ^Uid)"
grep -Eq '^Groups:\s*$' <<<"$status" || fail "UML has supplementary groups"
grep -Eq '^NoNewPrivs:\s+1$' <<<"$status" || fail "no_new_privs not set"
grep -Eq '^Seccomp:\s+2$' <<<"$status" || fail "no seccomp filter on UML"
grep -Eq "^NSpid:\s+$pid\s+1$" <<<"$status" || fail "UML is not pid 1 of its own pid namespace"
# It may write no file larger than its disk (or memory) plus 64 MiB. Its
# console, which the guest can flood, is a pipe its console writer drains
# into console.log up to guest.console_max_mib.
fsize="$(awk '/^Max file size/ {print $4}' "/proc/$pid/limits")"
[ "$fsize" = $(($(stat -c %s "$image") + (64 << 20))) ] || fail "UML's file size limit is $fsize"
console_writer="$(jq -r .console_writer_pid "$STATE_DIR/guests/$id/guest.json")"
[ "$(readlink "/proc/$pid/fd/1")" = "$(readlink "/proc/$console_writer/fd/3")" ] &&
	[ "$(stat -L -c %F "/proc/$pid/fd/1")" = fifo ] || fail "UML's console is not its console writer's pipe"
root_view="$(cd "/proc/$pid/root" && find . -mindepth 1 | sort)"
for unwanted in ./etc ./home ./root ./proc/self ./sys ./run ./usr/bin ./dev/net/tun ".$STATE_DIR/platform.json" \
	".$STATE_DIR/guests/$id/console.log" ".$STATE_DIR/guests/$id/capture.bin"; do
	echo "$root_view" | matches -xF "$unwanted" && fail "the jail shows $unwanted"
done
for wanted in ".$(jq -r .kernel "$STATE_DIR/platform.json")" ".$image" ".$cow" ./proc/cpuinfo; do
	echo "$root_view" | matches -xF "$wanted" || fail "the jail lacks $wanted: $root_view"
done
touch "/proc/$pid/root/dev/x" 2>/dev/null && fail "the jail's root is writable"
# Its own network namespace, with nothing but a loopback; its tap (in the
# sensor's namespace) came in attached, as descriptor 4.
[ "$(stat -L -c %i "/proc/$pid/ns/net")" != "$(jq -r .netns_inode "$STATE_DIR/guests/$id/guest.json")" ] ||
	fail "UML shares the sensor's network namespace"
links="$(nsenter --net="/proc/$pid/ns/net" ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')"
[ "$links" = "lo " ] || fail "UML's network namespace holds more than a loopback: $links"
tap="$(jq -r .tap "$STATE_DIR/guests/$id/guest.json")"
grep -qx "iff:[[:space:]]*$tap" "/proc/$pid/fdinfo/4" ||
	fail "UML's descriptor 4 is not its tap $tap: $(cat "/proc/$pid/fdinfo/4")"
if [ -d /sys/fs/cgroup/memory/oyster ]; then
	grep -q ":memory:/oyster/$id\$" "/proc/$pid/cgroup" || fail "UML is not in its memory cgroup"
	grep -q ":pids:/oyster/$id\$" "/proc/$pid/cgroup" || fail "UML is not in its pids cgroup"
	limit="$(cat "/sys/fs/cgroup/memory/oyster/$id/memory.limit_in_bytes")"
	log "memory cgroup: limit $((limit >> 20)) MiB, in use $(($(cat "/sys/fs/cgroup/memory/oyster/$id/memory.usage_in_bytes") >> 20)) MiB"
	# All guests together: the host's memory less its reserve (a tenth, at
	# least 1 GiB), so guests planned at less than their memory can never
	# take the host's (jail/guest_cgroup.h). The kernel keeps whole pages.
	total=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) * 1024))
	reserve=$((total / 10 > 1 << 30 ? total / 10 : 1 << 30))
	all="$(cat /sys/fs/cgroup/memory/oyster/memory.limit_in_bytes)"
	[ $((total - reserve - all)) -ge 0 ] && [ $((total - reserve - all)) -lt 4096 ] ||
		fail "all guests' memory limit is $all, not the host's $total less its reserve $reserve"
fi

log "logging in over SSH from $ATTACKER_IP"
out="$(attacker_ssh "$gip" 'cat /etc/debian_version; id -un; echo "$SSH_CONNECTION"; ps -e | wc -l;
	echo oyster-was-here > /root/marker; sync')"
echo "$out" | sed 's/^/    guest> /' >&2
echo "$out" | sed -n 1p | grep -Eq '^12\.' || fail "guest is not Debian 12: $out"
[ "$(echo "$out" | sed -n 2p)" = root ] || fail "not logged in as root"
echo "$out" | sed -n 3p | matches "^$ATTACKER_IP " || fail "guest does not see the attacker's address"
attacker_ssh "$gip" 'uname -m' | matches -x x86_64 || fail "uname -m"

# Placement (guest.placement = "spread", the default): every host task of
# the guest, UML's threads and each guest process's host process, is on the
# guest's one CPU, and a second guest goes to the CPU with fewer guests.
cpu="$(jq -r .cpu "$WORK/start.json")"
[ "$cpu" -ge 0 ] || fail "the guest is not pinned to a CPU (cpu $cpu)"
tasks="$(ps -e -o sid= | awk -v s="$pid" '$1 == s' | wc -l)"
[ "$(guest_task_cpus "$pid")" = "$cpu" ] || fail "the guest's $tasks host tasks are not all on CPU $cpu: $(guest_task_cpus "$pid")"
log "placement: the guest's $tasks host processes are on CPU $cpu"
if [ "$(nproc)" -gt 1 ]; then
	sensor_oyster guest start --json > "$WORK/second.json"
	cpu2="$(jq -r .cpu "$WORK/second.json")"
	[ "$cpu2" -ge 0 ] && [ "$cpu2" != "$cpu" ] || fail "the second guest shares CPU $cpu (cpu $cpu2)"
	[ "$(guest_task_cpus "$(jq -r .pid "$WORK/second.json")")" = "$cpu2" ] || fail "the second guest is not all on CPU $cpu2"
	sensor_oyster guest stop "$(jq -r .id "$WORK/second.json")"
	log "placement: a second guest went to CPU $cpu2"
fi

# Stealth: what a bot reads first says nothing of UML (ZHtrap runs
# `ls /home; ps aux; cat /proc/cpuinfo`), and the CPU is the host's, in the
# layout x86 uses, as the one CPU of the guest.
out=$(attacker_ssh "$gip" 'cat /proc/cpuinfo')
for marker in 'User Mode Linux' 'UML' 'skas' 'host		:'; do
	echo "$out" | matches -F "$marker" && fail "the guest's /proc/cpuinfo says '$marker': $out"
done
host_model=$(grep -m1 '^model name' /proc/cpuinfo)
echo "$out" | matches -xF "$host_model" || fail "the guest's /proc/cpuinfo lacks the host's '$host_model': $out"
[ "$(echo "$out" | grep -c '^processor')" = 1 ] || fail "the guest shows more than its one processor"
echo "$out" | matches '^flags.* sse2 ' || fail "no x86 flags in the guest's /proc/cpuinfo"
# CPUID in the guest reports the host's hypervisor, if any; the flag agrees.
if grep -qw hypervisor /proc/cpuinfo; then
	echo "$out" | matches -w hypervisor || fail "the host has the hypervisor flag and the guest's /proc/cpuinfo hides it"
else
	echo "$out" | matches -w hypervisor && fail "the guest's /proc/cpuinfo has a hypervisor flag the host lacks"
fi
attacker_ssh "$gip" 'ls /home' | matches -x mhartmann || fail "the default persona's users are not in /home"
attacker_ssh "$gip" 'hostname; cat /etc/timezone' | tr '\n' ' ' | matches -x 'web-prod-02 Europe/Berlin ' ||
	fail "the default persona's hostname and timezone are not the guest's"

# Builds tests/integration/NAME.c static on the host, runs it in the guest
# with ARGS and prints its output; fails the test if it exits non-zero.
run_static_probe() {  # name [args...]
	local name="$1" out
	shift
	gcc -O2 -static -pthread -Wall -Wextra -o "$WORK/$name" "$(dirname "$0")/$name.c" || fail "cannot build $name"
	attacker_ssh "$gip" "cat > /tmp/$name && chmod +x /tmp/$name" < "$WORK/$name"
	out="$(attacker_ssh "$gip" "/tmp/$name $*; rc=\$?; rm -f /tmp/$name; exit \$rc")" || fail "$name in the guest: $out"
	echo "$out"
}
# Each guest thread keeps its own FP/SIMD registers across faults, system
# calls, switches, fork and signal handlers (kernel patch 0022 fetches them
# from the host process only when something needs them).
log "checking that guest threads keep their FP/SIMD state"
out="$(run_static_probe fp_state 2000)"
echo "$out" | matches -E '^fp_state ok: 6000 checks in 3 threads, 8 forks, [1-9][0-9]* signals' ||
	fail "fp_state did not check what it should: $out"
log "$out"
# Page faults behave as on a real kernel where patch 0024 tells their kind
# (read or write) from the VMA instead of from the host.
log "checking that guest page faults behave as a real kernel's"
out="$(run_static_probe page_faults)"
echo "$out" | matches -x 'page_faults ok: 47 checks' || fail "page_faults did not check what it should: $out"
log "$out"
# Signal frames hold the whole XSAVE state as x86's do, and processes learn
# their size (kernel patches 0044, 0045). 19 checks with AVX-512, 9 without.
log "checking that guest signal frames hold what an x86-64 kernel's do"
out="$(run_static_probe signal_frame)"
echo "$out" | matches -E '^signal_frame ok: (19 checks \(AVX-512\)|9 checks)$' ||
	fail "signal_frame did not check what it should: $out"
log "$out"

# A guest process's host process holds the stub and the guest's own pages,
# nothing of the UML process it was cloned from (kernel patch 0039): from
# inside, reading where UML's own host mappings lie (its stack holds its
# command line and environment) must fault. The host's view of the same
# (every guest process's maps) is the containment selftest's
# guest_process_maps, run by containment.sh.
log "checking that guest processes hold nothing of UML's host process"
uml_own=""
while read -r range _ _ _ _ name; do
	start="${range%-*}"
	[ "$name" != "[vsyscall]" ] && ((16#$start >= 16#7fc0002000)) && uml_own+=" $start"
done < "/proc/$pid/maps"
[ -n "$uml_own" ] || fail "UML process $pid has no host mappings above the stub to try"
out="$(run_static_probe host_leftovers $uml_own)"
echo "$out" | matches -E "^host_leftovers ok: $(wc -w <<<"$uml_own") host addresses fault, " ||
	fail "host_leftovers did not check what it should: $out"
log "$out"

log "stopping guest $id"
sensor_oyster guest stop "$id" 2>"$WORK/stop.log" || fail "guest stop failed: $(cat "$WORK/stop.log")"
# The mconsole answered the jailed UML (its reply socket is a path in the
# guest's runtime directory: Landlock keeps UML from abstract ones).
matches -F 'asked for a clean shutdown' <"$WORK/stop.log" && ! matches -F 'mconsole:' <"$WORK/stop.log" ||
	fail "the guest's mconsole did not answer the stop: $(cat "$WORK/stop.log")"
[ "$(jq -r .state "$STATE_DIR/guests/$id/guest.json")" = stopped ] || fail "record not stopped"
ip -n "$NS_SENSOR" link show "oyg$id" >/dev/null 2>&1 && fail "tap oyg$id left behind"
pgrep -f "umid=$id" >/dev/null && fail "UML processes of $id left behind"
for c in memory pids cpu; do [ -d "/sys/fs/cgroup/$c/oyster/$id" ] && fail "cgroup $c/oyster/$id left behind"; done

log "checking base image checksum"
[ "$(sha256sum "$image" | cut -d' ' -f1)" = "$base_sum_before" ] || fail "base image changed"

log "rebooting from the same COW file"
sensor_oyster guest start --cow "$cow" --json > "$WORK/start2.json"
id2="$(jq -r .id "$WORK/start2.json")"
gip2="$(jq -r .guest_ip "$WORK/start2.json")"
[ "$(attacker_ssh "$gip2" 'cat /root/marker')" = oyster-was-here ] || fail "write lost across reboot"
sensor_oyster guest stop "$id2"
[ "$(sha256sum "$image" | cut -d' ' -f1)" = "$base_sum_before" ] || fail "base image changed"
log "PASS"
