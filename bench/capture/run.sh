#!/bin/bash
# Capture benchmark (issue 3). Prints, in one invocation:
#   - overhead: the same guest workloads with capture on and off (two guests
#     booted from the same image, one without a capture descriptor), ratio
#     (the last one removes files it wrote: each is kept before its unlink);
#   - flood: MIB MiB of random data printed through an SSH pty: bytes the
#     client received vs bytes captured as terminal output (0 lost), and the
#     host CPU the decoder used for the whole capture.
# The overhead is measured on the kernel `oyster setup` built ("new") and,
# beside it in the same run, on the baseline ("old": the patch series below
# BASELINE, built by kernel/build.sh --before; "none" skips it), so a patch
# to the system-call path shows what it does to the capture's cost too.
# Usage: bench/capture/run.sh OYSTER_BINARY [LOOPS] [FLOOD_MIB] [BASELINE]
set -euo pipefail
OYSTER="$(realpath "${1:?usage: bench/capture/run.sh OYSTER_BINARY [LOOPS] [FLOOD_MIB] [BASELINE]}")"
LOOPS="${2:-500}"
FLOOD_MIB="${3:-100}"
BASELINE="${4:-0021}"
# The flood measures the capture, not data control: lift the cap on what a
# guest sends (256 KiB/s by default), which the flood would otherwise meet.
EXTRA_CONFIG="[data_control]
bandwidth_kib_per_second = 10000000"
source "$(dirname "$0")/../../tests/integration/lib.sh"
source "$(dirname "$0")/../lib.sh"
world_up
declare -A KERNEL
choose_kernels "$BASELINE"

# Workloads, each printing its wall time in ms.
forkexec='s=$(date +%s%N); i=0; while [ $i -lt '"$LOOPS"' ]; do /bin/true; i=$((i+1)); done; echo $(( ($(date +%s%N)-s)/1000000 ))'
# The untar's preparation is not timed: its rm -rf of the last run's tree
# keeps what it removes (patch 0017), some 130 MB the host then writes back.
untar_prep='tar -C /usr -cf /tmp/usr.tar lib/x86_64-linux-gnu share/doc 2>/dev/null; rm -rf /tmp/x; mkdir /tmp/x; sync'
untar='s=$(date +%s%N); tar -C /tmp/x -xf /tmp/usr.tar; sync; echo $(( ($(date +%s%N)-s)/1000000 ))'
shells='s=$(date +%s%N); for i in $(seq 50); do sh -c "ls /usr/bin | sort | uniq | wc -l" >/dev/null; done; echo $(( ($(date +%s%N)-s)/1000000 ))'
# The kept-content path's worst case (patch 0017): every unlink removes a
# file written since the image, so each one sends its 4 KiB first.
written='s=$(date +%s%N); perl -e '"'"'for $i (1..2000) { open F, ">/tmp/k$i" or die; print F "x" x 4096; close F; unlink "/tmp/k$i" }'"'"'; echo $(( ($(date +%s%N)-s)/1000000 ))'

# Best of 5 per workload and guest, on and off interleaved run by run so
# that drift (page cache, host load) does not favour either side. Each timed
# run starts with the host's dirty pages written back: the capture-on
# guest's earlier runs leave capture data the host writes back within 30 s,
# and that writeback landing in a later timed run (in its guest's sync, say)
# was charged to whichever workload it hit: the untar's 5-10 % "overhead"
# up to 2026-12-05 was its untimed preparation's kept files.
timed_run() {  # ip workload [prep] -> ms
	[ -z "${3:-}" ] || attacker_ssh "$1" "$3" >/dev/null
	sync
	attacker_ssh "$1" "$2"
}
best_of() {  # on-ip off-ip workload [prep] -> "on off" in ms
	local on=999999999 off=999999999 t
	timed_run "$1" "$3" "${4:-}" >/dev/null
	timed_run "$2" "$3" "${4:-}" >/dev/null
	for _ in 1 2 3 4 5; do
		t="$(timed_run "$1" "$3" "${4:-}")"
		[ "$t" -lt "$on" ] && on="$t"
		t="$(timed_run "$2" "$3" "${4:-}")"
		[ "$t" -lt "$off" ] && off="$t"
	done
	echo "$on $off"
}

