#!/bin/bash
# Containment and data control: a guest answers connections made to it; of
# its own it may reach the internet within hourly caps, and nothing else —
# not the host (sensor), not another guest, not a private ("LAN") address,
# not a mail server, not a DNS server other than the configured one, not a
# cloud metadata address (even inside allow_private). As root it cannot
# send from an address not its own (neither outside its tap's /30 nor
# inside it): nothing forged reaches the internet, and a forged address
# buys no new allowance. DNS to the resolver is counted per packet, a
# single UDP flow included. Listeners exist at every target and are shown
# reachable from outside the guest, so a failure to connect from the guest
# means the rules dropped it; what reaches the internet is captured there.
OYSTER="$(realpath "$1")"
source "$(dirname "$0")/lib.sh"
TCP_CAP=4
DNS_CAP=10
EXTRA_CONFIG="dns = \"$DNS_IP\"
[data_control]
tcp_connections_per_hour = $TCP_CAP
dns_packets_per_hour = $DNS_CAP
allow_private = [\"169.254.0.0/16\"]"
world_up
# Metadata endpoints, in the test's internet.
for m in 168.63.129.16 169.254.169.254 100.100.100.200; do
	ip -n "$NS_INTERNET" addr add "$m/32" dev lo
	ip -n "$NS_SENSOR" route add "$m/32" via "$WEB_IP"
done
# Where the selftest sends its forged datagrams: an address that answers
# ARP, so a leaked datagram would really go out where it is watched for.
ip -n "$NS_INTERNET" addr add 198.51.100.99/32 dev lo
# A resolver that answers every datagram and logs its sender's port.
cat >"$WORK/dns.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        data, peer = s.recvfrom(2048)
        log.write(f"{peer[1]}\n")
        s.sendto(data, peer)
PY
ip netns exec "$NS_INTERNET" python3 "$WORK/dns.py" "$DNS_IP" "$WORK/dns.log" &
# A UDP sink that logs what it receives.
cat >"$WORK/udp_sink.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
with open(sys.argv[3], "a", buffering=1) as log:
    while True:
        log.write(s.recv(2048).decode(errors="replace") + "\n")
PY
ip netns exec "$NS_INTERNET" python3 "$WORK/udp_sink.py" "$WEB_IP" 9999 "$WORK/udp_sink.log" &
# Everything that reaches the internet from the sensor's side.
ip netns exec "$NS_INTERNET" dumpcap -q -i "${tag}vi" -w "$WORK/internet.pcapng" 2>"$WORK/dumpcap.log" &

listen() {  # namespace address port
	ip netns exec "$1" nc -lk -s "$2" -p "$3" >/dev/null 2>&1 &
}
listen "$NS_SENSOR" 203.0.113.1 8080
listen "$NS_SENSOR" 0.0.0.0 8081
listen "$NS_ATTACKER" "$ATTACKER_IP" 8080
listen "$NS_INTERNET" "$WEB_IP" 8080
listen "$NS_INTERNET" "$LAN_IP" 8080
listen "$NS_INTERNET" "$LAN_IP" 80
listen "$NS_INTERNET" "$SMTP_IP" 25
listen "$NS_INTERNET" "$DNS_IP" 53
listen "$NS_INTERNET" "$WEB_IP" 53
listen "$NS_INTERNET" 168.63.129.16 80
listen "$NS_INTERNET" 169.254.169.254 80
listen "$NS_INTERNET" 100.100.100.200 80
sleep 0.5
for t in 203.0.113.1:8080 "$WEB_IP:8080" "$LAN_IP:8080" "$SMTP_IP:25" "$DNS_IP:53" "$WEB_IP:53" 168.63.129.16:80 \
	169.254.169.254:80 100.100.100.200:80; do
	ip netns exec "$NS_SENSOR" nc -z -w 3 "${t%:*}" "${t#*:}" || fail "control: $t unreachable from the sensor"
done
ip netns exec "$NS_SENSOR" nc -z -w 3 "$ATTACKER_IP" 8080 || fail "control: attacker listener unreachable"

sensor_oyster guest start --json > "$WORK/a.json"
sensor_oyster guest start --json > "$WORK/b.json"
a="$(jq -r .guest_ip "$WORK/a.json")"
b="$(jq -r .guest_ip "$WORK/b.json")"
host="$(jq -r .host_ip "$WORK/a.json")"
[ "$a" != "$b" ] || fail "two guests share an address"
ip netns exec "$NS_SENSOR" nft list table inet oyster >/dev/null || fail "no containment table"

# From inside guest A: each target either connects or times out (dropped).
probe='for t in "$@"; do if timeout 4 bash -c "exec 3<>/dev/tcp/${t%:*}/${t#*:}" 2>/dev/null; then echo "REACHED $t"; else echo "blocked $t"; fi; done'
out="$(attacker_ssh "$a" "bash -c '$probe' probe $host:8081 $host:22 203.0.113.1:8080 $b:22 $LAN_IP:8080 $SMTP_IP:25 $WEB_IP:53")"
echo "$out" | sed 's/^/    guest A> /' >&2
echo "$out" | matches REACHED && fail "guest A reached something it must not"
[ "$(echo "$out" | grep -c blocked)" = 7 ] || fail "probe did not run: $out"
# Guest B is still reachable from the outside, so the block above was the rules.
attacker_ssh "$b" true || fail "guest B unreachable from outside"

# The internet is reachable, TCP_CAP new connections and no more.
out="$(attacker_ssh "$a" "bash -c '$probe' probe $(for _ in $(seq $((TCP_CAP + 1))); do printf '%s ' "$WEB_IP:8080"; done)")"
echo "$out" | sed 's/^/    guest A> /' >&2
[ "$(echo "$out" | grep -c REACHED)" = "$TCP_CAP" ] || fail "expected $TCP_CAP connections out, got: $out"
echo "$out" | tail -1 | matches '^blocked' || fail "connection $((TCP_CAP + 1)) went through"
if ! ip netns exec "$NS_SENSOR" nft list chain inet oyster drop_tcp_cap | matches 'counter packets [1-9]'; then
	# Which rule did stop it, if any: every counter and the cap's set.
	ip netns exec "$NS_SENSOR" nft list table inet oyster | grep -E 'chain|counter|elements|limit' >&2
	ip netns exec "$NS_SENSOR" conntrack -L 2>/dev/null | grep "$WEB_IP" >&2
	fail "the cap's drop counter did not move"
fi
# The cap is per guest: guest B still has its own.
attacker_ssh "$b" "bash -c '$probe' probe $WEB_IP:8080" | matches REACHED || fail "guest B was capped by guest A's use"

counter() {  # drop reason: packets its chain dropped
	ip netns exec "$NS_SENSOR" nft list chain inet oyster "drop_$1" | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}

# --- Forged sources, from guest A's root (its TCP allowance used up above):
# an address outside its tap's /30 and the /30's .0 (its .3 is the
# broadcast address, which the guest kernel would not send from, and .1
# the host's); UDP from each and from its own address (the control), and
# a TCP connection from the forged one, which keyed by source would find a
# fresh allowance.
a3="${a%.*}.$((${a##*.} - 2))"
spoof='ip addr add 198.51.100.77/32 dev eth0; ip addr add '"$a3"'/32 dev eth0
perl -MIO::Socket::INET -e '"'"'for my $src (@ARGV) {
	my $s = IO::Socket::INET->new(Proto => "udp", LocalAddr => $src, PeerAddr => "'"$WEB_IP"':9999")
		or do { print "cannot send from $src: $!\n"; next };
	$s->send("sent-from-$src") for 1 .. 3 }'"'"' '"$a"' 198.51.100.77 '"$a3"'
