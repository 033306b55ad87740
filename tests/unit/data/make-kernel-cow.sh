#!/bin/bash
# Regenerates kernel-made-1MiB.cow.head: the header and bitmap of a COW file
# created by the real guest kernel (not by Oyster's writer) over a 1 MiB
# backing file, so the unit tests check our reader and writer against it.
# Usage (root, after `oyster setup`): tests/unit/data/make-kernel-cow.sh KERNEL IMAGE
set -euo pipefail
kernel="$1" image="$2"
dir=/tmp/oyster-cow-fixture
rm -rf "$dir"
mkdir -p "$dir"
truncate -s 1M "$dir/backing.img"
cp --sparse=always "$image" "$dir/root.img"
# The guest panics as soon as init exits; by then the kernel has opened ubd1
# and written its COW file.
timeout 60 "$kernel" mem=128M ubd0="$dir/root.img" ubd1="$dir/backing.cow,$dir/backing.img" \
	root=/dev/vda1 ro init=/bin/true umid=cowfixture uml_dir="$dir" con=null ssl=null >/dev/null 2>&1 || true
head -c 8192 "$dir/backing.cow" > "$(dirname "$0")/kernel-made-1MiB.cow.head"
rm -rf "$dir"
echo "wrote $(dirname "$0")/kernel-made-1MiB.cow.head"
