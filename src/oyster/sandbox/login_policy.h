// Who logs in over SSH and telnet, as built into a guest image: [login] and
// guest.root_password with their "drawn" values made concrete.
//
// A public honeypot detector logs in with the few credentials every
// honeypot ships with (root:123456, root:root, admin:admin) and counts the
// sensor as one when they work. So by default nothing is fixed: root's
// password is drawn per installation from a list of common weak passwords
// (image/common-passwords.txt, past its most common entries and never one
// of the public defaults), and the number of failures after which root gets
// in with any password is drawn from 2 to 6. Both are derived from the
// installation's secret, so they stay the same across setups and no two
// installations share them (docs/personas.md, "Who gets in").
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "oyster/common/config.h"

namespace oyster {

struct LoginPolicy {
    // Root's password: in the guest's /etc/shadow (su, sudo) and, where an
    // account names it, over SSH and telnet.
    std::string root_password;
    std::vector<LoginConfig::Account> accounts;
    std::uint32_t root_after_failures = 0;
    bool operator==(const LoginPolicy&) const = default;
};

// {"root_password", "accounts": [{"user", "password"}], "root_after_failures"}:
// as the image spec and platform.json hold it.
nlohmann::json login_policy_json(const LoginPolicy& p);

// Credentials public honeypot detectors and the first rounds of SSH bots
// try; a drawn password is never one of them, and `oyster selftest stealth`
// checks none of them gets in.
std::span<const LoginConfig::Account> public_default_credentials();

// The list's passwords, in its order ("#!" lines are comments). Throws
// Error naming the file when it cannot be read or holds no usable entry.
std::vector<std::string> load_password_list(const std::filesystem::path& file);

// The draws themselves, from the installation's secret.
std::string drawn_root_password(std::string_view secret, const std::vector<std::string>& list);
std::uint32_t drawn_root_after_failures(std::string_view secret);

// `cfg`'s policy with every "drawn" value drawn.
LoginPolicy resolve_login_policy(const Config& cfg, std::string_view secret, const std::vector<std::string>& list);
// The same with the shipped list (<data dir>/image/common-passwords.txt).
LoginPolicy resolve_login_policy(const Config& cfg, std::string_view secret);

}  // namespace oyster
