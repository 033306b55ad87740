// The judgement of `oyster selftest stealth`: what selftest/stealth-probe.sh
// collected inside a guest, held against what a real Debian server shows.
// Each check says what it looks for; one that cannot decide (a tool missing,
// a section absent) fails, it never passes by default. Run against a guest
// whose disguise is off, the checks must find the giveaways
// (tests/integration/stealth.sh does that).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "oyster/selftest/probe_output.h"

namespace oyster {

struct CheckResult {
    std::string name;
    std::string looks_for;
    bool pass = false;
    // What was found: the offending text on a failure, the evidence on a pass.
    std::string detail;
};

// How many of `checks` failed.
inline std::size_t failed_checks(const std::vector<CheckResult>& checks) {
    std::size_t n = 0;
    for (const auto& c : checks) n += c.pass ? 0 : 1;
    return n;
}

struct StealthExpectations {
    // `systemd-detect-virt --vm` on the host ("none" on bare metal): guest
    // code runs on the host's processor, so CPUID tells the guest the same.
    std::string host_virtualization;
};

std::vector<CheckResult> judge_stealth(const ProbeOutput& probe, const StealthExpectations& expect);

// The first of the giveaway words (UML, its drivers, host paths) found in
// `text`, case-insensitively and at word starts; "" if none.
std::string find_giveaway(std::string_view text);

}  // namespace oyster
