# Guest log lines leave the guest as they are written, over honeylog(), so
# logs an intruder wipes later are already on the host: rsyslog hands every
# message to the relay (omprog). The relay holds this platform's honeylog key
# and is readable by root only. docs/capture-format.md.
r="$OYSTER_IMAGE_ROOTFS"
case "$OYSTER_HONEYLOG_KEY" in
	[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]) ;;
	*) echo "OYSTER_HONEYLOG_KEY must be 16 hex digits" >&2; exit 1 ;;
esac
dest="$r/usr/lib/x86_64-linux-gnu/rsyslog"
mkdir -p "$dest"
make -s -C "$OYSTER_SOURCE_DIR/guest" KEY="0x$OYSTER_HONEYLOG_KEY" OUT="$dest"
chown root:root "$dest/honeylog-relay"
chmod 0700 "$dest/honeylog-relay"
cat > "$r/etc/rsyslog.d/10-relay.conf" <<'CONF'
module(load="omprog")
*.* action(type="omprog" binary="/usr/lib/x86_64-linux-gnu/rsyslog/honeylog-relay"
           template="RSYSLOG_TraditionalFileFormat" confirmMessages="off")
CONF
