// The stealth battery's clock checks: one story of when the machine booted.
// A guest that claims 41 days of uptime while its boot records, its log's
// stamps or its idle time say minutes was started for whoever looks; each
// of these is one command for an intruder. Judges the "clock" section of
// selftest/stealth-probe.sh ("name value" lines, seconds).
#pragma once

#include <string_view>
#include <vector>

#include "oyster/selftest/stealth_checks.h"

namespace oyster {

// How far after the boot moment (/proc/stat's btime) a boot record may be
// stamped: a boot's length, with room for a slow host.
inline constexpr double kBootRecordWindowS = 300;
// How far two clocks read a moment apart may differ.
inline constexpr double kClockSlackS = 5;

// Six checks: boot_records, clock_sources, idle_time, systemd_analyze,
// daemons_steady (no service restarted, none killed by its watchdog: what
// a clock jump that daemons walk over can cause) and monotonic_clock.
// When the probe never reported the section (`present` false), all fail.
std::vector<CheckResult> judge_clock(std::string_view section, bool present);

}  // namespace oyster
