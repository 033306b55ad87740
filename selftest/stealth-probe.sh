#!/bin/bash
# Runs inside a guest, as root, for `oyster selftest stealth`: what an
# intruder or a fingerprinting script would look at, one section each.
# Prints "=== <nonce> <name>" before each section (the nonce comes from the
# host, so nothing a section prints can start another) and "=== <nonce> end".
# The host judges the output (src/oyster/selftest/stealth_checks.h); this
# script only collects it. Bash only: it must not need what it looks for.
nonce="$1"
# The image build's window (unix seconds, from the host): no file of the
# machine's may date from it.
built_from="${2:-0}"
built_to="${3:-0}"
section() { printf '=== %s %s\n' "$nonce" "$1"; }
# One probe: its output and its exit status, never more than 256 KiB.
probe() {  # probe NAME COMMAND...
	section "$1"
	shift
	timeout 30 "$@" 2>&1 | head -c 262144
	local rc=${PIPESTATUS[0]}
	printf '\n=== %s status %s\n' "$nonce" "$rc"
}
sh_probe() { local name="$1"; shift; probe "$name" bash -c "$*"; }

for f in cpuinfo cmdline version partitions devices interrupts iomem ioports modules filesystems mounts swaps meminfo; do
	probe "proc_$f" cat "/proc/$f"
done
sh_probe proc_stat_btime 'grep "^btime" /proc/stat'
sh_probe proc_entries 'ls -1 /proc | grep -v "^[0-9]*$"'
probe uname uname -a
probe uname_r uname -r
sh_probe lib_modules 'ls -1 /lib/modules'
# lsmod itself (it reads /sys/module as well), and each module /proc/modules
# lists, looked up in the kernel package's files.
sh_probe lsmod 'lsmod 2>&1 | head -n 200'
sh_probe modules_on_disk 'cut -d" " -f1 /proc/modules | while read -r m; do modinfo -n "$m" >/dev/null 2>&1 || echo "missing $m"; done'
sh_probe boot 'ls -1 /boot'
sh_probe hostname 'hostname; cat /etc/hostname'
probe ps_aux ps aux
probe uptime uptime
probe systemd_delta_masked systemd-delta --no-pager --type=masked
sh_probe dmesg 'dmesg 2>&1'
# From the boot on: the boot's own lines and the first logins.
sh_probe journal 'journalctl -b -q --no-pager 2>&1 | head -n 5000'
sh_probe sys_block 'ls -1 /sys/block'
sh_probe sys_class_net 'for n in /sys/class/net/*; do echo "$(basename "$n") driver=$(basename "$(readlink -f "$n/device/driver" 2>/dev/null)" 2>/dev/null) address=$(cat "$n/address")"; done'
sh_probe sys_platform 'ls -1 /sys/devices/platform'
sh_probe sys_dmi 'for f in sys_vendor product_name product_version board_vendor bios_vendor; do echo "$f=$(cat /sys/class/dmi/id/$f 2>/dev/null)"; done'
sh_probe sys_clocksource 'cat /sys/devices/system/clocksource/clocksource0/available_clocksource'
sh_probe dev 'ls -1 /dev'
sh_probe home 'ls /home'
sh_probe passwd 'cut -d: -f1 /etc/passwd'
# The check botnets such as ZHtrap run, as one command.
sh_probe zhtrap 'ls /home; ps aux; cat /proc/cpuinfo'
sh_probe honeypot_files 'ls -d /home/cowrie /opt/cowrie /usr/share/cowrie /home/kippo /opt/kippo /etc/kippo /usr/lib/uml /usr/bin/uml_* 2>/dev/null'
# Our own names where a shell sees them: running commands (their names:
# the probe's own arguments would match), file names on the system's trees,
# configuration under /etc, strings in PAM and rsyslog modules and in
# /usr/local. Stock Debian never names a relay over omprog.
sh_probe our_names '
ps -eo comm= | grep -i -e honeylog -e oyster
find /etc /usr /var /opt /srv /root /home -xdev \( -iname "*honeylog*" -o -iname "*oyster*" \) 2>/dev/null | head -n 20
grep -rIl -i -e honeylog -e oyster -e omprog /etc 2>/dev/null | head -n 20
grep -rlai -e honeylog -e oyster -e OYST /usr/lib/x86_64-linux-gnu/security /usr/lib/x86_64-linux-gnu/rsyslog /usr/local 2>/dev/null | head -n 20
true'
# Every view of the boot moment, as "name value" lines: the clocks (uptime,
# idle time, btime, a process's start, the kernel log's stamp of a line
# written now and the moment dmesg dates it at) and the records the boot
# left (init's start, utmp's and wtmp's boot records, the journal's first
# entry, /run's files), all in seconds; and systemd-analyze's account of
# the boot.
sh_probe clock '
read -r up idle _ < /proc/uptime
echo "uptime $up"
echo "idle $idle"
echo "btime $(sed -n "s/^btime //p" /proc/stat)"
echo "now $(date +%s)"
echo "clk_tck $(getconf CLK_TCK)"
echo "self_start $(cut -d" " -f22 /proc/self/stat)"
echo "pid1 $(date -d "$(ps -o lstart= -p 1)" +%s)"
echo "utmp_boot $(date -d "$(who -b | sed "s/^ *system boot *//")" +%s)"
echo "wtmp_boot $(date -d "$(last -x -F reboot | awk "/^reboot/ {print \$5, \$6, \$7, \$8, \$9; exit}")" +%s)"
echo "journal_first $(journalctl -b -q -o short-unix --no-pager 2>/dev/null | head -n 1 | cut -d. -f1)"
echo "run_sshd $(stat -c %Y /run/sshd.pid)"
printf "clock-%s\n" $$ > /dev/kmsg
echo "kmsg $(dmesg | sed -n "s/^\[ *\([0-9.]*\)\] clock-$$\$/\1/p" | tail -n 1)"
echo "kmsg_when $(date -d "$(dmesg --time-format iso | sed -n "s/^\([0-9T:-]*\),[0-9]*\([+-][0-9:]*\) clock-$$\$/\1\2/p" | tail -n 1)" +%s)"
echo "analyze $(systemd-analyze 2>&1 | head -n 1)"
units=$(systemctl list-units --type=service --all --plain --no-legend | awk "{print \$1}")
if [ -n "$units" ]; then
	n=0
	for r in $(systemctl show -P NRestarts $units); do n=$((n + r)); done
	echo "service_restarts $n"
