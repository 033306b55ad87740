// The containment selftest's probes under load: a guest's root floods and
// hogs, and what matters is what leaves the host and what another guest
// still gets.
//   - flood_held: from the first guest, as fast as it can, TCP connection
//     attempts, UDP datagrams and ICMP echo requests to an address on the
//     documentation range (198.51.100.99: no internet host answers); a
//     libpcap capture on the interface they leave by must see no more of
//     each than its per-hour allowance (data_control) allows, while the
//     guest sent at least ten times that;
//   - neighbour_under_flood and neighbour_under_hogs: the other guest's
//     sshd banner, fetched from the host, must come within twice its idle
//     time (median of five; idle taken as at least 25 ms, below which the
//     host's own scheduling jitter is larger than the answer) while the
//     first guest floods, and while it runs a fork bomb and a memory hog.
//   - disk_fill_held: the first guest's root fills its disk; its own
//     writes end with ENOSPC, its COW file stays within the limit the jail
//     sets (jail/guest_jail.h: the disk's size plus headroom), the host's free
//     space falls by no more than that growth, and the other guest can
//     still write and answers within twice its idle banner time.
// The hogs come last: the first guest is then of no further use.
#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "oyster/common/config.h"
#include "oyster/sandbox/guest_record.h"
#include "oyster/selftest/guest_shell.h"
#include "oyster/selftest/stealth_checks.h"

namespace oyster {

// How long until the SSH banner of `ip`:22 arrived (wait_for_ssh_banner,
// from its first connect); nullopt when it did not come within `timeout`.
std::optional<std::chrono::microseconds> banner_latency(const std::string& ip,
                                                        std::chrono::milliseconds timeout = std::chrono::seconds(5));

// The neighbour check: `idle` and `loaded` are the samples (a missing banner
// counts as the timeout). Passes when the loaded median is within twice the
// idle median (idle at least 25 ms).
CheckResult judge_neighbour_latency(const std::string& name, const std::string& load,
                                    const std::vector<std::optional<std::chrono::microseconds>>& idle,
                                    const std::vector<std::optional<std::chrono::microseconds>>& loaded);

// What the flood script printed ("sent tcp N udp N icmp N").
struct FloodSent {
    std::uint64_t tcp = 0, udp = 0, icmp = 0;
};
std::optional<FloodSent> parse_flood_sent(const std::string& output);

std::vector<CheckResult> probe_floods(const Config& cfg, const GuestShell& shell, const GuestRecord& self,
                                      const GuestRecord& neighbour, std::ostream& log);

// What dd printed when it stopped: the bytes it copied, and whether the
// disk was full (ENOSPC) rather than some other end.
struct DdResult {
    std::uint64_t bytes = 0;
    bool disk_full = false;
};
std::optional<DdResult> parse_dd_result(const std::string& output);

CheckResult probe_disk_fill(const Config& cfg, const GuestShell& shell, const GuestRecord& self,
                            const GuestRecord& neighbour, std::ostream& log);

CheckResult probe_hogs(const GuestShell& shell, const GuestRecord& self, const GuestRecord& neighbour,
                       std::ostream& log);

}  // namespace oyster
