#include "oyster/capture/login_attempt.h"

#include <array>
#include <cstring>
#include <string_view>

#include "oyster/capture/login_report.h"

namespace oyster::capture {

std::optional<LoginAttempt> parse_login_report(const std::vector<std::uint8_t>& message) {
    std::string_view rest(reinterpret_cast<const char*>(message.data()), message.size());
    constexpr std::string_view magic(OYSTER_LOGIN_REPORT_MAGIC, sizeof(OYSTER_LOGIN_REPORT_MAGIC) - 1);
    if (!rest.starts_with(magic) || rest.size() <= magic.size() || rest[magic.size()] != '\0') return std::nullopt;
    rest.remove_prefix(magic.size() + 1);
    // The hook's own limits: anything longer was not written by it.
    constexpr std::array<std::size_t, OYSTER_LOGIN_REPORT_FIELDS> max_len = {32, 256, 1024, 64, 5, 8, 64};
    std::array<std::string_view, OYSTER_LOGIN_REPORT_FIELDS> f;
    for (std::size_t i = 0; i < f.size(); ++i) {
        auto nul = rest.find('\0');
        if (nul == std::string_view::npos || nul > max_len[i]) return std::nullopt;
        f[i] = rest.substr(0, nul);
        rest.remove_prefix(nul + 1);
    }
    if (!rest.empty()) return std::nullopt;
    LoginAttempt a;
    a.service = f[0];
    a.user = f[1];
    a.password = f[2];
    a.remote_ip = f[3];
    if (f[4].empty() || f[4].find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
    unsigned port = 0;
    for (char c : f[4]) port = port * 10 + static_cast<unsigned>(c - '0');
    if (port > 65535) return std::nullopt;
    a.remote_port = static_cast<std::uint16_t>(port);
    if (f[5] == "accepted") {
        a.accepted = true;
    } else if (f[5] != "rejected") {
        return std::nullopt;
    }
    a.reason = f[6];
    return a;
}

}  // namespace oyster::capture
