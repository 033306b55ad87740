#include "oyster/selftest/lived_in_checks.h"

#include <optional>
#include <string>

#include <fmt/format.h>

#include "oyster/common/decimal.h"
#include "oyster/selftest/probe_output.h"

namespace oyster {
namespace {

constexpr double kDay = 86400;

std::optional<double> number(std::string_view s) {
    auto v = parse_decimal<long long>(s);
    return v ? std::optional<double>(static_cast<double>(*v)) : std::nullopt;
}

}  // namespace

std::vector<CheckResult> judge_lived_in(std::string_view section, bool present) {
    auto f = probe_fields(section);
    auto get = [&](std::string_view name) -> std::optional<double> {
        auto it = f.find(name);
        return it == f.end() ? std::nullopt : number(it->second);
    };
    auto count = [&](std::string_view name) { return get(name).value_or(0); };
    std::vector<CheckResult> out;
    auto btime = get("btime");
    auto days_before_boot = [&](std::optional<double> t) { return btime && t ? (*btime - *t) / kDay : 0.0; };

    // Logins: wtmp reaches months back with reboots and staff logins; the
    // internet's failures are in btmp; lastlog knows the users.
    double wtmp_days = days_before_boot(get("wtmp_begins"));
    double reboots = count("wtmp_reboots");
    double logins = count("wtmp_logins");
    double failures = count("btmp_failures");
    double lastlog = count("lastlog_users");
    bool logins_ok =
        present && wtmp_days >= kWtmpHistoryDays && reboots >= 3 && logins >= 5 && failures >= 20 && lastlog >= 1;
    out.push_back({"lived_in_logins",
                   fmt::format("wtmp begins at least {:.0f} days before the boot with earlier reboots and logins, "
                               "btmp holds the internet's failed logins, lastlog knows the users",
                               kWtmpHistoryDays),
                   logins_ok,
                   fmt::format("wtmp begins {:.0f} days before the boot, {:.0f} reboots, {:.0f} logins; btmp {:.0f} "
                               "failures; lastlog {:.0f} users",
                               wtmp_days, reboots, logins, failures, lastlog)});

    // Logs: rotated and compressed, reaching weeks back, with the SSH noise
    // every server on the internet logs.
    double rotated = count("rotated_logs");
    double oldest_days = days_before_boot(get("oldest_auth"));
    double auth_failures = count("auth_failures");
    bool logs_ok = present && rotated >= 3 && oldest_days >= kRotatedLogDays && auth_failures >= 10;
    out.push_back({"lived_in_logs",
                   fmt::format("the logs were rotated (auth.log.1, .gz generations) and reach at least {:.0f} days "
                               "before the boot, with failed SSH logins in them",
                               kRotatedLogDays),
                   logs_ok,
                   fmt::format("{:.0f} rotated files; the oldest auth.log line {:.0f} days before the boot; {:.0f} "
                               "failed passwords",
                               rotated, oldest_days, auth_failures)});

    // Packages: apt's history tells of upgrades before the boot, not of the
    // image build's one install.
    std::size_t sessions = 0;
    std::size_t before_boot = 0;
    for (auto [it, end] = f.equal_range("apt_session"); it != end; ++it) {
        ++sessions;
        auto t = number(it->second);
        if (btime && t && *t < *btime) ++before_boot;
    }
    double build_installs = count("apt_build_installs");
    bool packages_ok = present && before_boot >= 1 && build_installs == 0;
    out.push_back({"lived_in_packages",
                   "apt's history holds upgrade sessions from before the boot and none of an image build "
                   "(apt-get install -y -q, debootstrap)",
                   packages_ok,
                   fmt::format("{} apt sessions, {} before the boot; {:.0f} build installs", sessions, before_boot,
                               build_installs)});

    // Times: no file of the system's trees dates from the image build.
    std::string files;
    for (const char* k : {"build_m_file", "build_c_file", "build_B_file"}) {
        for (auto [it, end] = f.equal_range(std::string_view(k)); it != end; ++it) {
            if (files.size() < 300) files += (files.empty() ? "" : ", ") + it->second;
        }
    }
    double m = count("build_m");
    double c = count("build_c");
    double b = count("build_B");
    bool times_ok = present && get("build_m") && get("build_c") && get("build_B") && m + c + b == 0;
    out.push_back({"lived_in_times",
                   "no file of /etc, /home, /root, /srv, /var/lib/dpkg, /var/log or /usr/local was modified, "
                   "changed or born during the image build",
                   times_ok,
                   fmt::format("{:.0f} modified, {:.0f} changed, {:.0f} born in the build{}", m, c, b,
                               files.empty() ? "" : ": " + files)});
    return out;
}

}  // namespace oyster
