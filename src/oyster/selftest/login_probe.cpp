#include "oyster/selftest/login_probe.h"

#include <fmt/format.h>

#include <future>
#include <vector>

#include "oyster/sandbox/login_policy.h"

namespace oyster {

namespace {

// sshd lets 10 unauthenticated connections in at once (MaxStartups) and
// drops at random beyond; each refused attempt takes the hook's 2 s delay.
constexpr std::size_t kAtOnce = 8;

// The guest's login hook (guest/pam_login_policy.c) counts a source's
// failures in this file; while a directory stands in its place it counts
// nothing, and root after failures never decides.
constexpr const char* kTally = "/run/faillock/.tally";

// sshpass's status when ssh asked for the password again: refused.
constexpr int kSshpassRefused = 5;

}  // namespace

CheckResult probe_public_credentials(const GuestShell& shell, const std::string& guest_ip) {
    CheckResult c{"login_public_defaults",
                  "none of the credentials public honeypot detectors try logs in on a source's first attempt", false,
                  ""};
    if (shell.run(fmt::format("rm -f {0} && mkdir -p {0}", kTally)).exit_code != 0) {
        c.detail = fmt::format("could not hold the failure count still ({})", kTally);
        return c;
    }
    auto credentials = public_default_credentials();
    std::vector<std::string> accepted, unanswered;
    for (std::size_t i = 0; i < credentials.size(); i += kAtOnce) {
        std::vector<std::future<int>> tries;
        for (std::size_t j = i; j < std::min(i + kAtOnce, credentials.size()); ++j) {
            tries.push_back(std::async(std::launch::async, [&guest_ip, a = credentials[j]] {
                return GuestShell(guest_ip, a.password).try_login(a.user);
            }));
        }
        for (std::size_t j = 0; j < tries.size(); ++j) {
            int status = tries[j].get();
            const auto& a = credentials[i + j];
            if (status == 0) accepted.push_back(a.user + ":" + a.password);
            // A try that got no answer cannot say the credential fails.
            if (status != 0 && status != kSshpassRefused) {
                unanswered.push_back(fmt::format("{}:{} (exit {})", a.user, a.password, status));
            }
        }
    }
    shell.run(fmt::format("rmdir {}", kTally));
    c.pass = accepted.empty() && unanswered.empty();
    if (!accepted.empty()) {
        c.detail = fmt::format("logged in: {}", fmt::join(accepted, " "));
    } else if (!unanswered.empty()) {
        c.detail = fmt::format("no answer to: {}", fmt::join(unanswered, " "));
    } else {
        c.detail = fmt::format("{} tried, all refused", credentials.size());
    }
    return c;
}

}  // namespace oyster
