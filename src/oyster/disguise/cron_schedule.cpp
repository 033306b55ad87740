#include "oyster/disguise/cron_schedule.h"

#include <optional>

#include "oyster/common/decimal.h"
#include "oyster/common/text_lines.h"

namespace oyster::disguise {
namespace {

// One field ("*", "5", "1-5", "*/15", "0-30/10", "1,15") into `bits`,
// values lo..hi. False when it is not of that form.
template <std::size_t N>
bool parse_field(std::string_view field, int lo, int hi, std::bitset<N>& bits) {
    for (std::string_view part : split_on(field, ',')) {
        int step = 1;
        if (auto slash = part.find('/'); slash != std::string_view::npos) {
            auto s = parse_decimal<int>(part.substr(slash + 1));
            if (!s || *s <= 0) return false;
            step = *s;
            part = part.substr(0, slash);
        }
        int from = lo;
        int to = hi;
        if (part != "*") {
            auto dash = part.find('-');
            auto a = parse_decimal<int>(part.substr(0, dash));
            if (!a) return false;
            from = *a;
            to = *a;
            if (dash != std::string_view::npos) {
                auto b = parse_decimal<int>(part.substr(dash + 1));
                if (!b) return false;
                to = *b;
            }
        }
        if (from < lo || to > hi || from > to) return false;
        for (int v = from; v <= to; v += step) bits.set(static_cast<std::size_t>(v));
    }
    return true;
}

}  // namespace

bool CronJob::runs_at(int min, int hr, int dom, int mon, int dow) const {
    if (!minute.test(static_cast<std::size_t>(min)) || !hour.test(static_cast<std::size_t>(hr)) ||
        !month.test(static_cast<std::size_t>(mon))) {
        return false;
    }
    bool dom_ok = day_of_month.test(static_cast<std::size_t>(dom));
    bool dow_ok = day_of_week.test(static_cast<std::size_t>(dow)) || (dow == 0 && day_of_week.test(7));
    if (any_day_of_month || any_day_of_week) return dom_ok && dow_ok;
    return dom_ok || dow_ok;
}

std::vector<CronJob> parse_system_crontab(std::string_view text) {
    std::vector<CronJob> jobs;
    for (std::string_view line : split_on(text, '\n')) {
        std::size_t at = 0;
        auto skip_blanks = [&] {
            while (at < line.size() && (line[at] == ' ' || line[at] == '\t')) ++at;
        };
        auto word = [&] {
            skip_blanks();
            std::size_t start = at;
            while (at < line.size() && line[at] != ' ' && line[at] != '\t') ++at;
            return line.substr(start, at - start);
        };
        skip_blanks();
        if (at >= line.size() || line[at] == '#') continue;
        std::string_view fields[6];
        for (auto& f : fields) f = word();
        skip_blanks();
        std::string_view command = line.substr(at);
        if (fields[5].empty() || command.empty() || fields[0].find('=') != std::string_view::npos) continue;
        CronJob job;
        if (!parse_field(fields[0], 0, 59, job.minute) || !parse_field(fields[1], 0, 23, job.hour) ||
            !parse_field(fields[2], 1, 31, job.day_of_month) || !parse_field(fields[3], 1, 12, job.month) ||
            !parse_field(fields[4], 0, 7, job.day_of_week)) {
            continue;
        }
        job.any_day_of_month = fields[2] == "*";
        job.any_day_of_week = fields[4] == "*";
        job.user = std::string(fields[5]);
        job.command = std::string(command);
        jobs.push_back(std::move(job));
    }
    return jobs;
}

}  // namespace oyster::disguise
