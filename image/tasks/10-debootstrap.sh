# Debian bookworm with systemd, OpenSSH and the small tools a server has.
# Idempotent: an existing complete rootfs is kept.
if [ -x "$OYSTER_IMAGE_ROOTFS/usr/sbin/sshd" ] && [ -f "$OYSTER_IMAGE_ROOTFS/etc/debian_version" ]; then
	echo "rootfs already bootstrapped"
	exit 0
fi
command -v debootstrap >/dev/null || apt-get install -y -q debootstrap
mirror="${OYSTER_DEBIAN_MIRROR:-$(awk '/^URIs:/ && /debian$/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)}"
mirror="${mirror:-http://deb.debian.org/debian}"
packages=systemd,systemd-sysv,dbus,openssh-server,iproute2,iputils-ping,procps,psmisc,
packages+=ca-certificates,wget,curl,less,nano,vim-tiny,netcat-openbsd,cron,sudo,file,lsof,
packages+=bash-completion,libpam-systemd,logrotate,rsyslog,net-tools,bzip2,xz-utils,unzip,tzdata
debootstrap --variant=minbase --include="$packages" --cache-dir="$OYSTER_DEB_CACHE" \
	bookworm "$OYSTER_IMAGE_ROOTFS" "$mirror"
