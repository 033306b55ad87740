// Local times as a guest's logs print them, in the zone of the TZ
// environment variable (the caller points it at the guest's own zoneinfo
// file, so the host's tzdata does not matter).
#pragma once

#include <cstdint>
#include <string>

namespace oyster::disguise {

struct LocalTime {
    int year, month, day, hour, minute, second;  // month 1..12
    int day_of_week;                             // 0 Sunday
    long utc_offset_s;
};

LocalTime local_time(std::int64_t unix_s);
// The unix time of a local date and time (mktime's rules in a DST change).
std::int64_t from_local(int year, int month, int day, int hour, int minute, int second);

// rsyslog's RSYSLOG_FileFormat stamp, Debian 12's default:
// "2024-05-01T12:00:01.123456+02:00".
std::string rfc3339_micro(std::int64_t unix_us);
// apt's "2024-05-01  12:00:01" (two spaces) and dpkg's "2024-05-01 12:00:01".
std::string apt_stamp(std::int64_t unix_s);
std::string dpkg_stamp(std::int64_t unix_s);

}  // namespace oyster::disguise
