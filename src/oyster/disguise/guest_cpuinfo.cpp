#include "oyster/disguise/guest_cpuinfo.h"

#include <map>

namespace oyster {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::string guest_cpuinfo(std::string_view host_cpuinfo) {
    // One CPU: what a single-core machine's kernel prints for its topology.
    static const std::map<std::string_view, std::string_view> topology = {
        {"processor", "0"}, {"physical id", "0"}, {"siblings", "1"},      {"core id", "0"},
        {"cpu cores", "1"}, {"apicid", "0"},      {"initial apicid", "0"}};
    std::string out;
    std::size_t start = 0;
    while (start < host_cpuinfo.size()) {
        auto end = host_cpuinfo.find('\n', start);
        if (end == std::string_view::npos) end = host_cpuinfo.size();
        std::string_view line = host_cpuinfo.substr(start, end - start);
        start = end + 1;
        if (trim(line).empty()) break;  // end of the first processor's entry
        auto colon = line.find(':');
        std::string_view key = trim(line.substr(0, colon));
        if (colon != std::string_view::npos) {
            if (auto it = topology.find(key); it != topology.end()) {
                out.append(line.substr(0, colon + 1)).append(" ").append(it->second).append("\n");
                continue;
            }
        }
        out.append(line).append("\n");
    }
    return out;
}

}  // namespace oyster
