# Real Debian OpenSSH, reachable as root with a password (it is the decoy).
# Who gets in is the login policy's decision (50-honeylog.sh installs the
# PAM hook); root's shadow password serves su and sudo inside.
r="$OYSTER_IMAGE_ROOTFS"
jq -j '"root:" + .login.root_password + "\n"' "$OYSTER_IMAGE_SPEC" | chroot "$r" chpasswd
mkdir -p "$r/etc/ssh/sshd_config.d"
cat > "$r/etc/ssh/sshd_config.d/10-login.conf" <<'C'
PermitRootLogin yes
PasswordAuthentication yes
UseDNS no
C
# Host keys made by this image build, not reused from the build host.
if ! ls "$r"/etc/ssh/ssh_host_*_key >/dev/null 2>&1; then
	chroot "$r" ssh-keygen -A
fi
chroot "$r" systemctl enable ssh.service >/dev/null
