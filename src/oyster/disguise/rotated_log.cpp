#include "oyster/disguise/rotated_log.h"

#include <fmt/format.h>

#include "oyster/disguise/local_time.h"

namespace oyster::disguise {
namespace {

constexpr std::int64_t kDay = 86400;

std::int64_t next_midnight_run(std::int64_t t, int minute) {
    LocalTime l = local_time(t);
    return from_local(l.year, l.month, l.day + 1, 0, minute, 0);
}

}  // namespace

std::vector<LivedInFile> rotated_log(const std::string& path, const std::vector<LogEntry>& entries,
                                     const std::vector<std::int64_t>& rotations, const Rotation& rule,
                                     std::int64_t start, const LivedInFile& like) {
    // Generations, oldest first; each a list of entries.
    std::vector<std::vector<const LogEntry*>> gens;
    std::vector<std::int64_t> rotated_at;
    std::vector<const LogEntry*> current;
    std::size_t r = 0;
    for (const auto& e : entries) {
        while (r < rotations.size() && rotations[r] * 1000000 <= e.at_us) {
            if (!current.empty()) {
                gens.push_back(std::move(current));
                rotated_at.push_back(rotations[r]);
                current.clear();
            }
            ++r;
        }
        current.push_back(&e);
    }
    for (; r < rotations.size(); ++r) {
        if (!current.empty()) {
            gens.push_back(std::move(current));
            rotated_at.push_back(rotations[r]);
            current.clear();
        }
    }
    auto file_of = [&](const std::vector<const LogEntry*>& g, std::string name, std::int64_t empty_time) {
        LivedInFile f = like;
        f.path = std::move(name);
        for (const LogEntry* e : g) f.content += e->text;
        f.mtime = g.empty() ? empty_time : g.back()->at_us / 1000000;
        return f;
    };
    std::vector<LivedInFile> out;
    out.push_back(file_of(current, path, rotated_at.empty() ? start : rotated_at.back()));
    int n = 1;
    for (auto g = gens.rbegin(); g != gens.rend() && n <= rule.keep; ++g, ++n) {
        bool gz = rule.compress && !(rule.delaycompress && n == 1);
        out.push_back(file_of(*g, fmt::format("{}.{}{}", path, n, gz ? ".gz" : ""), 0));
    }
    return out;
}

std::vector<std::int64_t> weekly_rotations(std::int64_t from, std::int64_t to, int minute) {
    std::vector<std::int64_t> out;
    for (std::int64_t t = next_midnight_run(from - kDay, minute); t < to; t = next_midnight_run(t, minute)) {
        if (t >= from && local_time(t).day_of_week == 0) out.push_back(t);
    }
    return out;
}

std::vector<std::int64_t> monthly_rotations(std::int64_t from, std::int64_t to, int minute) {
    std::vector<std::int64_t> out;
    LocalTime l = local_time(from);
    for (int m = 0;; ++m) {
        std::int64_t t = from_local(l.year, l.month + m, 1, 0, minute, 0);
        if (t >= to) break;
        if (t >= from) out.push_back(t);
    }
    return out;
}

std::string syslog_line(std::int64_t at_us, const std::string& host, const std::string& tag,
                        const std::string& message) {
    return fmt::format("{} {} {}: {}\n", rfc3339_micro(at_us), host, tag, message);
}

}  // namespace oyster::disguise