perl -MIO::Socket::INET -e '"'"'IO::Socket::INET->new(LocalAddr => "198.51.100.77", PeerAddr => "'"$WEB_IP"':8080",
	Timeout => 3) and print "REACHED forged\n"'"'"'
ip addr del 198.51.100.77/32 dev eth0; ip addr del '"$a3"'/32 dev eth0; echo spoof-done'
attacker_ssh "$a" "$spoof" | sed 's/^/    guest A> /' >&2
[ "$(counter spoofed)" -ge 4 ] || fail "forged packets were not dropped as spoofed ($(counter spoofed))"

# --- Metadata addresses, from guest B (allowance left, so a block here is
# the metadata rule; allow_private covers 169.254.0.0/16).
out="$(attacker_ssh "$b" "bash -c '$probe' probe 168.63.129.16:80 169.254.169.254:80 $WEB_IP:8080")"
echo "$out" | sed 's/^/    guest B> /' >&2
[ "$(echo "$out" | grep -c '^blocked')" = 2 ] && echo "$out" | matches -x "REACHED $WEB_IP:8080" ||
	fail "metadata addresses: $out"
[ "$(counter metadata)" -ge 2 ] || fail "the metadata drop counter did not move"

# --- DNS: 15 queries over one UDP flow (one socket) to the resolver.
port="$(attacker_ssh "$b" 'perl -MIO::Socket::INET -e '"'"'
	my $s = IO::Socket::INET->new(Proto => "udp", PeerAddr => "'"$DNS_IP"':53") or die $!;
	for (1 .. 15) { $s->send("query $_"); select(undef, undef, undef, 0.1) } print $s->sockport, "\n"'"'"'')"
sleep 1
answered="$(grep -cx "$port" "$WORK/dns.log" || true)"
log "DNS: $answered of 15 queries over one flow reached the resolver (cap $DNS_CAP per hour)"
[ "$answered" -ge 1 ] && [ "$answered" -le "$DNS_CAP" ] || fail "DNS: $answered of 15 reached the resolver"
[ "$(counter dns_cap)" -ge $((15 - DNS_CAP)) ] || fail "the DNS cap's counter did not move"

