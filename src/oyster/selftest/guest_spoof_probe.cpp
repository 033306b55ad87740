#include "oyster/selftest/guest_spoof_probe.h"

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "oyster/common/text_lines.h"
#include "oyster/net/guest_firewall.h"
#include "oyster/selftest/egress_watch.h"

namespace oyster {
namespace {

// Per run (of three): enough to be a flood at the tap, few enough to take
// a second.
constexpr std::uint64_t kPacketsPerRun = 300;
constexpr std::uint64_t kRuns = 3;
// A forged internet source no host owns (documentation range).
constexpr const char* kForgedSource = "203.0.113.202";

}  // namespace

std::uint64_t hping_transmitted(const std::string& output) {
    std::uint64_t total = 0;
    for (auto line : split_lines(output)) {
        constexpr std::string_view kTail = " packets transmitted";
        auto at = line.find(kTail);
        // At most 9 digits: a sum that cannot overflow, whatever the guest
        // printed.
        if (at == std::string_view::npos || at == 0 || at > 9) continue;
        std::uint64_t n = 0;
        bool digits = true;
        for (char ch : line.substr(0, at)) {
            digits = digits && ch >= '0' && ch <= '9';
            n = n * 10 + static_cast<std::uint64_t>(ch - '0');
        }
        if (digits) total += n;
    }
    return total;
}

CheckResult probe_spoofed_flood(const GuestShell& shell, const GuestRecord& self, const GuestRecord& other,
                                const std::string& target, std::ostream& log) {
    CheckResult c{"spoofed_flood",
                  fmt::format("hping3 floods from random sources, from {} and from the other guest's address ({}) "
                              "never leave the host and are all dropped as spoofed",
                              kForgedSource, other.guest_ip),
                  false, ""};
    LeakWatch watch(target, "dst host " + target);
    auto before = drop_count("spoofed").value_or(0);
    log << fmt::format("selftest: hping3 in guest {}: {} packets each from random sources, {} and {}, to {}\n", self.id,
                       kPacketsPerRun, kForgedSource, other.guest_ip, target);
    // -i u2000: one packet every 2 ms; the statistics go to stderr.
    auto runs = fmt::format(
        "timeout 30 hping3 --rand-source -S -p 80 -c {0} -i u2000 {1} 2>&1; "
        "timeout 30 hping3 -a {2} -2 -p 53 -c {0} -i u2000 {1} 2>&1; "
        "timeout 30 hping3 -a {3} -1 -c {0} -i u2000 {1} 2>&1",
        kPacketsPerRun, target, kForgedSource, other.guest_ip);
    auto r = shell.run(runs);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto dropped = drop_count("spoofed").value_or(0) - before;
    std::uint64_t left = watch.count();
    std::uint64_t sent = hping_transmitted(r.stdout_text);
    c.pass = sent >= kRuns * kPacketsPerRun && left == 0 && dropped >= sent;
    c.detail = fmt::format("hping3 sent {} ({} runs of {}); {} dropped as spoofed, {} seen leaving by {}", sent, kRuns,
                           kPacketsPerRun, dropped, left, watch.where());
    if (sent < kRuns * kPacketsPerRun) c.detail += "; hping3: " + r.stdout_text.substr(0, 300);
    return c;
}

}  // namespace oyster
