#include "oyster/disguise/shown_uptime.h"

#include <ctime>

#include <fmt/format.h>

#include "oyster/common/sha256.h"

namespace oyster {
namespace {

constexpr std::int64_t kDay = 86400;

// The unix time of "(YYYY-MM-DD)" at the end of a Debian kernel version, or 0.
std::int64_t kernel_build_date(std::string_view version) {
    if (version.size() < 12 || version.back() != ')') return 0;
    std::string_view d = version.substr(version.size() - 11, 10);
    if (version[version.size() - 12] != '(' || d[4] != '-' || d[7] != '-') return 0;
    int parts[3] = {0, 0, 0};
    std::size_t lens[3] = {4, 2, 2}, at = 0;
    for (int i = 0; i < 3; ++i) {
        for (std::size_t k = 0; k < lens[i]; ++k, ++at) {
            char c = d[at];
            if (c < '0' || c > '9') return 0;
            parts[i] = parts[i] * 10 + (c - '0');
        }
        ++at;  // '-'
    }
    std::tm tm{};
    tm.tm_year = parts[0] - 1900;
    tm.tm_mon = parts[1] - 1;
    tm.tm_mday = parts[2];
    return static_cast<std::int64_t>(::timegm(&tm));
}

std::int64_t jitter_of(std::string_view seed) {
    // Hours and minutes of their own, so that no two installations boot
    // on the same round figure.
    return static_cast<std::int64_t>(
        std::stoull(sha256_text(fmt::format("oyster-boot\n{}", seed)).substr(0, 8), nullptr, 16) %
        static_cast<std::uint64_t>(kDay));
}

}  // namespace

std::int64_t shown_boot_anchor(std::uint32_t uptime_days, std::int64_t now, std::string_view seed,
                               const std::optional<ShownBoot>& previous) {
    if (uptime_days == 0) return 0;
    if (previous && previous->uptime_days == uptime_days && previous->boot_time > 0) {
        // A platform from before anchors were kept: its boot is the anchor.
        return previous->anchor > 0 ? previous->anchor : previous->boot_time;
    }
    return now - static_cast<std::int64_t>(uptime_days) * kDay - jitter_of(seed);
}

ShownBoot shown_boot_at(std::uint32_t uptime_days, std::int64_t anchor, std::string_view kernel_version,
                        std::string_view seed) {
    if (uptime_days == 0 || anchor <= 0) return {};
    std::int64_t jitter = jitter_of(seed);
    // The setup that drew the anchor ran at this moment.
    std::int64_t drawn_at = anchor + static_cast<std::int64_t>(uptime_days) * kDay + jitter;
    std::int64_t boot = anchor;
    if (std::int64_t built = kernel_build_date(kernel_version); built > 0 && boot < built + kDay) {
        boot = std::min(drawn_at, built + kDay + jitter);
    }
    return {boot, uptime_days, anchor};
}

ShownBoot shown_boot(std::uint32_t uptime_days, std::int64_t now, std::string_view kernel_version,
                     std::string_view seed, const std::optional<ShownBoot>& previous) {
    if (previous && previous->uptime_days == uptime_days && previous->boot_time > 0 && uptime_days > 0) {
        ShownBoot kept = *previous;
        if (kept.anchor <= 0) kept.anchor = kept.boot_time;
        return kept;
    }
    return shown_boot_at(uptime_days, shown_boot_anchor(uptime_days, now, seed, previous), kernel_version, seed);
}

ClockCatchUp clock_catch_up(bool boot_at_shown_moment, bool catch_up_monotonic) {
    if (!boot_at_shown_moment) return ClockCatchUp::none;
    return catch_up_monotonic ? ClockCatchUp::every_clock : ClockCatchUp::as_on_resume;
}

std::vector<std::string> shown_uptime_env(const ShownBoot& boot, std::int64_t now, std::int64_t disk_last_written,
                                          ClockCatchUp catch_up) {
    if (boot.boot_time <= 0) return {};
    std::int64_t moment = boot.boot_time;
    if (disk_last_written > 0) moment = std::max(moment, disk_last_written + kRebootS);
    if (now <= moment) return {};
    std::vector<std::string> env{fmt::format("UML_SHOWN_UPTIME={}", now - moment)};
    if (catch_up == ClockCatchUp::as_on_resume) env.emplace_back("UML_SHOWN_CATCH_UP=1");
    if (catch_up == ClockCatchUp::every_clock) env.emplace_back("UML_SHOWN_CATCH_UP=monotonic");
    return env;
}

}  // namespace oyster
