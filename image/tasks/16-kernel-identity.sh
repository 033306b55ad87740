# The kernel the guest is shown: the Debian kernel package the persona
# installs (task 15), so uname, /proc/version and /proc/cmdline (kernel patch
# 0007) agree with /boot, /lib/modules and dpkg. Its release is the vmlinuz's
# name; its version is in the bzImage setup header, which at 0x20e holds the
# offset (from 0x200) of the string "<release> (<builder>) <version>".
# Also chooses the root filesystem's UUID (fstab, mkfs, the boot command line).
r="$OYSTER_IMAGE_ROOTFS"
shopt -s nullglob
images=("$r"/boot/vmlinuz-*)
if [ ${#images[@]} != 1 ]; then
	echo "the persona must install exactly one Debian kernel image (add linux-image-amd64 to its packages); /boot has ${#images[@]}" >&2
	exit 1
fi
vmlinuz="${images[0]}"
release="${vmlinuz##*/vmlinuz-}"
[ -d "$r/lib/modules/$release" ] || { echo "no /lib/modules/$release for $vmlinuz" >&2; exit 1; }
[ "$(dd if="$vmlinuz" bs=1 skip=$((0x202)) count=4 status=none)" = HdrS ] || { echo "$vmlinuz is not a bzImage" >&2; exit 1; }
offset=$(od -An -tu2 -j $((0x20e)) -N2 "$vmlinuz" | tr -d ' ')
banner="$(dd if="$vmlinuz" bs=1 skip=$((0x200 + offset)) count=256 status=none | tr '\0' '\n' | head -n 1)"
case "$banner" in
"$release ("*") #"*) version="#${banner#*) #}" ;;
*) echo "$vmlinuz: unexpected version string '$banner'" >&2; exit 1 ;;
esac
uuid="$(cat /proc/sys/kernel/random/uuid)"
jq -n --arg r "$release" --arg v "$version" --arg u "$uuid" \
	'{kernel_release: $r, kernel_version: $v, root_uuid: $u}' > "$OYSTER_IMAGE_IDENTITY"
cat "$OYSTER_IMAGE_IDENTITY"
