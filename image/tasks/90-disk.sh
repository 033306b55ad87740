# The guest's disk, laid out as a Debian install's: an MBR partition table
# and the root filesystem in partition 1 from 1 MiB (the guest sees vda and
# vda1, kernel patch 0008). The ext4 filesystem is filled from the rootfs
# directory without mounting anything (mke2fs -d), then copied into place;
# no loop device is needed.
command -v mkfs.ext4 >/dev/null || apt-get install -y -q e2fsprogs
command -v sfdisk >/dev/null || apt-get install -y -q fdisk
used_mib=$(( $(du -sm "$OYSTER_IMAGE_ROOTFS" | cut -f1) ))
if [ "$OYSTER_IMAGE_SIZE_MIB" -lt $((used_mib * 3 / 2)) ]; then
	echo "image size ${OYSTER_IMAGE_SIZE_MIB} MiB is too small for ${used_mib} MiB of files" >&2
	exit 1
fi
uuid="$(jq -r .root_uuid "$OYSTER_IMAGE_IDENTITY")"
fs="$OYSTER_IMAGE_FILE.part1"
rm -f "$OYSTER_IMAGE_FILE" "$fs"
truncate -s "$((OYSTER_IMAGE_SIZE_MIB - 1))M" "$fs"
# Created, as far as the filesystem tells (tune2fs -l, every inode's birth
# time), when the machine was installed (task 85), and each file's change
# and birth time as its history has it: user space cannot set those, so
# debugfs writes them into the new filesystem. Access times too: the
# build read every file, and mke2fs copies the access times it left.
installed=""
if [ -f "${OYSTER_IMAGE_CHANGE_TIMES:-}" ]; then
	installed=$(awk 'NR == 1 && $1 == "installed" { print $2 }' "$OYSTER_IMAGE_CHANGE_TIMES")
fi
env ${installed:+E2FSPROGS_FAKE_TIME="$installed"} mkfs.ext4 -q -F -U "$uuid" -d "$OYSTER_IMAGE_ROOTFS" "$fs"
if [ -n "$installed" ]; then
	awk 'NR > 1 { p = substr($0, length($1) + length($2) + 3)
		printf "sif \"%s\" ctime @%s\nsif \"%s\" crtime @%s\nsif \"%s\" atime @%s\n", p, $1, p, $2, p, $1 }' "$OYSTER_IMAGE_CHANGE_TIMES" |
		debugfs -w -f - "$fs" >/dev/null 2>"$fs.debugfs-errors"
	# debugfs reports a failed command on stderr but exits 0.
	if grep -v '^debugfs ' "$fs.debugfs-errors" | grep -q .; then
		echo "setting change times failed:" >&2
		grep -v '^debugfs ' "$fs.debugfs-errors" | head -5 >&2
		exit 1
	fi
	rm -f "$fs.debugfs-errors"
	echo "change and birth times of $(($(wc -l <"$OYSTER_IMAGE_CHANGE_TIMES") - 1)) files set; created $(date -u -d "@$installed" +%F)"
fi
truncate -s "${OYSTER_IMAGE_SIZE_MIB}M" "$OYSTER_IMAGE_FILE"
printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$OYSTER_IMAGE_FILE"
dd if="$fs" of="$OYSTER_IMAGE_FILE" bs=1M seek=1 conv=notrunc,sparse status=none
rm -f "$fs"
sfdisk -l "$OYSTER_IMAGE_FILE"
