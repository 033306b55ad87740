#include "oyster/disguise/utmp_records.h"

#include <arpa/inet.h>
#include <lastlog.h>
#include <utmp.h>

#include <algorithm>
#include <cstring>

namespace oyster::disguise {
namespace {

template <std::size_t N>
void put(char (&field)[N], std::string_view s) {
    std::memcpy(field, s.data(), std::min(N, s.size()));
}

}  // namespace

std::string utmp_record(const UtmpEntry& e) {
    struct utmp u {};
    u.ut_type = static_cast<short>(e.kind);
    u.ut_pid = e.pid;
    put(u.ut_line, e.line);
    put(u.ut_id, e.id);
    put(u.ut_user, e.user);
    put(u.ut_host, e.host);
    u.ut_tv.tv_sec = static_cast<std::int32_t>(e.at_us / 1000000);
    u.ut_tv.tv_usec = static_cast<std::int32_t>(e.at_us % 1000000);
    u.ut_addr_v6[0] = static_cast<std::int32_t>(e.ipv4);
    return {reinterpret_cast<const char*>(&u), sizeof u};
}

std::string lastlog_file(std::span<const LastlogEntry> entries) {
    std::uint32_t top = 0;
    for (const auto& e : entries) top = std::max(top, e.uid);
    std::string out((static_cast<std::size_t>(top) + 1) * sizeof(struct lastlog), '\0');
    for (const auto& e : entries) {
        struct lastlog l {};
        l.ll_time = static_cast<std::int32_t>(e.at);
        put(l.ll_line, e.line);
        put(l.ll_host, e.host);
        std::memcpy(out.data() + static_cast<std::size_t>(e.uid) * sizeof l, &l, sizeof l);
    }
    return out;
}

std::uint32_t ipv4_of(std::string_view text) {
    std::string s(text);
    in_addr a{};
    if (::inet_pton(AF_INET, s.c_str(), &a) != 1) return 0;
    return a.s_addr;
}

}  // namespace oyster::disguise
