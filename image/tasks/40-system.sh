# Boot and shutdown behaviour of the guest under UML.
r="$OYSTER_IMAGE_ROOTFS"
# As the Debian installer writes it: the root by UUID (task 16 chose it; the
# guest sees the disk as vda, partitioned by task 90).
uuid="$(jq -r .root_uuid "$OYSTER_IMAGE_IDENTITY")"
cat > "$r/etc/fstab" <<FSTAB
# /etc/fstab: static file system information.
#
# Use 'blkid' to print the universally unique identifier for a
# device; this may be used with UUID= as a more robust way to name devices
# that works even if disks are added and removed. See fstab(5).
#
# systemd generates mount units based on this file, see systemd.mount(5).
# Please run 'systemctl daemon-reload' after making changes here.
#
# <file system> <mount point>   <type>  <options>       <dump>  <pass>
# / was on /dev/vda1 during installation
UUID=$uuid /               ext4    errors=remount-ro 0       1
FSTAB
# The host asks for a clean shutdown with ctrl-alt-del (mconsole "cad").
ln -sfn /lib/systemd/system/poweroff.target "$r/etc/systemd/system/ctrl-alt-del.target"
# No unit is masked or disabled: `systemctl list-unit-files --state=masked`
# and `systemd-delta` show a mask in /etc to anyone, and a Debian server has
# its timers (apt-daily, fstrim, e2scrub), loads its modules at boot
# (modprobe@, systemd-modules-load: each attempt a few milliseconds, refused
# quietly by the kernel's nomodule) and runs agetty on tty1 (which waits on
# the null console line without a restart). With guest.boot_at_shown_moment
# the timers that came due during the catch-up run once it ends (measured
# in docs/performance.md). The default target stays Debian's
# (graphical.target, which without a display manager is multi-user's).
# The kernel has module support (so /proc/modules and lsmod look as on
# Debian's kernel) but loads nothing: systemd-sysctl turns loading off for
# good before anyone can log in. A hardened server's setting, nothing odd.
cat > "$r/etc/sysctl.d/90-hardening.conf" <<'SYSCTL'
# Local hardening (see the security baseline in the ops wiki).
kernel.kptr_restrict = 2
kernel.modules_disabled = 1
SYSCTL
# The journal is kept in memory (/run), not on disk: rsyslog writes the text
# logs that hold the machine's past (task 85), and an admin who keeps it
# removes /var/log/journal (Debian's README.Debian for systemd warns that
# the two log everything twice). On disk,
# `journalctl --list-boots` would list the guest's own boot alone where
# wtmp lists every reboot of the years before it.
rm -rf "$r/var/log/journal"
