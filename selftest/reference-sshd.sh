#!/bin/bash
# Runs the stock Debian sshd unpacked in DIR (DIR/root/usr/sbin/sshd, host
# keys DIR/ssh_host_*_key) on 127.0.0.1:PORT in the foreground, for
# `oyster selftest stealth` to compare a guest's sshd with (see
# src/oyster/selftest/reference_sshd.h), configured as the package configures
# a new install (its /usr/share/openssh/sshd_config, which postinst copies to
# /etc/ssh). sshd wants its privilege-separation user and /run/sshd; a
# private mount namespace gives it both, and an empty /etc/ssh for the
# configuration's Include, without touching the host's /etc or /run.
# Usage: reference-sshd.sh DIR PORT
set -euo pipefail
exec unshare --mount --propagation private bash -c '
set -euo pipefail
dir="$1" port="$2"
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -m 755 /run/sshd
{ cat /etc/passwd; echo "sshd:x:64999:65534::/run/sshd:/usr/sbin/nologin"; } > "$dir/passwd"
mount --bind "$dir/passwd" /etc/passwd
[ -d /etc/ssh ] && mount -t tmpfs -o mode=755 tmpfs /etc/ssh
exec "$dir/root/usr/sbin/sshd" -D -e -f "$dir/root/usr/share/openssh/sshd_config" -o ListenAddress=127.0.0.1 -p "$port" \
	-h "$dir/ssh_host_rsa_key" -h "$dir/ssh_host_ecdsa_key" -h "$dir/ssh_host_ed25519_key"
' reference-sshd "$1" "$2"
