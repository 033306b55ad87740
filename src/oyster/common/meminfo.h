// A field of /proc/meminfo's text ("MemTotal:       24731408 kB"), for
// the host's own figure (sandbox/host_checks.h) and the one a guest shows
// (selftest/stealth_checks.h).
#pragma once

#include <cstdint>
#include <string_view>

#include "oyster/common/decimal.h"
#include "oyster/common/text_lines.h"

namespace oyster {

// The value of `field` (without its colon) in KiB, or 0 when the text has
// no such field or its value is not a number.
inline std::uint64_t meminfo_kib(std::string_view meminfo, std::string_view field) {
    for (auto line : split_lines(meminfo)) {
        if (!line.starts_with(field) || line.size() <= field.size() || line[field.size()] != ':') continue;
        auto rest = line.substr(field.size() + 1);
        auto start = rest.find_first_not_of(' ');
        if (start == std::string_view::npos) return 0;
        rest = rest.substr(start);
        return parse_decimal<std::uint64_t>(rest.substr(0, rest.find(' '))).value_or(0);
    }
    return 0;
}

}  // namespace oyster
