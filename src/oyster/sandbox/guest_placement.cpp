#include "oyster/sandbox/guest_placement.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "oyster/common/cpu_list.h"
#include "oyster/common/error.h"

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

}  // namespace oyster
