#include "oyster/disguise/local_time.h"

#include <ctime>

#include <fmt/format.h>

namespace oyster::disguise {

LocalTime local_time(std::int64_t unix_s) {
    auto t = static_cast<std::time_t>(unix_s);
    std::tm tm{};
    ::localtime_r(&t, &tm);
    return {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_wday, tm.tm_gmtoff};
}

std::int64_t from_local(int year, int month, int day, int hour, int minute, int second) {
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    tm.tm_isdst = -1;
    return static_cast<std::int64_t>(::mktime(&tm));
}

std::string rfc3339_micro(std::int64_t unix_us) {
    std::int64_t s = unix_us / 1000000;
    auto us = unix_us % 1000000;
    LocalTime t = local_time(s);
    long off = t.utc_offset_s / 60;
    char sign = off < 0 ? '-' : '+';
    if (off < 0) off = -off;
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}{}{:02}:{:02}", t.year, t.month, t.day, t.hour,
                       t.minute, t.second, us, sign, off / 60, off % 60);
}

std::string apt_stamp(std::int64_t unix_s) {
    LocalTime t = local_time(unix_s);
    return fmt::format("{:04}-{:02}-{:02}  {:02}:{:02}:{:02}", t.year, t.month, t.day, t.hour, t.minute, t.second);
}

std::string dpkg_stamp(std::int64_t unix_s) {
    LocalTime t = local_time(unix_s);
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", t.year, t.month, t.day, t.hour, t.minute, t.second);
}

}  // namespace oyster::disguise
