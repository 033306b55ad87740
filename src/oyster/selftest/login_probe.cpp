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

}  // namespace

CheckResult probe_public_credentials(const GuestShell& shell, const std::string& guest_ip) {
    CheckResult c{"login_public_defaults",
                  "none of the credentials public honeypot detectors try logs in on a source's first attempt", false,
                  ""};
    shell.run(fmt::format("rm -f {0} && mkdir -p {0}", kTally));
    auto credentials = public_default_credentials();
    std::vector<std::string> accepted;
    for (std::size_t i = 0; i < credentials.size(); i += kAtOnce) {
        std::vector<std::future<bool>> tries;
        for (std::size_t j = i; j < std::min(i + kAtOnce, credentials.size()); ++j) {
            tries.push_back(std::async(std::launch::async, [&guest_ip, a = credentials[j]] {
                return GuestShell(guest_ip, a.password).logs_in(a.user);
            }));
        }
        for (std::size_t j = 0; j < tries.size(); ++j) {
            if (tries[j].get()) {
                const auto& a = credentials[i + j];
                accepted.push_back(a.user + ":" + a.password);
            }
        }
    }
    shell.run(fmt::format("rmdir {}", kTally));
    c.pass = accepted.empty();
    c.detail = accepted.empty() ? fmt::format("{} tried, all refused", credentials.size())
                                : fmt::format("logged in: {}", fmt::join(accepted, " "));
    return c;
}

}  // namespace oyster
