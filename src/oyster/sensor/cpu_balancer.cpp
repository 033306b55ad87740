#include "oyster/sensor/cpu_balancer.h"

#include <utility>

#include "oyster/jail/guest_cgroup.h"

namespace oyster::sensor {

CpuBalancer::CpuBalancer(GuestPlacement placement, std::vector<int> cpus, std::string cgroup_root)
    : enabled_(placement == GuestPlacement::spread && cpus.size() > 1),
      cpus_(std::move(cpus)),
      cgroup_root_(std::move(cgroup_root)) {}

std::optional<PlacementMove> CpuBalancer::balance(const std::vector<Live>& guests, Clock::time_point now) {
    if (!due(now)) return std::nullopt;
    double seconds = std::chrono::duration<double>(now - last_).count();
    bool first = last_ == Clock::time_point{};
    last_ = now;
    std::map<std::string, std::uint64_t> seen;
    std::vector<GuestLoad> loads;
    for (const auto& g : guests) {
        if (g.cpu < 0) continue;
        auto ns = guest_cpu_time_ns(g.id, cgroup_root_);
        if (!ns) continue;
        seen[g.id] = *ns;
        auto before = cpu_ns_.find(g.id);
        if (first || before == cpu_ns_.end() || *ns < before->second) continue;
        loads.push_back({g.id, g.cpu, static_cast<double>(*ns - before->second) / 1e9 / seconds});
    }
    cpu_ns_ = std::move(seen);
    auto move = rebalance_move(cpus_, loads);
    if (!move) return std::nullopt;
    // The next loads from a whole interval on the new CPUs, not half of one.
    cpu_ns_.clear();
    pin_guest(move->id, move->to, cgroup_root_);
    return move;
}

}  // namespace oyster::sensor
