#!/bin/bash
# A guest fills what it can on the host (issue 17): its root floods UDP
# (everything it sends is in its pcap), sends mail to the sink, writes to
# its console and fills its own disk, all at once. The sensor stays up;
# the pcap, the mail and the console stop at their quotas
# (sensor.pcap_max_mib, data_control.smtp_sink_max_mib,
# guest.console_max_mib), each with a `quota_reached` event naming it; the
# guest's disk is bounded by its size (its COW file); the host's free space
# stays above guest.reserve_free_mib; the guest and another source are
# still served.
OYSTER="$(realpath "$1")"
source "$(dirname "$0")/lib.sh"
PORTAL=203.0.113.1
A10=203.0.113.10
A11=203.0.113.11
PCAP_MIB=4
MAIL_MIB=1
CONSOLE_MIB=2
GUEST_CONFIG="console_max_mib = $CONSOLE_MIB"
EXTRA_CONFIG="[sensor]
listen_address = \"$PORTAL\"
pool_size = 1
max_guests = 2
pcap_max_mib = $PCAP_MIB
[data_control]
smtp_sink_max_mib = $MAIL_MIB"
world_up
ip -n "$NS_ATTACKER" addr add "$A11/24" dev "${tag}va"
EVENTS="$STATE_DIR/sensor/events.jsonl"
KEEP_ON_FAILURE="$EVENTS $WORK/sensor.log"
# What a directory's files hold (du -sb would count the directory too).
file_bytes() { find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }

start_sensor
wait_for 300 'select(.type=="guest_ready")' "the pool guest"
portal_ssh $A10 true || fail "the first login failed"
wait_for 60 "select(.type==\"intrusion_opened\" and .source_ip==\"$A10\")" "$A10's intrusion"
guest="$(jq -r "select(.type==\"intrusion_opened\" and .source_ip==\"$A10\") | .guest_id" "$EVENTS" | first_line)"
gdir="$STATE_DIR/guests/$guest"

