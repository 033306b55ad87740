#include "oyster/selftest/clock_checks.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <string>

#include "oyster/common/text_lines.h"

namespace oyster {

namespace {

std::optional<double> number(std::string_view s) {
    double v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

// systemd-analyze's kernel time ("98ms", "1.234s"; "1month 1w 4d 3h
// 20min 5.1s" on a kernel whose clocks started at the shown uptime) in
// seconds, when it is a plain one.
std::optional<double> kernel_seconds(std::string_view analyze) {
    const std::string_view from = "Startup finished in ";
    auto at = analyze.find(from);
    auto end = analyze.find(" (kernel)");
    if (at == std::string_view::npos || end == std::string_view::npos || end < at + from.size()) return std::nullopt;
    auto span = analyze.substr(at + from.size(), end - at - from.size());
    if (span.ends_with("ms")) {
        auto v = number(span.substr(0, span.size() - 2));
        return v ? std::optional<double>(*v / 1000) : std::nullopt;
    }
    if (span.ends_with("s") && !span.ends_with("min")) return number(span.substr(0, span.size() - 1));
    return std::nullopt;
}

std::string when(double unix_seconds) {
    return fmt::format("{:.0f}", unix_seconds);
}

}  // namespace

std::vector<CheckResult> judge_clock(std::string_view section, bool present) {
    std::vector<CheckResult> out;
    const std::string records_looks_for = fmt::format(
        "init's start, utmp's and wtmp's boot records, the journal's first entry and /run's files date from the "
        "boot moment /proc/stat gives (within {:.0f} s after it)",
        kBootRecordWindowS);
    const std::string clocks_looks_for = fmt::format(
        "the uptime agrees with the wall clock less btime and a process's start time, and dmesg dates a line "
        "written now at now (within {:.0f} s)",
        kClockSlackS);
    const std::string idle_looks_for = "the idle time is most of the uptime, as on a server that has been up that long";
    const std::string analyze_looks_for = "systemd-analyze says the kernel booted in seconds, not in the uptime";
    const std::string monotonic_looks_for = fmt::format(
        "the kernel log stamps a line written now with the uptime (within {:.0f} s): the monotonic clock has run as "
        "long as the boot clock, as on a machine never suspended",
        kClockSlackS);
    const std::string steady_looks_for =
        "no service has restarted or been killed by its watchdog since the boot, as on a server that ran quietly "
        "(a clock catch-up that makes daemons walk their timers shows here)";
    if (!present) {
        for (const auto& [name, looks] :
             {std::pair{"boot_records", records_looks_for}, std::pair{"clock_sources", clocks_looks_for},
              std::pair{"idle_time", idle_looks_for}, std::pair{"systemd_analyze", analyze_looks_for},
              std::pair{"daemons_steady", steady_looks_for}, std::pair{"monotonic_clock", monotonic_looks_for}}) {
            out.push_back({name, looks, false, "no 'clock' output"});
        }
        return out;
    }
    auto f = probe_fields(section);
    auto get = [&](std::string_view name) -> std::optional<double> {
        auto it = f.find(name);
        return it == f.end() ? std::nullopt : number(it->second);
    };
    auto btime = get("btime");
    auto uptime = get("uptime");

    std::string bad;
    if (!btime) bad = "no btime";
    // `who -b` shows the minute only; the others the second.
    for (auto [name, before] : {std::pair{"pid1", 2.0}, std::pair{"utmp_boot", 60.0}, std::pair{"wtmp_boot", 2.0},
                                std::pair{"journal_first", 2.0}, std::pair{"run_sshd", 2.0}}) {
        if (!bad.empty()) break;
        auto v = get(name);
        if (!v) {
            bad = fmt::format("no {}", name);
        } else if (*v < *btime - before || *v > *btime + kBootRecordWindowS) {
            bad = fmt::format("{} {} is {:+.0f} s from btime {}", name, when(*v), *v - *btime, when(*btime));
        }
    }
    out.push_back(
        {"boot_records", records_looks_for, bad.empty(),
         bad.empty() ? fmt::format("all within {:.0f} s of btime {}", kBootRecordWindowS, when(*btime)) : bad});

    bad.clear();
    auto now = get("now");
    auto tck = get("clk_tck");
    auto start = get("self_start");
    auto kmsg = get("kmsg");
    auto kmsg_when = get("kmsg_when");
    if (!uptime || !now || !btime) {
        bad = "no uptime, now or btime";
    } else if (std::abs(*now - *btime - *uptime) > kClockSlackS) {
        bad = fmt::format("now - btime is {:.0f} s, uptime {:.0f} s", *now - *btime, *uptime);
    } else if (!tck || *tck <= 0 || !start) {
        bad = "no process start time";
    } else if (std::abs(*start / *tck - *uptime) > kClockSlackS) {
        bad = fmt::format("a process started now started {:.0f} s after boot, uptime {:.0f} s", *start / *tck, *uptime);
    } else if (!kmsg_when) {
        bad = "no time dmesg gives the line written";
    } else if (std::abs(*kmsg_when - *now) > kClockSlackS) {
        bad = fmt::format("dmesg dates a line written now {:+.0f} s from now", *kmsg_when - *now);
    }
    out.push_back({"clock_sources", clocks_looks_for, bad.empty(),
                   bad.empty() ? fmt::format("uptime {:.0f} s everywhere", *uptime) : bad});

    auto idle = get("idle");
    bool idle_ok = idle && uptime && *uptime > 0 && *idle >= *uptime / 2;
    out.push_back({"idle_time", idle_looks_for, idle_ok,
                   idle && uptime ? fmt::format("idle {:.0f} s of {:.0f} s up", *idle, *uptime) : "no /proc/uptime"});

    auto analyze_it = f.find("analyze");
    std::string analyze = analyze_it == f.end() ? "" : analyze_it->second;
    auto kernel = kernel_seconds(analyze);
    out.push_back({"systemd_analyze", analyze_looks_for, kernel && *kernel < 60,
                   analyze.empty() ? "no systemd-analyze output" : analyze});

    auto restarts = get("service_restarts");
    auto timeouts = get("watchdog_timeouts");
    out.push_back(
        {"daemons_steady", steady_looks_for, restarts == 0.0 && timeouts == 0.0,
         restarts && timeouts
             ? fmt::format("{:.0f} service restarts, {:.0f} watchdog timeouts in the journal", *restarts, *timeouts)
             : "no restart or watchdog count"});

    bool monotonic_ok = kmsg && uptime && std::abs(*kmsg - *uptime) <= kClockSlackS;
    out.push_back({"monotonic_clock", monotonic_looks_for, monotonic_ok,
                   kmsg && uptime ? fmt::format("the line is stamped [{:.3f}], uptime {:.0f} s", *kmsg, *uptime)
                                  : "no kernel log stamp for the line written"});
    return out;
}

}  // namespace oyster
