// The system crontabs of a guest's disk (/etc/crontab, /etc/cron.d/*), read
// so that a generated history shows cron running what the disk says it
// runs, when it says: the "(root) CMD (...)" lines of cron.log and syslog
// and the cron sessions of auth.log.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace oyster::disguise {

struct CronJob {
    std::bitset<60> minute;
    std::bitset<24> hour;
    std::bitset<32> day_of_month;  // 1..31
    std::bitset<13> month;         // 1..12
    std::bitset<8> day_of_week;    // 0..7, both 0 and 7 are Sunday
    bool any_day_of_month = false;
    bool any_day_of_week = false;
    std::string user;
    std::string command;  // as cron logs it: the text after the user field

    // Whether the job runs at this local time (cron's rule: when both day
    // fields are restricted, either one matching is enough).
    bool runs_at(int minute, int hour, int day_of_month, int month, int day_of_week) const;
};

// The jobs of one system crontab's text (with a user field). Comments,
// variable settings and lines this reader does not understand (@reboot,
// names of months) are skipped: a history without them is still true.
std::vector<CronJob> parse_system_crontab(std::string_view text);

}  // namespace oyster::disguise
