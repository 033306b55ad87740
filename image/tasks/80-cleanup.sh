# What a built image does not need to carry.
r="$OYSTER_IMAGE_ROOTFS"
chroot "$r" apt-get clean
rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin "$r"/var/log/*.log "$r"/tmp/* "$r"/root/.bash_history
: > "$r/etc/machine-id"
