# The machine's history (src/oyster/disguise/lived_in.h, docs/personas.md
# "Lived in"): rotated logs, wtmp, btmp and lastlog, apt's and dpkg's logs,
# logrotate's state, drawn from the installation's secret and ending with
# the reboot into the boot the guests show; and every file this build made
# dated into the machine's life. After the cleanup, which empties /var/log,
# and before the disk, which writes the change and birth times listed here.
[ -n "${OYSTER_EXE:-}" ] && [ -x "$OYSTER_EXE" ] ||
	{ echo "lived-in: OYSTER_EXE must name the oyster binary (oyster setup sets it)" >&2; exit 1; }
"$OYSTER_EXE" lived-in --rootfs "$OYSTER_IMAGE_ROOTFS" --spec "$OYSTER_IMAGE_SPEC" \
	--identity "$OYSTER_IMAGE_IDENTITY" --built-after "$OYSTER_IMAGE_BUILD_STARTED" \
	--change-times "$OYSTER_IMAGE_CHANGE_TIMES"
