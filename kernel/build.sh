#!/bin/bash
# Builds the Oyster UML guest kernel from Debian's linux-source-6.12 with our
# patch series and config fragment, cached by content hash.
#
# Usage: kernel/build.sh [--cache-dir DIR] [--force] [--before NNNN]
# Prints the path of the built kernel binary as the last line on stdout;
# progress goes to stderr. Called by `oyster setup` and the Makefile.
# --before NNNN applies only the patches numbered below NNNN: the benches
# build the series as it was before a change, to measure both in one run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_dir="${OYSTER_CACHE_DIR:-/var/cache/oyster}"
force=0
before=""
source_pkg=linux-source-6.12

usage() { sed -n '2,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
while [ $# -gt 0 ]; do
	case "$1" in
	--cache-dir) cache_dir="$2"; shift 2 ;;
	--force) force=1; shift ;;
	--before)
		[[ "${2:-}" =~ ^[0-9]{4}$ ]] || { echo "kernel/build.sh: --before takes a patch number, e.g. 0021" >&2; exit 2; }
		before="$2"; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "kernel/build.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done

step() { printf '[kernel] %s\n' "$*" >&2; }

ensure_packages() {
	local missing=()
	for p in "$source_pkg" build-essential bc flex bison xz-utils; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		step "installing ${missing[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2 ||
			{ apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2; }
	fi
}

ensure_packages
version="$(dpkg-query -W -f='${Version}' "$source_pkg")"
shopt -s nullglob
patches=()
for p in "$here"/patches/[0-9][0-9][0-9][0-9]-*.patch; do
	n="$(basename "$p")"
	[ -z "$before" ] || [ "${n:0:4}" \< "$before" ] || continue
	patches+=("$p")
done
shared_headers=("$here"/../src/oyster/capture/wire/*.h)
key="$( { echo "$source_pkg $version"; cat "$here/oyster.config" "$here/build.sh"; \
	for f in "${patches[@]}" "${shared_headers[@]}"; do basename "$f"; cat "$f"; done; } |
	sha256sum | cut -c1-16)"
out_dir="$cache_dir/kernel/$key"

if [ "$force" = 0 ] && [ -x "$out_dir/linux" ]; then
	step "cached: $out_dir (source $version)"
	echo "$out_dir/linux"
	exit 0
fi

work="$cache_dir/build/kernel-$key"
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

step "1/5 unpacking $source_pkg $version"
tar -C "$work" -xf "/usr/src/$source_pkg.tar.xz"
src="$work/$source_pkg"

step "2/5 applying ${#patches[@]} patch(es)"
for p in "${patches[@]}"; do
	step "    $(basename "$p")"
	patch -d "$src" -p1 --forward --quiet < "$p"
done
for h in "${shared_headers[@]}"; do
	# The capture wire format is one header shared with the host decoder.
	install -D -m 644 "$h" "$src/arch/um/include/shared/oyster/$(basename "$h")"
done

# The build's identity shows in the guest's /proc/version and dmesg, next
# to the release and version the persona gives (patch 0007): make it the one
# Debian's own kernel builds carry ("debian-kernel@lists.debian.org",
# "gcc-12 (Debian ...)").
export KBUILD_BUILD_USER=debian-kernel KBUILD_BUILD_HOST=lists.debian.org
kmake() { make -C "$src" ARCH=um CC=gcc-12 "$@"; }

step "3/5 configuring (defconfig + kernel/oyster.config)"
kmake -s defconfig >&2
(cd "$src" && ARCH=um scripts/kconfig/merge_config.sh -m .config "$here/oyster.config" >/dev/null)
kmake -s olddefconfig >&2
# merge_config only warns when Kconfig overrides a request: make it fatal.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) want="$line"; sym="${line%%=*}" ;;
	"# CONFIG_"*" is not set") sym="${line#\# }"; sym="${sym%% *}"; want="" ;;
	*) continue ;;
	esac
	got="$(grep -E "^$sym=" "$src/.config" || true)"
	if [ "$got" != "$want" ]; then
		echo "kernel/oyster.config: $sym: asked '${want:-not set}', Kconfig gave '${got:-not set}'" >&2
		bad=1
	fi
done < "$here/oyster.config"
[ "$bad" = 0 ] || exit 1

jobs="$(nproc)"
step "4/5 compiling with $jobs jobs (about 4 minutes on 2 cores)"
n=0
kmake -j"$jobs" linux 2>&1 | while IFS= read -r line; do
	case "$line" in
	*" CC "*|*" AS "*|*" LD "*|*" AR "*)
		n=$((n + 1))
		[ $((n % 250)) = 0 ] && step "    $n objects built" ;;
	*error*|*Error*|*warning:*) printf '%s\n' "$line" >&2 ;;
	esac
done
[ "${PIPESTATUS[0]}" = 0 ] || { step "compile failed"; exit 1; }

# Patch 0023 lets the syscall stub run in a guest's host process without
# fetching the guest's FP state first: that holds only while the stub's code
# has no FP or SIMD instruction (UML builds with -mno-sse and the like).
if objdump -d --no-show-raw-insn -j .syscall_stub "$src/linux" |
	awk -F'\t' 'NF >= 2 && ($2 ~ /^f/ || $2 ~ /%([xyz]?mm[0-9]|st)/) {print; bad = 1} END {exit !bad}' >&2; then
	step "the syscall stub above uses FP or SIMD registers, which patch 0023 relies on it not to"
	exit 1
fi

step "5/5 installing into $out_dir"
tmp_out="$cache_dir/kernel/.tmp-$key-$$"
rm -rf "$tmp_out"
mkdir -p "$tmp_out"
install -m 755 "$src/linux" "$tmp_out/linux"
strip --strip-debug "$tmp_out/linux"
cp "$src/.config" "$tmp_out/kernel.config"
echo "$source_pkg $version" > "$tmp_out/source-version"
rm -rf "$out_dir"
mv "$tmp_out" "$out_dir"
step "done: $out_dir/linux"
echo "$out_dir/linux"
