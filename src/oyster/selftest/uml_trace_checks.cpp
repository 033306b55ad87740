#include "oyster/selftest/uml_trace_checks.h"

#include <array>
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "oyster/common/proc_stat.h"
#include "oyster/common/text_lines.h"

namespace oyster {
namespace {

// The first line of `text` holding one of kUmlBootLines, or "".
std::string first_uml_line(std::string_view text) {
    for (auto line : split_lines(text)) {
        for (auto words : kUmlBootLines) {
            if (line.find(words) != std::string_view::npos) return std::string(line);
        }
    }
    return {};
}

}  // namespace

CheckResult judge_boot_log(std::string_view dmesg, bool dmesg_present, std::string_view journal, bool journal_present) {
    CheckResult out{"boot_log", "the kernel log and this boot's journal have no line only a UML boot leaves", false,
                    ""};
    if (!dmesg_present || !journal_present) {
        out.detail = !dmesg_present ? "no 'dmesg' output" : "no 'journal' output";
        return out;
    }
    if (auto line = first_uml_line(dmesg); !line.empty()) {
        out.detail = "dmesg: " + line;
    } else if (line = first_uml_line(journal); !line.empty()) {
        out.detail = "journal: " + line;
    } else {
        out.pass = true;
        out.detail = "none found";
    }
    return out;
}

CheckResult judge_readiness_probe(std::string_view journal, bool present) {
    CheckResult out{"readiness_probe", "no connection reached sshd before the first login of this boot", false, ""};
    if (!present) {
        out.detail = "no 'journal' output";
        return out;
    }
    // What sshd logs of a connection that leaves before logging in.
    constexpr std::array<std::string_view, 4> kVisit = {"kex_exchange_identification", "Connection closed by",
                                                        "Connection reset by", "banner exchange"};
    for (auto line : split_lines(journal)) {
        if (line.find("sshd[") == std::string_view::npos) continue;
        if (line.find("Accepted ") != std::string_view::npos) {
            out.pass = true;
            out.detail = "none before: " + std::string(line);
            return out;
        }
        for (auto words : kVisit) {
            if (line.find(words) != std::string_view::npos) {
                out.detail = std::string(line);
                return out;
            }
        }
    }
    out.detail = "no login in this boot's journal";
    return out;
}

CheckResult judge_cpu_user_time(std::string_view proc_stat_cpu, bool present) {
    CheckResult out{"cpu_user_time", "/proc/stat counts user time (at least a tenth of user and system)", false, ""};
    auto ticks = present ? parse_proc_stat_cpu(proc_stat_cpu) : std::nullopt;
    if (!ticks) {
        out.detail =
            present ? fmt::format("no cpu line: '{}'", proc_stat_cpu.substr(0, 80)) : "no 'proc_stat_cpu' output";
        return out;
    }
    out.pass = ticks->user > 0 && ticks->user * 10 >= ticks->user + ticks->system;
    out.detail = fmt::format("user {} ticks, system {} ticks", ticks->user, ticks->system);
    return out;
}

CheckResult judge_log_stamps(std::string_view dmesg, bool present) {
    CheckResult out{"log_stamps", "the kernel log is stamped to the microsecond, not in jiffies of 10 ms", false, ""};
    std::size_t stamps = 0;
    std::string_view fine;
    std::string_view coarse;
    for (auto line : split_lines(present ? dmesg : std::string_view{})) {
        // "[" spaces seconds "." six digits "]"
        auto close = line.find(']');
        if (line.empty() || line.front() != '[' || close == std::string_view::npos) continue;
        auto stamp = line.substr(1, close - 1);
        auto dot = stamp.find('.');
        if (dot == std::string_view::npos || stamp.size() - dot - 1 != 6) continue;
        auto micros = stamp.substr(dot + 1);
        if (micros.find_first_not_of("0123456789") != std::string_view::npos) continue;
        if (stamp.find_first_not_of(" 0.") == std::string_view::npos) continue;  // 0.000000
        ++stamps;
        if (micros.substr(2) != "0000") {
            if (fine.empty()) fine = line.substr(0, close + 1);
        } else if (coarse.empty()) {
            coarse = line.substr(0, close + 1);
        }
    }
    if (stamps < 2) {
        out.detail = fmt::format("{} stamps after 0 to judge", stamps);
    } else if (!fine.empty()) {
        out.pass = true;
        out.detail = fmt::format("{} stamps, e.g. {}", stamps, fine);
    } else {
        out.detail = fmt::format("all {} stamps are multiples of 10 ms, e.g. {}", stamps, coarse);
    }
    return out;
}

CheckResult judge_no_execute(std::optional<int> status) {
    CheckResult out{"no_execute", "code on a non-executable stack is killed (SIGSEGV), as NX kills it on x86-64", false,
                    ""};
    constexpr int kKilledBySegv = 128 + 11;
    constexpr int kCodeRan = 7;
    if (!status) {
        out.detail = "the probe reported no status";
    } else if (*status == kKilledBySegv) {
        out.pass = true;
        out.detail = "SIGSEGV";
    } else if (*status == kCodeRan) {
        out.detail = "the code on the stack ran (exit status 7)";
    } else {
        out.detail = fmt::format("the probe could not tell (exit status {})", *status);
    }
    return out;
}

}  // namespace oyster
