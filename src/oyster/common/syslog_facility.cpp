#include "oyster/common/syslog_facility.h"

#include <array>
#include <utility>

namespace oyster {
namespace {

constexpr std::array<std::pair<std::string_view, int>, 20> kFacilities = {{
    {"kern", 0},    {"user", 1},    {"mail", 2},    {"daemon", 3},    {"auth", 4},    {"syslog", 5},  {"lpr", 6},
    {"news", 7},    {"uucp", 8},    {"cron", 9},    {"authpriv", 10}, {"ftp", 11},    {"local0", 16}, {"local1", 17},
    {"local2", 18}, {"local3", 19}, {"local4", 20}, {"local5", 21},   {"local6", 22}, {"local7", 23},
}};

}  // namespace

std::optional<int> syslog_facility_code(std::string_view name) {
    for (auto [n, code] : kFacilities) {
        if (n == name) return code;
    }
    return std::nullopt;
}

std::string_view syslog_facility_name(int code) {
    for (auto [n, c] : kFacilities) {
        if (c == code) return n;
    }
    return {};
}

}  // namespace oyster
