// `oyster selftest stealth`: boots a guest and judges, as an intruder
// would, whether it passes for a real Debian server. Inside, as root over
// SSH: selftest/stealth-probe.sh, with the fingerprinting tools brought in
// for the run and purged after (tool_packages.h). Outside: the SSH banner
// and key-exchange offer against a stock Debian sshd (reference_sshd.h).
// The guest and its disk are removed afterwards.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "oyster/common/config.h"
#include "oyster/sandbox/platform.h"
#include "oyster/selftest/ssh_kexinit.h"
#include "oyster/selftest/stealth_checks.h"

namespace oyster {

struct StealthRunOptions {
    // false boots the guest without its disguise (see StartOptions::disguise).
    bool disguise = true;
    bool keep_guest = false;
};

struct StealthReport {
    std::string guest_id;
    std::string guest_ip;
    std::vector<CheckResult> checks;
    std::size_t failed() const;
};

// Throws oyster::Error when the guest cannot be booted or reached; a check
// that cannot be made is a failed check.
StealthReport run_stealth_selftest(const Config& cfg, const Platform& platform, const StealthRunOptions& opts,
                                   std::ostream& log);

// The banner and KEXINIT checks: a guest's against the stock sshd's.
std::vector<CheckResult> compare_ssh_hello(const SshServerHello& guest, const SshServerHello& stock);

}  // namespace oyster
