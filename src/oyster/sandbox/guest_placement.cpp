#include "oyster/sandbox/guest_placement.h"

#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <map>

#include <fmt/format.h>

#include "oyster/common/cpu_list.h"
#include "oyster/common/error.h"
#include "oyster/jail/guest_cgroup.h"

namespace oyster {

std::vector<int> guest_cpus(const std::string& configured, const std::string& key) {
    auto allowed = allowed_cpus();
    if (configured.empty()) return allowed;
    auto wanted = parse_cpu_list(configured);
    if (!wanted) throw Error(fmt::format("{}: \"{}\" is not a CPU list (e.g. \"1-3\")", key, configured));
    for (int c : *wanted) {
        if (!std::binary_search(allowed.begin(), allowed.end(), c)) {
            throw Error(
                fmt::format("{}: CPU {} is not one this sensor may run on ({})", key, c, cpu_list_text(allowed)));
        }
    }
    return *wanted;
}

std::vector<int> guest_cpus(const Config& cfg) {
    return guest_cpus(cfg.guest.cpus, cfg.source + ": guest.cpus");
}

int choose_guest_cpu(GuestPlacement placement, const std::vector<int>& cpus, const std::vector<int>& live_guest_cpus) {
    if (placement == GuestPlacement::free || cpus.empty()) return -1;
    if (placement == GuestPlacement::single) return cpus.back();
    std::map<int, int> guests_on;
    for (int c : live_guest_cpus) ++guests_on[c];
    // Fewest guests first; among equals the later CPU, since the host's
    // device interrupts and timers tend to land on the first.
    int best = cpus.back();
    for (auto it = cpus.rbegin(); it != cpus.rend(); ++it) {
        if (guests_on[*it] < guests_on[best]) best = *it;
    }
    return best;
}

std::optional<PlacementMove> rebalance_move(const std::vector<int>& cpus, const std::vector<GuestLoad>& guests) {
    std::map<int, double> load;
    for (int c : cpus) load[c] = 0.0;
    for (const auto& g : guests) {
        if (load.contains(g.cpu)) load[g.cpu] += g.cpus_used;
    }
    if (load.size() < 2) return std::nullopt;
    auto by_load = [](const auto& a, const auto& b) { return a.second < b.second; };
    auto [busiest, busiest_load] = *std::max_element(load.begin(), load.end(), by_load);
    auto [idlest, idlest_load] = *std::min_element(load.begin(), load.end(), by_load);
    std::optional<PlacementMove> best;
    double best_peak = busiest_load - kRebalanceGain;
    for (const auto& g : guests) {
        if (g.cpu != busiest) continue;
        // The busier of the two CPUs after the move.
        double peak = std::max(busiest_load - g.cpus_used, idlest_load + g.cpus_used);
        if (best ? peak < best_peak : peak <= best_peak) {  // equals: the first
            best_peak = peak;
            best = PlacementMove{g.id, busiest, idlest, busiest_load, idlest_load};
        }
    }
    return best;
}

std::size_t pin_guest(const std::string& guest_id, int cpu, const std::string& cgroup_root) {
    if (cpu < 0 || cpu >= CPU_SETSIZE) throw Error(fmt::format("guest {}: no CPU {}", guest_id, cpu));
    cpu_set_t target;
    CPU_ZERO(&target);
    CPU_SET(cpu, &target);
    std::size_t moved = 0;
    for (int pass = 0; pass < 8; ++pass) {
        std::size_t this_pass = 0;
        for (pid_t tid : guest_threads(guest_id, cgroup_root)) {
            cpu_set_t now;
            CPU_ZERO(&now);
            if (::sched_getaffinity(tid, sizeof now, &now) != 0) continue;  // exited
            if (CPU_EQUAL(&now, &target)) continue;
            if (::sched_setaffinity(tid, sizeof target, &target) != 0) {
                if (errno == ESRCH) continue;
                throw_errno(fmt::format("guest {}: pin thread {} to CPU {}", guest_id, tid, cpu));
            }
            ++this_pass;
        }
        moved += this_pass;
        if (this_pass == 0) return moved;
    }
    return moved;
}

}  // namespace oyster
