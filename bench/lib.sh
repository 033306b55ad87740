# Shared by the benches that boot guests and time them from inside (boot,
# capture, placement, syscall_path). Source after tests/integration/lib.sh and
# world_up: they use its world ($WORK, $STATE_DIR, sensor_oyster,
# attacker_ssh).

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# The static probe (bench/placement/probe.c) as $WORK/probe: getppid() µs
# and fork+exec ms, each a median of batches.
build_probe() {
	gcc -O2 -static -Wall -Wextra -o "$WORK/probe" "$BENCH_DIR/placement/probe.c"
}
copy_probe_to() {  # guest-ip
	attacker_ssh "$1" 'cat > /tmp/probe && chmod +x /tmp/probe' < "$WORK/probe"
}
field() {  # name probe-output -> the number after name=
	sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"
}
median() {  # numbers on stdin, one per line
	sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'
}
ratio() {  # a b [places] -> a/b, to 2 places unless told
	awk -v a="$1" -v b="$2" -v p="${3:-2}" 'BEGIN {printf "%.*f", p, a / (b > 0 ? b : 1)}'
}

# Median of 5 SYN -> SSH banner times to an idle guest, ms, from the
# attacker's namespace; a second apart so the host's CPUs go idle between
# visitors, as they do between an idle guest's real ones.
banner_ms() {  # guest-ip
	ip netns exec "$NS_ATTACKER" python3 - "$1" <<'PY'
import socket, statistics, sys, time
times = []
for _ in range(5):
    time.sleep(1)
    t = time.monotonic()
    s = socket.create_connection((sys.argv[1], 22), timeout=10)
    s.recv(64)
    times.append((time.monotonic() - t) * 1000)
    s.close()
print(f"{statistics.median(times):.0f}")
PY
}

# The guest kernel of the guests started from now on: the platform record
# `oyster setup` wrote names it, and a guest reads it when it starts.
current_kernel() { jq -r .kernel "$STATE_DIR/platform.json"; }
use_kernel() {  # path
	jq --arg k "$1" '.kernel = $k' "$STATE_DIR/platform.json" > "$WORK/platform.json"
	mv "$WORK/platform.json" "$STATE_DIR/platform.json"
}
# Builds (or finds cached) the kernel of the patch series below NNNN, the
# kernel a change is measured against in the same run; echoes its path.
baseline_kernel() {  # NNNN
	"$BENCH_DIR/../kernel/build.sh" --before "$1" | tail -n 1
}
# The kernels a bench measures side by side, into the caller's associative
# array KERNEL and array kinds: "new", the kernel `oyster setup` built,
# and unless BASELINE is "none", "old" (measured first), the series below
# that patch.
choose_kernels() {  # BASELINE
	KERNEL[new]="$(current_kernel)"
	kinds=(new)
	if [ "$1" != none ]; then
		echo "== building the baseline kernel (patches below $1; cached after the first run)"
		KERNEL[old]="$(baseline_kernel "$1" 2>"$WORK/kernel.log")" || { cat "$WORK/kernel.log" >&2; exit 1; }
		kinds=(old new)
	fi
	for k in "${kinds[@]}"; do echo "   $k: ${KERNEL[$k]}"; done
}
