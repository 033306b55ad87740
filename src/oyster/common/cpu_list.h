// CPU lists as the kernel writes them ("0-3,6,8-9"), and the CPUs this
// process may run on.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oyster {

// Each CPU once, in ascending order. nullopt for anything else (also an
// empty string), or a CPU beyond what sched_setaffinity can name.
std::optional<std::vector<int>> parse_cpu_list(std::string_view s);

// "0,2,3": one number per CPU, for messages.
std::string cpu_list_text(const std::vector<int>& cpus);

// The CPUs in this process's affinity mask. Throws oyster::Error.
std::vector<int> allowed_cpus();

}  // namespace oyster
