#include "oyster/common/cpu_list.h"

#include <sched.h>

#include <charconv>

#include "oyster/common/error.h"

namespace oyster {
namespace {

std::optional<int> cpu_number(std::string_view s) {
    int v = -1;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || v < 0 || v >= CPU_SETSIZE) {
        return std::nullopt;
    }
    return v;
}

}  // namespace

std::optional<std::vector<int>> parse_cpu_list(std::string_view s) {
    std::vector<int> cpus;
    while (!s.empty()) {
        auto comma = s.find(',');
        auto item = s.substr(0, comma);
        s = comma == std::string_view::npos ? std::string_view{} : s.substr(comma + 1);
        if (comma != std::string_view::npos && s.empty()) return std::nullopt;  // a trailing comma
        auto dash = item.find('-');
        auto first = cpu_number(item.substr(0, dash));
        auto last = dash == std::string_view::npos ? first : cpu_number(item.substr(dash + 1));
        if (!first || !last || *last < *first) return std::nullopt;
        if (!cpus.empty() && *first <= cpus.back()) return std::nullopt;
        for (int c = *first; c <= *last; ++c) cpus.push_back(c);
    }
    if (cpus.empty()) return std::nullopt;
    return cpus;
}

std::string cpu_list_text(const std::vector<int>& cpus) {
    std::string out;
    for (int c : cpus) out += (out.empty() ? "" : ",") + std::to_string(c);
    return out;
}

std::vector<int> allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof set, &set) != 0) throw_errno("sched_getaffinity");
    std::vector<int> cpus;
    for (int c = 0; c < CPU_SETSIZE; ++c) {
        if (CPU_ISSET(c, &set)) cpus.push_back(c);
    }
    return cpus;
}

}  // namespace oyster
