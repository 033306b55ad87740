# The persona (docs/personas.md): timezone, MOTD, users with their groups,
# home directories and shell history, and the persona's files. Hostname and
# domain are 20-network.sh's, packages 10-debootstrap.sh's. The spec was
# checked by `oyster setup`; what only the rootfs can tell (does the zone
# exist) is checked here.
r="$OYSTER_IMAGE_ROOTFS"
spec="$OYSTER_IMAGE_SPEC"
q() { jq -r "$@" "$spec"; }

tz=$(q .persona.timezone)
[ -e "$r/usr/share/zoneinfo/$tz" ] || { echo "persona: timezone '$tz' does not exist in the guest's tzdata" >&2; exit 1; }
ln -sfn "/usr/share/zoneinfo/$tz" "$r/etc/localtime"
echo "$tz" > "$r/etc/timezone"

if [ "$(q '.persona.motd | length')" -gt 0 ]; then
	jq -j .persona.motd "$spec" > "$r/etc/motd"
fi

# A login shell the rootfs lacks may be a BusyBox applet (an embedded
# device's /bin/ash): then it is a link to BusyBox, as on such a device.
# Every login shell is in /etc/shells, or login and sshd refuse it.
login_shell() {
	local sh=$1 applet
	# Inside the rootfs: its links are absolute (/bin/busybox), and from
	# here they would resolve on the build host.
	if ! chroot "$r" test -e "$sh"; then
		applet=$(basename "$sh")
		# grep reads the whole list: with -q it would stop at the match, and
		# BusyBox writing the rest would die of SIGPIPE (pipefail: a failure).
		if [ -x "$r/bin/busybox" ] && chroot "$r" /bin/busybox --list | grep -x -- "$applet" >/dev/null; then
			mkdir -p "$r$(dirname "$sh")"
			ln -s /bin/busybox "$r$sh"
		else
			echo "persona: login shell $sh is not in the guest (nor a BusyBox applet; is busybox in packages?)" >&2
			exit 1
		fi
	fi
	grep -qxF -- "$sh" "$r/etc/shells" || echo "$sh" >>"$r/etc/shells"
}

root_shell=$(q '.persona.root_shell // "/bin/bash"')
login_shell "$root_shell"
chroot "$r" usermod --shell "$root_shell" root

n=$(q '.persona.users | length')
for ((i = 0; i < n; i++)); do
	login_shell "$(q ".persona.users[$i].shell")"
	u() { q ".persona.users[$i].$1"; }
	name=$(u name)
	groups=$(q ".persona.users[$i].groups | join(\",\")")
	for g in $(q ".persona.users[$i].groups[]"); do
		chroot "$r" getent group "$g" >/dev/null || chroot "$r" groupadd "$g"
	done
	if ! chroot "$r" getent passwd "$name" >/dev/null; then
		chroot "$r" useradd --create-home --uid "$(u uid)" --user-group --comment "$(u full_name)" \
			--shell "$(u shell)" ${groups:+--groups "$groups"} "$name"
	fi
	if [ "$(q ".persona.users[$i].password | length")" -gt 0 ]; then
		jq -j ".persona.users[$i] | .name + \":\" + .password + \"\\n\"" "$spec" | chroot "$r" chpasswd
	fi
	home="$r/home/$name"
	if [ "$(q ".persona.users[$i].history | length")" -gt 0 ]; then
		q ".persona.users[$i].history[]" > "$home/.bash_history"
		chroot "$r" chown "$name:$name" "/home/$name/.bash_history"
		chmod 600 "$home/.bash_history"
	fi
done

n=$(q '.persona.files | length')
for ((i = 0; i < n; i++)); do
	path=$(q ".persona.files[$i].path")
	mkdir -p "$r$(dirname "$path")"
	jq -j ".persona.files[$i].content" "$spec" > "$r$path"
	chmod "$(q ".persona.files[$i].mode")" "$r$path"
	chroot "$r" chown "$(q ".persona.files[$i].owner")" "$path"
done
echo "persona: $(q .persona.hostname), $(q '.persona.users | length') users, $(q '.persona.files | length') files, timezone $tz, root's shell $root_shell"
