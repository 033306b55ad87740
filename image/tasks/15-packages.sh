# The persona's packages (nginx, telnetd, ...) with their dependencies, by
# apt inside the rootfs: debootstrap's --include cannot configure packages
# whose scripts need others (openbsd-inetd needs update-inetd). Downloads go
# to the shared .deb cache. Services are not started in the build.
r="$OYSTER_IMAGE_ROOTFS"
read -r -a pkgs < <(jq -r '.persona.packages | join(" ")' "$OYSTER_IMAGE_SPEC")
[ ${#pkgs[@]} -gt 0 ] || { echo "persona lists no extra packages"; exit 0; }
printf '#!/bin/sh\nexit 101\n' > "$r/usr/sbin/policy-rc.d"
chmod 755 "$r/usr/sbin/policy-rc.d"
mount -t proc proc "$r/proc"
mkdir -p "$OYSTER_DEB_CACHE/partial"
mount --bind "$OYSTER_DEB_CACHE" "$r/var/cache/apt/archives"
done_() {
	umount "$r/var/cache/apt/archives" 2>/dev/null || true
	umount "$r/proc" 2>/dev/null || true
	rm -f "$r/usr/sbin/policy-rc.d"
}
trap done_ EXIT
chroot "$r" apt-get update -q
chroot "$r" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}"
echo "installed: ${pkgs[*]}"

# Debian's telnetd adds its inetd line switched off ("#<off>#") and behind
# tcpd, which --no-install-recommends leaves out: inetd would listen on
# nothing. A persona that installs telnetd is one whose telnet is on (the
# port Mirai-family bots come to), so it is switched on, without tcpd.
if [ -x "$r/usr/sbin/telnetd" ] && [ -f "$r/etc/inetd.conf" ]; then
	sed -i -E 's|^#<off># telnet([[:space:]]+stream[[:space:]]+tcp[[:space:]]+nowait[[:space:]]+root)[[:space:]]+/usr/sbin/tcpd[[:space:]]+/usr/sbin/telnetd$|telnet\1\t/usr/sbin/telnetd\ttelnetd|' \
		"$r/etc/inetd.conf"
	grep -Eq '^telnet[[:space:]].*/usr/sbin/telnetd' "$r/etc/inetd.conf" || {
		echo "telnetd is installed but its inetd line was not found to switch on" >&2
		exit 1
	}
	echo "telnet switched on in inetd"
fi