# Mail: 8 messages of 300 KB over one SMTP session (the quota is 1 MiB).
cat >"$WORK/mail.pl" <<'PL'
use IO::Socket::INET;
my $s = IO::Socket::INET->new(PeerAddr => "198.51.100.25:25", Timeout => 20) or die "connect: $!";
sub reply { my $l; while (defined($l = <$s>)) { last if $l =~ /^\d{3} / } return $l // "" }
reply();
print $s "EHLO fill.example.org\r\n"; reply();
my $body = ("x" x 998 . "\r\n") x 300;
for my $i (1 .. 8) {
	print $s "MAIL FROM:<spam\@example.org>\r\n"; reply();
	print $s "RCPT TO:<victim$i\@example.com>\r\n"; reply();
	print $s "DATA\r\n"; reply();
	print $s "Subject: fill $i\r\n\r\n", $body, ".\r\n";
	print "message $i: ", reply();
}
print $s "QUIT\r\n"; reply();
PL
# UDP: 6,000 datagrams of 1,400 bytes, about 8 MiB (the pcap quota is 4).
cat >"$WORK/udp.pl" <<'PL'
use Socket;
socket(my $s, PF_INET, SOCK_DGRAM, 0) or die "socket: $!";
my $to = pack_sockaddr_in(9, inet_aton("198.51.100.9"));
my $d = "u" x 1400;
send($s, $d, 0, $to) for 1 .. 6000;
PL
portal_ssh $A10 'cat >/root/mail.pl' <"$WORK/mail.pl" || fail "cannot copy the mail script"
portal_ssh $A10 'cat >/root/udp.pl' <"$WORK/udp.pl" || fail "cannot copy the UDP script"
log "filling: UDP, mail, console and the guest's disk at once"
pcap_before=$(file_bytes "$gdir/pcap")
portal_ssh $A10 'perl /root/udp.pl & perl /root/mail.pl > /run/mail.out 2>&1 &
	head -c 4M /dev/urandom | base64 > /dev/console &
	dd if=/dev/zero of=/root/fill bs=1M 2>/run/dd.out; echo "dd: $?"; sync; wait
	tail -1 /run/dd.out; df -h /; cat /run/mail.out' \
	>"$WORK/fill.out" 2>&1 || true
sed 's/^/    guest> /' "$WORK/fill.out" >&2
grep -q 'dd: 1$' "$WORK/fill.out" && grep -q ' 100% /$' "$WORK/fill.out" || fail "the guest's disk did not fill"
[ "$(grep -c '^message [0-9]: 250 ' "$WORK/fill.out")" = 8 ] || fail "the sink did not answer every message"

wait_for 60 "select(.type==\"quota_reached\" and .cause==\"pcap\" and .guest_id==\"$guest\")" "the pcap quota"
wait_for 60 "select(.type==\"quota_reached\" and .cause==\"mail\" and .guest_id==\"$guest\")" "the mail quota"
wait_for 60 "select(.type==\"quota_reached\" and .cause==\"console\" and .guest_id==\"$guest\")" "the console quota"
events | jq -c "select(.type==\"quota_reached\" and .guest_id==\"$guest\")" | sed 's/^/    event> /' >&2

pcap_bytes=$(file_bytes "$gdir/pcap")
# The quota is judged per packet: not one byte over.
[ "$pcap_bytes" -le $((PCAP_MIB << 20)) ] || fail "the pcap holds $pcap_bytes bytes, over its quota of $PCAP_MIB MiB"
[ "$pcap_bytes" -gt "$pcap_before" ] || fail "the pcap did not grow"
mail_bytes=$(file_bytes "$gdir/smtp")
[ "$mail_bytes" -le $((MAIL_MIB << 20)) ] || fail "the mail holds $mail_bytes bytes, over its quota of $MAIL_MIB MiB"
stored=$(events | jq -c "select(.type==\"mail\" and .guest_id==\"$guest\" and .stored)" | wc -l)
unstored=$(events | jq -c "select(.type==\"mail\" and .guest_id==\"$guest\" and (.stored | not) and .file == \"\")" | wc -l)
[ "$stored" -ge 1 ] && [ "$unstored" -ge 1 ] && [ $((stored + unstored)) = 8 ] ||
	fail "mail events: $stored stored, $unstored not, of 8"
# The guest's disk is its COW file, no larger than the disk the guest sees;
# the console log stops at its quota, saying so, and the UML process's
# output goes through the console's writer (a pipe), not to a file.
image_bytes=$(stat -c %s "$(jq -r .image "$gdir/guest.json")")
cow_bytes=$(du -B1 "$gdir/disk.cow" | cut -f1)
[ "$cow_bytes" -le $((image_bytes + (16 << 20))) ] || fail "the COW file takes $cow_bytes bytes for a $image_bytes-byte disk"
console_bytes=$(stat -c %s "$gdir/console.log")
[ "$console_bytes" -ge $((CONSOLE_MIB << 20)) ] && [ "$console_bytes" -le $(((CONSOLE_MIB << 20) + 100)) ] ||
	fail "the console log holds $console_bytes bytes, not its quota of $CONSOLE_MIB MiB"
tail -c 100 "$gdir/console.log" | grep -q 'console quota reached' || fail "the console log does not say it stopped"
uml_pid=$(jq -r .pid "$gdir/guest.json")
[ "$(stat -L -c %F "/proc/$uml_pid/fd/1")" = fifo ] || fail "the UML process's stdout is not the console writer's pipe"
reserve_mib=1024
free_mib=$(($(stat -f -c '%a * %S' "$STATE_DIR" | bc) >> 20))
[ "$free_mib" -gt "$reserve_mib" ] || fail "free space $free_mib MiB is below the reserve"
log "pcap $((pcap_bytes >> 10)) KiB (quota $PCAP_MIB MiB), mail $((mail_bytes >> 10)) KiB in $stored messages ($unstored not kept), COW $((cow_bytes >> 20)) MiB, console $((console_bytes >> 10)) KiB (quota $CONSOLE_MIB MiB), $free_mib MiB free"

kill -0 "$SENSOR_PID" || fail "the sensor died"
portal_ssh $A10 'echo still-mine' | matches -x still-mine || fail "the filled guest is no longer served"
portal_ssh $A11 'echo still-serving' | matches -x still-serving || fail "the sensor stopped serving others"
log PASS