# What reached the internet: the control's datagrams (masqueraded), and
# nothing sent from a forged address or over guest A's spent allowance.
sleep 1
kill %?dumpcap 2>/dev/null || pkill -f "dumpcap -q -i ${tag}vi" || true
sleep 1
seen() { tshark -r "$WORK/internet.pcapng" -Y "$1" 2>/dev/null | wc -l; }
[ "$(grep -cx "sent-from-$a" "$WORK/udp_sink.log")" = 3 ] ||
	fail "the control datagrams from guest A's own address are missing: $(cat "$WORK/udp_sink.log")"
grep -v -x "sent-from-$a" "$WORK/udp_sink.log" && fail "datagrams from a forged address reached the internet"
[ "$(seen 'frame contains "sent-from-" and not frame contains "sent-from-'"$a"'"')" = 0 ] ||
	fail "packets from a forged address reached the internet"
[ "$(seen 'ip.src == 198.51.100.77 or ip.src == '"$a3")" = 0 ] || fail "a forged source address reached the internet"
[ "$(seen 'tcp.dstport == 8080 and tcp.flags.syn == 1 and tcp.flags.ack == 0 and ip.src != 198.51.100.1')" = 0 ] ||
	fail "a connection left with a source other than the sensor's"
log "spoofed $(counter spoofed), metadata $(counter metadata), dns_cap $(counter dns_cap) packets dropped"

# --- The operator's proof, beside the two guests above: `oyster selftest
# containment` boots two guests of its own and probes from one's root.
sensor_oyster selftest containment --json --lan "$LAN_IP" >"$WORK/selftest.json" 2>"$WORK/selftest.log" ||
	{ cat "$WORK/selftest.log" "$WORK/selftest.json" >&2; fail "selftest containment failed"; }
jq -r '.probes[] | "    selftest> \(if .pass then "PASS" else "FAIL" end) \(.name): \(.detail)"' "$WORK/selftest.json" >&2
expected="host other_guest lan metadata spoofed_source smtp_sink uml_host_files uml_other_guest"
expected="$expected uml_own_record uml_proc uml_tun"
expected="$expected uml_sockets uml_capture uml_processes guest_process_maps flood_held neighbour_under_flood nmap_ports nmap_sweep"
expected="$expected arp_poisoning spoofed_flood tools_removed disk_fill_held neighbour_under_hogs"
[ "$(jq -r '[.probes[] | select(.pass) | .name] | join(" ")' "$WORK/selftest.json")" = "$expected" ] &&
	[ "$(jq .failed "$WORK/selftest.json")" = 0 ] || fail "selftest containment: $(cat "$WORK/selftest.json")"
# The host's abstract sockets are out of reach by the jail's network
# namespace (none of them exists there), not by chance.
jq -e '.probes[] | select(.name == "uml_sockets") | .detail | test("sendto:abstract denied ECONNREFUSED")' \
	"$WORK/selftest.json" >/dev/null || fail "an escaped UML process was not refused the host's abstract sockets"
jq -e '.probes[] | select(.name == "spoofed_source") | .detail | test("seen leaving by oyt")' "$WORK/selftest.json" >/dev/null ||
	fail "the selftest did not watch the test's egress interface"

# --- A guest's root cannot wedge its own guest with a packet ring: a
# process with an AF_PACKET ring of 64 KiB blocks (compound pages, as
# libpcap maps them) forks and the child execs. Before kernel patch 0019
# the child's page table entries pointed at the wrong pages and the guest
# spun at full CPU ("Bad page map"); Ettercap does exactly this.
ring='use Socket; socket(my $s, 17, 3, 0x0300) or die "socket: $!";
	setsockopt($s, 263, 10, pack("i", 2)) or die "version: $!";
	setsockopt($s, 263, 5, pack("I7", 65536, 4, 2048, 128, 100, 0, 0)) or die "ring: $!";
	syscall(9, 0, 262144, 3, 1, fileno($s), 0) > 0 or die "mmap: $!";
	my $p = fork; exec "/bin/true" unless $p; waitpid($p, 0); print "forked\n"'
SSH_TIMEOUT=30 attacker_ssh "$a" "perl -e '$ring'; dmesg | grep -c 'Bad page map'" >"$WORK/ring.txt" || true
[ "$(cat "$WORK/ring.txt")" = "$(printf 'forked\n0')" ] ||
	fail "a forked packet-ring process wedged or hurt the guest: $(cat "$WORK/ring.txt")"
SSH_TIMEOUT=30 attacker_ssh "$a" true || fail "guest A stopped answering after the packet-ring fork"

sensor_oyster guest stop "$(jq -r .id "$WORK/a.json")"
ip netns exec "$NS_SENSOR" nft list table inet oyster >/dev/null || fail "table removed while guest B runs"
sensor_oyster guest stop "$(jq -r .id "$WORK/b.json")"
ip netns exec "$NS_SENSOR" nft list table inet oyster >/dev/null 2>&1 && fail "table left after the last guest stopped"
log PASS
