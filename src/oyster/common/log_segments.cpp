#include "oyster/common/log_segments.h"

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <string>

namespace oyster {

std::filesystem::path rotated_segment(const std::filesystem::path& log, std::uint64_t number) {
    auto p = log;
    p += "." + std::to_string(number);
    return p;
}

std::vector<LogSegment> log_segments(const std::filesystem::path& log) {
    std::vector<LogSegment> out;
    auto stat_into = [&out](const std::filesystem::path& p, std::uint64_t number) {
        struct stat st {};
        if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;
        out.push_back({p, number, static_cast<std::uint64_t>(st.st_ino), static_cast<std::uint64_t>(st.st_size)});
    };
    std::string prefix = log.filename().string() + ".";
    std::vector<std::uint64_t> numbers;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(log.parent_path(), ec)) {
        std::string name = e.path().filename().string();
        if (!name.starts_with(prefix)) continue;
        std::string_view digits(name.data() + prefix.size(), name.size() - prefix.size());
        std::uint64_t n = 0;
        auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
        if (err == std::errc() && end == digits.data() + digits.size() && n > 0) numbers.push_back(n);
    }
    std::sort(numbers.begin(), numbers.end());
    for (auto n : numbers) stat_into(rotated_segment(log, n), n);
    stat_into(log, 0);
    return out;
}

std::optional<LogPlace> place_in(const std::vector<LogSegment>& segments, std::uint64_t inode, std::uint64_t offset) {
    if (segments.empty()) return std::nullopt;
    LogPlace p;
    auto it = std::find_if(segments.begin(), segments.end(),
                           [inode](const LogSegment& s) { return inode != 0 && s.inode == inode; });
    if (it == segments.end()) {
        p.restarted = inode != 0;
        return p;
    }
    p.index = static_cast<std::size_t>(it - segments.begin());
    p.offset = offset;
    if (offset > it->size) {
        // Truncated under the reader: that file again, from its start.
        p.offset = 0;
        p.restarted = true;
        return p;
    }
    while (p.index + 1 < segments.size() && p.offset >= segments[p.index].size) {
        ++p.index;
        p.offset = 0;
    }
    return p;
}

std::uint64_t bytes_from(const std::vector<LogSegment>& segments, const LogPlace& place) {
    std::uint64_t rest = 0;
    for (std::size_t i = place.index; i < segments.size(); ++i) rest += segments[i].size;
    return place.index < segments.size() ? rest - std::min(place.offset, segments[place.index].size) : 0;
}

}  // namespace oyster
