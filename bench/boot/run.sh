#!/bin/bash
# Boot benchmark (issue 2). Prints, in one invocation:
#   - UML start -> SSH banner: each of N cold boots (fresh COW file) and the median
#   - fork+exec of /bin/true x LOOPS inside a guest vs on the host, and the ratio
# Runs in its own network namespaces on documentation addresses, like the
# integration tests, and removes everything it made.
# Usage: bench/boot/run.sh OYSTER_BINARY [BOOTS] [LOOPS]
set -euo pipefail
OYSTER="$(realpath "${1:?usage: bench/boot/run.sh OYSTER_BINARY [BOOTS] [LOOPS]}")"
BOOTS="${2:-5}"
LOOPS="${3:-500}"
source "$(dirname "$0")/../../tests/integration/lib.sh"
world_up

echo "== boot: UML start -> SSH banner, $BOOTS cold boots (fresh COW each)"
times=()
for i in $(seq "$BOOTS"); do
	sensor_oyster guest start --json > "$WORK/g.json" 2>/dev/null
	ms="$(jq -r .boot_ms "$WORK/g.json")"
	times+=("$ms")
	printf '   boot %d: %d ms\n' "$i" "$ms"
	if [ "$i" -lt "$BOOTS" ]; then sensor_oyster guest stop "$(jq -r .id "$WORK/g.json")" 2>/dev/null; fi
done
median="$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')"
echo "   median: $median ms"

echo "== fork+exec: /bin/true x $LOOPS"
loop='s=$(date +%s%N); i=0; while [ $i -lt '"$LOOPS"' ]; do /bin/true; i=$((i+1)); done; e=$(date +%s%N); echo $(( (e-s)/1000000 ))'
gip="$(jq -r .guest_ip "$WORK/g.json")"
attacker_ssh "$gip" "$loop" >/dev/null  # warm the guest's page cache
guest_ms="$(attacker_ssh "$gip" "$loop")"
host_ms="$(bash -c "$loop")"
echo "   guest: $guest_ms ms   host: $host_ms ms   ratio guest/host: $(awk -v g="$guest_ms" -v h="$host_ms" 'BEGIN {printf "%.1f", g / (h > 0 ? h : 1)}')x"
echo "   per exec: guest $(awk -v g="$guest_ms" -v n="$LOOPS" 'BEGIN {printf "%.2f", g / n}') ms, host $(awk -v h="$host_ms" -v n="$LOOPS" 'BEGIN {printf "%.3f", h / n}') ms"
sensor_oyster guest stop "$(jq -r .id "$WORK/g.json")" 2>/dev/null
