# No per-guest network values live in the image: the host passes address,
# gateway and resolver at boot (kernel ip=), the kernel configures eth0 before
# init and writes the resolver to /proc/net/pnp.
r="$OYSTER_IMAGE_ROOTFS"
host=$(jq -r .persona.hostname "$OYSTER_IMAGE_SPEC")
domain=$(jq -r .persona.domain "$OYSTER_IMAGE_SPEC")
# Debian's installer writes "127.0.1.1 fqdn host" when a domain was given.
names="$host"
[ -n "$domain" ] && names="$host.$domain $host"
cat > "$r/etc/network/interfaces" 2>/dev/null <<'IF' || true
# interfaces(5) file used by ifup(8) and ifdown(8)
auto lo
iface lo inet loopback

# eth0 is configured at boot.
IF
ln -sfn /proc/net/pnp "$r/etc/resolv.conf"
cat > "$r/etc/hosts" <<H
127.0.0.1	localhost
127.0.1.1	$names

::1		localhost ip6-localhost ip6-loopback
ff02::1		ip6-allnodes
ff02::2		ip6-allrouters
H
echo "$host" > "$r/etc/hostname"