for k in "${kinds[@]}"; do
	echo "== overhead, $k kernel (${KERNEL[$k]}): capture on vs off (best of 5, interleaved, ms)"
	use_kernel "${KERNEL[$k]}"
	sensor_oyster guest start --json > "$WORK/on.json" 2>/dev/null
	sed -i 's/^\[network\]/[capture]\nenabled = false\n[network]/' "$CONFIG"
	sensor_oyster guest start --json > "$WORK/off.json" 2>/dev/null
	sed -i '/^\[capture\]$/,+1d' "$CONFIG"
	on_ip="$(jq -r .guest_ip "$WORK/on.json")"
	off_ip="$(jq -r .guest_ip "$WORK/off.json")"
	read -r on_fe off_fe < <(best_of "$on_ip" "$off_ip" "$forkexec")
	read -r on_tar off_tar < <(best_of "$on_ip" "$off_ip" "$untar" "$untar_prep")
	read -r on_sh off_sh < <(best_of "$on_ip" "$off_ip" "$shells")
	read -r on_wr off_wr < <(best_of "$on_ip" "$off_ip" "$written")
	printf '   %-28s %8s %8s %8s\n' workload on off on/off
	printf '   %-28s %8d %8d %8s\n' "fork+exec /bin/true x$LOOPS" "$on_fe" "$off_fe" "$(ratio "$on_fe" "$off_fe" 3)"
	printf '   %-28s %8d %8d %8s\n' "untar (usr libs + docs)" "$on_tar" "$off_tar" "$(ratio "$on_tar" "$off_tar" 3)"
	printf '   %-28s %8d %8d %8s\n' "50 shell pipelines" "$on_sh" "$off_sh" "$(ratio "$on_sh" "$off_sh" 3)"
	printf '   %-28s %8d %8d %8s\n' "write+unlink 2000 x 4 KiB" "$on_wr" "$off_wr" "$(ratio "$on_wr" "$off_wr" 3)"
	sensor_oyster guest stop "$(jq -r .id "$WORK/off.json")" >/dev/null 2>&1
	# The flood below runs in the new kernel's capture-on guest.
	[ "$k" = new ] || sensor_oyster guest stop "$(jq -r .id "$WORK/on.json")" >/dev/null 2>&1
done

echo "== flood: $FLOOD_MIB MiB of random data through an SSH pty"
gip="$(jq -r .guest_ip "$WORK/on.json")"
id="$(jq -r .id "$WORK/on.json")"
flood_marker="flood-$RANDOM"
start=$(date +%s%N)
printf 'echo %s; head -c %dM /dev/urandom; echo; echo %s-end; exit\n' "$flood_marker" "$FLOOD_MIB" "$flood_marker" |
	ip netns exec "$NS_ATTACKER" sshpass -p "$ROOT_PASSWORD" ssh -tt -q -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o PubkeyAuthentication=no "root@$gip" > "$WORK/flood.out" 2>/dev/null || true
secs="$(awk -v s="$start" -v e="$(date +%s%N)" 'BEGIN {printf "%.1f", (e - s) / 1e9}')"
received="$(stat -c %s "$WORK/flood.out")"
sensor_oyster guest stop "$id" >/dev/null 2>&1
cap="$STATE_DIR/guests/$id"
rm -rf "$WORK/decoded"
/usr/bin/time -f '%U %S %e' -o "$WORK/time" "$OYSTER" capture decode "$cap/capture.bin" "$WORK/decoded" >/dev/null
read -r du ds de < "$WORK/time"
# The flood session is the pts session whose ttylog holds the marker.
ttylog="$(grep -l "$flood_marker-end" "$WORK"/decoded/tty/pts-*.ttylog | head -1)"
captured_out="$(python3 -c '
import struct, sys
data = open(sys.argv[1], "rb").read(); i = 0; out = 0
while i + 24 <= len(data):
    op, tty, n, d, s, us = struct.unpack("<iLiiLL", data[i:i+24]); i += 24 + n
    if op == 3 and d == 2: out += n
print(out)' "$ttylog")"
echo "   transfer: $secs s; client received $received bytes; captured output $captured_out bytes; lost $((received - captured_out))"
echo "   capture file: $(stat -c %s "$cap/capture.bin") bytes; decoder CPU: user ${du}s sys ${ds}s (wall ${de}s)"
