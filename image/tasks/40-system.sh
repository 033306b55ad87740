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
# There is no console to log in on; sshd is the way in.
for u in getty@tty1.service console-getty.service serial-getty@ttyS0.service; do
	ln -sfn /dev/null "$r/etc/systemd/system/$u"
done
# Units that only slow a boot or touch hardware the guest does not have. The
# kernel has no module support, so loading modules is pointless (5 services,
# about 2.5 s of CPU at every boot: measured with systemd-analyze blame).
for u in modprobe@.service systemd-modules-load.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service \
	systemd-timesyncd.service fstrim.timer man-db.timer; do
	ln -sfn /dev/null "$r/etc/systemd/system/$u"
done
chroot "$r" systemctl set-default multi-user.target >/dev/null
# The kernel has module support (so /proc/modules and lsmod look as on
# Debian's kernel) but loads nothing: systemd-sysctl turns loading off for
# good before anyone can log in. A hardened server's setting, nothing odd.
cat > "$r/etc/sysctl.d/90-hardening.conf" <<'SYSCTL'
# Local hardening (see the security baseline in the ops wiki).
kernel.kptr_restrict = 2
kernel.modules_disabled = 1
SYSCTL
