// The sensor's side of guest placement (sandbox/guest_placement.h): with
// `spread`, every few seconds it reads each live guest's CPU time from its
// cgroup and moves at most one guest to another CPU when two busy guests
// share one while another has room. Without spread placement, more than one
// guest CPU, or the guests' CPU time (no cpuacct or cgroup v2 cpu), it does
// nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "oyster/common/config.h"
#include "oyster/sandbox/guest_placement.h"

namespace oyster::sensor {

class CpuBalancer {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::seconds kInterval{5};

    // `cpus`: the CPUs guests may run on (guest_cpus()).
    CpuBalancer(GuestPlacement placement, std::vector<int> cpus, std::string cgroup_root = "/sys/fs/cgroup");

    // A guest the sensor runs: its id and the CPU it is pinned to.
    struct Live {
        std::string id;
        int cpu = -1;
    };
    // Whether balance() would act now (once per kInterval, when enabled).
    bool due(Clock::time_point now) const { return enabled_ && now - last_ >= kInterval; }
    // Measures the guests' loads since the last call and makes the move
    // rebalance_move() names, if any. Returns it (the guest's threads are
    // pinned to `to` by then), for the caller to record. Throws
    // oyster::Error when the move failed half-way.
    std::optional<PlacementMove> balance(const std::vector<Live>& guests, Clock::time_point now);

private:
    bool enabled_;
    std::vector<int> cpus_;
    std::string cgroup_root_;
    Clock::time_point last_{};
    std::map<std::string, std::uint64_t> cpu_ns_;  // at last_
};

}  // namespace oyster::sensor
