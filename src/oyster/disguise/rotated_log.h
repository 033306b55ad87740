// A log file as logrotate leaves it after a life of rotations: the current
// file and its generations (NAME.1, NAME.2.gz, ...), each holding the
// entries of its period, dated by its last entry.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace oyster::disguise {

// One file of the guest's disk that a history writes.
struct LivedInFile {
    std::string path;  // absolute, in the guest; a ".gz" name is written compressed
    std::string content;
    std::uint32_t mode = 0640;
    std::string owner = "root";
    std::string group = "adm";
    std::int64_t mtime = 0;
};

struct LogEntry {
    std::int64_t at_us = 0;
    std::string text;  // whole lines, each ending '\n'
};

struct Rotation {
    int keep = 4;               // rotate N
    bool delaycompress = true;  // NAME.1 stays plain
    bool compress = true;
};

// Files for `path` given its entries (sorted by time) and the moments
// logrotate ran its rule (sorted). As with notifempty, a period without
// entries is no generation. `start` dates the current file when it is
// empty (created at the last rotation or at `start`).
std::vector<LivedInFile> rotated_log(const std::string& path, const std::vector<LogEntry>& entries,
                                     const std::vector<std::int64_t>& rotations, const Rotation& rule,
                                     std::int64_t start, const LivedInFile& like);

// The moments logrotate's daily run rotates a weekly rule (the first run of
// each week, Sunday) or a monthly one (the first run of each month) in
// [from, to), local time; the daily run starts `minute` past midnight.
std::vector<std::int64_t> weekly_rotations(std::int64_t from, std::int64_t to, int minute);
std::vector<std::int64_t> monthly_rotations(std::int64_t from, std::int64_t to, int minute);

// One line as Debian 12's rsyslog writes it to a file (RSYSLOG_FileFormat):
// "2024-05-01T12:00:01.123456+02:00 HOST TAG: MESSAGE\n".
std::string syslog_line(std::int64_t at_us, const std::string& host, const std::string& tag,
                        const std::string& message);

}  // namespace oyster::disguise
