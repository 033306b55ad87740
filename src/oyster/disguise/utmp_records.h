// The login accounting files as glibc writes them on x86-64 (utmp(5),
// lastlog(8)): /var/log/wtmp (logins, reboots, shutdowns), /var/log/btmp
// (failed logins) and /var/log/lastlog (each uid's last login, at offset
// uid * record size). `last`, `lastb`, `lastlog` and `utmpdump` read them.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace oyster::disguise {

enum class UtmpKind : short {
    run_level = 1,      // "shutdown" (and runlevel changes)
    boot_time = 2,      // "reboot"
    login_process = 6,  // a failed login, in btmp
    user_process = 7,   // a login
    dead_process = 8,   // its logout
};

struct UtmpEntry {
    UtmpKind kind = UtmpKind::user_process;
    std::int32_t pid = 0;
    std::string line;        // "pts/0", "~", "ssh:notty"
    std::string id;          // "ts/0", "~~"
    std::string user;        // "mhartmann", "reboot", "shutdown"
    std::string host;        // the client's address, or the kernel release for reboots
    std::uint32_t ipv4 = 0;  // network byte order
    std::int64_t at_us = 0;
};

// One record (384 bytes), appended to a wtmp or btmp.
std::string utmp_record(const UtmpEntry& e);

// A lastlog file with one entry: `uid`'s last login. Other uids read as
// never logged in. Returned dense; the rootfs writer keeps it sparse.
struct LastlogEntry {
    std::uint32_t uid;
    std::int64_t at;
    std::string line;
    std::string host;
};
std::string lastlog_file(std::span<const LastlogEntry> entries);

// Dotted quad to network byte order; 0 when `text` is not one.
std::uint32_t ipv4_of(std::string_view text);

}  // namespace oyster::disguise
