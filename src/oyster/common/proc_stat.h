// The cpu line of a Linux /proc/stat, its first ("cpu  user nice system
// idle iowait irq softirq steal ..."), in clock ticks (USER_HZ, 100 a
// second on every Linux). Read from a guest's kernel over its mconsole, so
// hostile bytes: the launcher waits on it for a guest's boot to settle
// (sandbox/guest_manager.h), and the stealth selftest judges the guest's
// user time by it (selftest/uml_trace_checks.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace oyster {

// Clock ticks a second in /proc/stat, whatever the kernel's HZ.
inline constexpr std::uint64_t kProcStatTicksPerSecond = 100;

struct CpuTicks {
    std::uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    // Ticks spent running anything (all but idle and iowait).
    std::uint64_t busy() const { return user + nice + system + irq + softirq + steal; }
};

// The line of `text` whose first word is "cpu" (the mconsole's reply puts
// blanks before it), with at least the first four counters; a missing one of
// the later four is 0. Nullopt without such a line, for one that is
// malformed, or for a counter above 2^56 (so sums of them cannot overflow).
std::optional<CpuTicks> parse_proc_stat_cpu(std::string_view text);

}  // namespace oyster
