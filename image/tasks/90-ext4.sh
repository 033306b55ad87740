# The ext4 image, filled from the rootfs directory without mounting anything
# (mke2fs -d), so no loop device is needed.
command -v mkfs.ext4 >/dev/null || apt-get install -y -q e2fsprogs
used_mib=$(( $(du -sm "$OYSTER_IMAGE_ROOTFS" | cut -f1) ))
if [ "$OYSTER_IMAGE_SIZE_MIB" -lt $((used_mib * 3 / 2)) ]; then
	echo "image size ${OYSTER_IMAGE_SIZE_MIB} MiB is too small for ${used_mib} MiB of files" >&2
	exit 1
fi
rm -f "$OYSTER_IMAGE_FILE"
truncate -s "${OYSTER_IMAGE_SIZE_MIB}M" "$OYSTER_IMAGE_FILE"
mkfs.ext4 -q -F -L root -d "$OYSTER_IMAGE_ROOTFS" "$OYSTER_IMAGE_FILE"