fi
echo "watchdog_timeouts $(journalctl -b -q --no-pager 2>/dev/null | grep -c "Watchdog timeout")"
true'
# The machine's past, as "name value" lines: where wtmp begins and what it
# holds, btmp's failures, lastlog's users, the rotated logs and how far back
# they reach, apt's sessions, and how many files of the system's trees date
# from the image build (modified, changed, born), with a few of them.
sh_probe lived_in "
echo \"btime \$(sed -n 's/^btime //p' /proc/stat)\"
echo \"wtmp_begins \$(date -d \"\$(last -F | sed -n 's/^wtmp begins //p')\" +%s)\"
echo \"wtmp_reboots \$(last -x -F reboot | grep -c '^reboot')\"
echo \"wtmp_logins \$(last -F | grep -c 'pts/')\"
echo \"btmp_failures \$(lastb 2>/dev/null | grep -c 'ssh:notty')\"
echo \"lastlog_users \$(lastlog -u 1000-59999 2>/dev/null | tail -n +2 | grep -vc 'Never logged in')\"
echo \"rotated_logs \$(ls -1 /var/log/auth.log.1 /var/log/*.gz 2>/dev/null | wc -l)\"
oldest=\$(ls -1 /var/log/auth.log.*.gz 2>/dev/null | sort -V | tail -n 1)
[ -n \"\$oldest\" ] && echo \"oldest_auth \$(date -d \"\$(zcat -f \$oldest 2>/dev/null | head -n 1 | cut -d' ' -f1)\" +%s)\"
echo \"auth_failures \$(zcat -f /var/log/auth.log* 2>/dev/null | grep -c 'Failed password')\"
for d in \$(zcat -f /var/log/apt/history.log* 2>/dev/null | sed -n 's/^Start-Date: //p' | tr ' ' _); do
	echo \"apt_session \$(date -d \"\${d//_/ }\" +%s)\"
done
echo \"apt_build_installs \$(zcat -f /var/log/apt/history.log* 2>/dev/null | grep -c -e '-y -q' -e 'debootstrap')\"
trees='/etc /home /root /srv /var/lib/dpkg /var/log /usr/local'
for k in m c; do
	echo \"build_\$k \$(find \$trees -xdev -newer\${k}t @$built_from ! -newer\${k}t @$built_to 2>/dev/null | wc -l)\"
	find \$trees -xdev -newer\${k}t @$built_from ! -newer\${k}t @$built_to 2>/dev/null | head -n 3 | sed \"s/^/build_\${k}_file /\"
done
# Birth times: find cannot test them, stat (statx) reads them.
born=\$(find \$trees -xdev -print0 2>/dev/null | xargs -0 stat -c '%W %n' 2>/dev/null |
	awk -v a=$built_from -v b=$built_to '\$1 >= a && \$1 <= b { print \$2 }')
echo \"build_B \$(printf '%s' \"\$born\" | grep -c .)\"
printf '%s\\n' \"\$born\" | head -n 3 | sed '/^\$/d; s/^/build_B_file /'
true"
# PAM modules no package owns, and what dpkg finds changed in PAM's own
# packages (bookworm's dpkg knows the modules under /lib).
sh_probe pam_packages '
for f in /lib/x86_64-linux-gnu/security/*.so; do dpkg -S "$f" >/dev/null 2>&1 || dpkg -S "/usr$f" >/dev/null 2>&1 || echo "unowned $f"; done
dpkg --verify libpam-modules libpam-modules-bin libpam-runtime 2>&1
true'
# What `free` and `vmstat` print, a second apart, three times: a live
# machine's free memory moves.
sh_probe mem_free 'for i in 1 2 3; do grep "^MemFree:" /proc/meminfo; [ $i = 3 ] || sleep 1; done'
probe systemd_detect_virt systemd-detect-virt
probe systemd_detect_virt_container systemd-detect-virt --container
probe lscpu lscpu
probe virt_what virt-what
probe imvirt imvirt
probe dmidecode dmidecode
probe ethtool_i ethtool -i eth0
probe ip_link ip -o link show
probe ip_addr ip -o -4 addr show dev eth0
probe ip_route ip -4 route show default
# Every readable file of /proc (the pid directories aside) and /sys that
# names UML, its drivers or the host: "file:match" lines. grep -r does not
# follow the symbolic links /sys is full of; kmsg would block.
words='user.mode.linux|\buml\b|uml[-_]|skas|hostfs|\bubd|mconsole|umid|uml_dir|/var/cache/oyster|oyster'
sh_probe grep_proc_sys "
grep -aioE '$words' -s -d skip --exclude=kmsg /proc/* | sort -u
timeout 120 grep -raioE '$words' -s --exclude-dir=debug --exclude-dir=tracing --exclude-dir=cgroup /proc/sys /proc/net /sys | sort -u | head -n 200
true"
# Code on the stack, jumped to as an exploit's shellcode is: x86-64's NX
# kills it (SIGSEGV, status 139), where without NX it runs and exits 7. The
# program is a static ELF of 189 bytes (one R-X segment, a stack marked
# RW by PT_GNU_STACK; its code: movabs rax, <push 7; pop rdi; push 60;
# pop rax; syscall>; push rax; jmp rsp), written with printf: a
# checksec-style probe needs no compiler.
sh_probe no_execute '
f="$(mktemp)" || exit 2
printf "\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\2\0\76\0\1\0\0\0\260\0\100\0\0\0\0\0\100\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\100\0\70\0\2\0\100\0\0\0\0\0" > "$f"
printf "\1\0\0\0\5\0\0\0\0\0\0\0\0\0\0\0\0\0\100\0\0\0\0\0\0\0\100\0\0\0\0\0\275\0\0\0\0\0\0\0\275\0\0\0\0\0\0\0\0\20\0\0\0\0\0\0" >> "$f"
printf "\121\345\164\144\6\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\20\0\0\0\0\0\0\0" >> "$f"
printf "\110\270\152\7\137\152\74\130\17\5\120\377\344" >> "$f"
chmod 700 "$f"
(exec "$f") 2>/dev/null
rc=$?
rm -f "$f"
exit "$rc"'
# Last, after the sections above kept the processor busy in user mode for
# seconds: how the kernel counted that time.
sh_probe proc_stat_cpu 'head -n 1 /proc/stat'
section end
