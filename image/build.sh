#!/bin/bash
# Builds the Oyster guest image: runs image/tasks/NN-*.sh in numeric order
# (the seed's installer: to add or drop a step, add or drop a file) and caches
# the finished ext4 image by a hash of the tasks and their inputs.
#
# Usage: image/build.sh --spec FILE --honeylog-key HEX16 [--cache-dir DIR]
#                       [--size MIB] [--force]
# The spec (JSON, written by `oyster setup`) holds the persona, the login
# policy, root's password and the history's anchor; tasks read it with jq.
# OYSTER_EXE names the oyster binary task 85 runs (setup sets it).
# Prints the path of the finished image as the last line on stdout; progress
# goes to stderr. Needs root (debootstrap). Called by `oyster setup`.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_dir="${OYSTER_CACHE_DIR:-/var/cache/oyster}"
spec=""
honeylog_key="${OYSTER_HONEYLOG_KEY:-}"
size_mib=2048
force=0

usage() { sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
while [ $# -gt 0 ]; do
	case "$1" in
	--cache-dir) cache_dir="$2"; shift 2 ;;
	--spec) spec="$2"; shift 2 ;;
	--honeylog-key) honeylog_key="$2"; shift 2 ;;
	--size) size_mib="$2"; shift 2 ;;
	--force) force=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "image/build.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
[ -n "$honeylog_key" ] || { echo "image/build.sh: --honeylog-key is required (oyster setup passes it)" >&2; exit 2; }
[ -n "$spec" ] || { echo "image/build.sh: --spec is required (oyster setup writes it)" >&2; exit 2; }
jq -e '.persona.hostname and .login.root_password' "$spec" >/dev/null ||
	{ echo "image/build.sh: $spec is not an image spec (persona, login)" >&2; exit 2; }
case "$size_mib" in ''|*[!0-9]*) echo "image/build.sh: --size must be a number of MiB, got '$size_mib'" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "image/build.sh: must run as root (debootstrap needs it)" >&2; exit 1; }

shopt -s nullglob
tasks=("$here"/tasks/[0-9][0-9]-*.sh)
key="$( { echo "size=$size_mib"; printf 'key=%s\n' "$honeylog_key"; jq -S . "$spec";
	cat "$here"/../guest/*.c "$here"/../guest/*.h "$here"/../guest/Makefile "$here"/../src/oyster/capture/wire/*.h \
		"$here"/../src/oyster/capture/login_report.h "$here"/../src/oyster/disguise/*.h \
		"$here"/../src/oyster/disguise/*.cpp "$here"/../src/oyster/cli/cmd_lived_in.cpp; cat "$here/build.sh";
	for t in "${tasks[@]}"; do basename "$t"; cat "$t"; done;
	if [ -d "$here/files" ]; then find "$here/files" -type f -print0 | sort -z | xargs -0 -r cat; fi; } |
	sha256sum | cut -c1-16)"
out_dir="$cache_dir/image/$key"

work="$cache_dir/build/image-$key"
# One build at a time per cache: a second `oyster setup` started meanwhile
# would remove the first one's tree while its chroot holds mounts in it.
# The cache is looked at under the lock: the build waited for may be this one.
mkdir -p "$cache_dir/build"
exec 9>"$cache_dir/build/image.lock"
if ! flock -n 9; then
	echo "[image] waiting for another image build in $cache_dir" >&2
	flock 9
fi
if [ "$force" = 0 ] && [ -f "$out_dir/disk.img" ] && [ -f "$out_dir/disk.img.sha256" ] &&
	[ -f "$out_dir/identity.json" ]; then
	printf '[image] cached: %s\n' "$out_dir" >&2
	echo "$out_dir/disk.img"
	exit 0
fi

# A failed chroot step, or a build killed before its trap ran, may leave
# mounts under the tree (/proc, the bind-mounted package cache): unmount
# them first, deepest first, and never let rm cross into one.
cleanup() {
	awk -v w="$work/" 'index($2, w) == 1 { print $2 }' /proc/self/mounts | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
	rm -rf --one-file-system "$work"
}
cleanup
mkdir -p "$work"
trap cleanup EXIT

# The contract between the runner and its tasks.
export OYSTER_IMAGE_ROOTFS="$work/rootfs"
export OYSTER_IMAGE_FILE="$work/disk.img"
export OYSTER_IMAGE_SIZE_MIB="$size_mib"
export OYSTER_IMAGE_FILES="$here/files"
# The guest's kernel identity and root UUID (tasks 16, 40 and 90; read by
# `oyster setup`, see src/oyster/sandbox/guest_identity.h).
export OYSTER_IMAGE_IDENTITY="$work/identity.json"
cp "$spec" "$work/spec.json"
export OYSTER_IMAGE_SPEC="$work/spec.json"
export OYSTER_HONEYLOG_KEY="$honeylog_key"
# Task 85 dates what the build made (files from this moment on) and lists
# the change times task 90 writes into the filesystem.
export OYSTER_IMAGE_BUILD_STARTED="$(date +%s)"
export OYSTER_IMAGE_CHANGE_TIMES="$work/change-times"
export OYSTER_SOURCE_DIR="$(cd "$here/.." && pwd)"
export OYSTER_DEB_CACHE="$cache_dir/debs"
export DEBIAN_FRONTEND=noninteractive
mkdir -p "$OYSTER_IMAGE_ROOTFS" "$OYSTER_DEB_CACHE"

i=0
for t in "${tasks[@]}"; do
	i=$((i + 1))
	printf '[image] %d/%d %s\n' "$i" "${#tasks[@]}" "$(basename "$t" .sh)" >&2
	start=$SECONDS
	if ! bash -euo pipefail "$t" >&2; then
		printf '[image] task %s failed\n' "$(basename "$t")" >&2
		exit 1
	fi
	printf '[image]     %ds\n' $((SECONDS - start)) >&2
done

tmp_out="$cache_dir/image/.tmp-$key-$$"
rm -rf "$tmp_out"
mkdir -p "$tmp_out"
mv "$OYSTER_IMAGE_FILE" "$tmp_out/disk.img"
mv "$OYSTER_IMAGE_FILE.sha256" "$tmp_out/disk.img.sha256"
# When the build began: the stealth selftest looks for files dated between
# then and the image's own time (lived_in_times), a window nothing of the
# machine's past may fall in.
jq --argjson t "$OYSTER_IMAGE_BUILD_STARTED" '. + {build_started: $t}' "$OYSTER_IMAGE_IDENTITY" \
	> "$tmp_out/identity.json"
rm -f "$OYSTER_IMAGE_IDENTITY"
# Guests only read the base image; make that true for the file too.
chmod 444 "$tmp_out/disk.img"
rm -rf "$out_dir"
mv "$tmp_out" "$out_dir"
printf '[image] done: %s\n' "$out_dir/disk.img" >&2
echo "$out_dir/disk.img"
