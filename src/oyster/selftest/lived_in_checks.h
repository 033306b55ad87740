// The stealth battery's lived-in checks: a machine that claims a past has
// one. A guest whose wtmp begins at its own boot, whose btmp and lastlog are
// empty, whose logs were never rotated, whose apt history is the image
// build's and whose files all date from one minute was installed for
// whoever looks (disguise/lived_in.h builds the past these look for).
// Judges the "lived_in" section of selftest/stealth-probe.sh.
#pragma once

#include <string_view>
#include <vector>

#include "oyster/selftest/stealth_checks.h"

namespace oyster {

// How far back before the shown boot a lived-in machine's records reach.
inline constexpr double kWtmpHistoryDays = 90;
// The guest's own logrotate may rotate once after the boot (dropping the
// oldest generation), so less than the four weeks the image holds.
inline constexpr double kRotatedLogDays = 14;

// Four checks: lived_in_logins, lived_in_logs, lived_in_packages and
// lived_in_times. When the probe never reported the section (`present`
// false), all fail.
std::vector<CheckResult> judge_lived_in(std::string_view section, bool present);

}  // namespace oyster
