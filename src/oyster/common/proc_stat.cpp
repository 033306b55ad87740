#include "oyster/common/proc_stat.h"

#include <array>
#include <vector>

#include "oyster/common/decimal.h"
#include "oyster/common/text_lines.h"

namespace oyster {

std::optional<CpuTicks> parse_proc_stat_cpu(std::string_view text) {
    constexpr std::uint64_t kMaxTicks = std::uint64_t{1} << 56;
    std::vector<std::string_view> words;
    for (auto line : split_lines(text)) {
        words = split_words(line);
        if (!words.empty() && words[0] == "cpu") break;
        words.clear();
    }
    if (words.size() < 5) return std::nullopt;
    std::array<std::uint64_t, 8> v{};
    for (std::size_t i = 0; i < v.size() && i + 1 < words.size(); ++i) {
        auto n = parse_decimal<std::uint64_t>(words[i + 1]);
        if (!n || *n > kMaxTicks) return std::nullopt;
        v[i] = *n;
    }
    return CpuTicks{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]};
}

}  // namespace oyster
