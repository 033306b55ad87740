// A login attempt as the guest's PAM hook reports it (login_report.h holds
// the layout, shared with the hook). The bytes come from the guest and are
// hostile: anything but an exact report is not one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace oyster::capture {

struct LoginAttempt {
    std::string service;
    std::string user;
    std::string password;
    std::string remote_ip;
    std::uint16_t remote_port = 0;
    bool accepted = false;
    std::string reason;
};

// The report in a honeylog message, or nullopt when the message is not
// exactly one (wrong magic, field count, length or value).
std::optional<LoginAttempt> parse_login_report(const std::vector<std::uint8_t>& message);

}  // namespace oyster::capture
