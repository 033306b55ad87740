// The stealth battery's checks of what the guest's own logs and counters
// say about what runs it, past what names it: lines only a UML boot leaves
// in the kernel log and the journal (a PC's kernel and its virtual
// terminals never give systemd cause for them), the launcher's visit to
// sshd at each boot, processor time that never counts as the processes'
// own (user time 0 in /proc/stat, so top shows 0.0 us and ps a TIME of 0
// for a busy loop), a log stamped in jiffies, and memory that executes
// whatever it holds.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <vector>

#include "oyster/selftest/stealth_checks.h"

namespace oyster {

// What a UML boot logs and a Debian PC's never does (kernel patches 0032
// and 0033 remove each at its cause), and what the launcher's mconsole
// reading /proc/net would log without patch 0035.
inline constexpr std::array<std::string_view, 4> kUmlBootLines = {
    "This architecture does not have kernel memory protection",
    "Failed to enable kbrequest handling",
    "but not /sys/class/tty/tty0/active",
    "kernel read not supported for file",
};

// One check, boot_log: neither `dmesg` nor `journal` (this boot's) has a
// line of kUmlBootLines. Fails when either section is missing.
CheckResult judge_boot_log(std::string_view dmesg, bool dmesg_present, std::string_view journal, bool journal_present);

// One check, readiness_probe: in this boot's journal no connection reached
// sshd before the first login (the selftest's own): the launcher learns that
// sshd is up without connecting (sandbox/tcp_listeners.h). Fails when the
// journal holds no login to judge by.
CheckResult judge_readiness_probe(std::string_view journal, bool present);

// One check, cpu_user_time: /proc/stat's first line (read after the probe's
// own work, which runs in user mode for seconds) counts user time, at least
// a tenth of user and system together.
CheckResult judge_cpu_user_time(std::string_view proc_stat_cpu, bool present);

// One check, log_stamps: the kernel log's stamps ("[    1.306234]") are
// not all multiples of 10 ms, as a jiffies count at HZ=100 makes them
// (UML before kernel patch 0046); an x86 kernel stamps to the microsecond.
// Fails with fewer than two stamps after 0 to judge.
CheckResult judge_log_stamps(std::string_view dmesg, bool present);

// One check, no_execute: code the probe put on its (non-executable) stack
// and jumped to was killed by SIGSEGV (`status` 139, as the shell reports
// it), as x86-64's NX kills it on a real server; kernel patch 0043. Status
// 7 is the code having run; anything else, or none, is a probe that could
// not tell.
CheckResult judge_no_execute(std::optional<int> status);

}  // namespace oyster
