#include "oyster/sandbox/login_policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <fstream>

#include "oyster/common/error.h"
#include "oyster/common/paths.h"
#include "oyster/common/sha256.h"

namespace oyster {

namespace {

// The list's head is what every dictionary attack starts with: a password
// from there is the first a detector tries.
constexpr std::size_t kSkippedHead = 100;
// Shorter ones are rarer on real servers than in the list; longer ones are
// rarely tried by bots.
constexpr std::size_t kMinLength = 6;
constexpr std::size_t kMaxLength = 16;
constexpr std::uint32_t kFewestFailures = 2;
constexpr std::uint32_t kMostFailures = 6;

const std::array<LoginConfig::Account, 24> kPublicDefaults = {{
    {"root", "123456"},    {"root", "root"},   {"root", "password"},  {"root", "admin"},      {"root", "toor"},
    {"root", "1234"},      {"root", "12345"},  {"root", "123"},       {"root", "qwerty"},     {"root", "111111"},
    {"root", "default"},   {"root", "pass"},   {"root", "12345678"},  {"root", "123456789"},  {"root", "changeme"},
    {"root", "raspberry"}, {"admin", "admin"}, {"admin", "password"}, {"ubuntu", "ubuntu"},   {"pi", "raspberry"},
    {"user", "user"},      {"test", "test"},   {"guest", "guest"},    {"support", "support"},
}};

// 64 bits derived from the secret for one purpose.
std::uint64_t derived(std::string_view secret, std::string_view purpose) {
    return std::stoull(sha256_text(fmt::format("oyster-login\n{}\n{}", secret, purpose)).substr(0, 16), nullptr, 16);
}

bool is_public_default(const std::string& password) {
    return std::any_of(kPublicDefaults.begin(), kPublicDefaults.end(),
                       [&](const LoginConfig::Account& a) { return a.password == password; });
}

}  // namespace

nlohmann::json login_policy_json(const LoginPolicy& p) {
    nlohmann::json accounts = nlohmann::json::array();
    for (const auto& a : p.accounts) accounts.push_back({{"user", a.user}, {"password", a.password}});
    return {{"root_password", p.root_password}, {"accounts", accounts}, {"root_after_failures", p.root_after_failures}};
}

std::span<const LoginConfig::Account> public_default_credentials() {
    return kPublicDefaults;
}

std::vector<std::string> load_password_list(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) throw Error(fmt::format("{}: cannot read the password list", file.string()));
    std::vector<std::string> out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with("#!") || line.empty()) continue;
        out.push_back(line);
    }
    if (out.size() <= kSkippedHead) {
        throw Error(fmt::format("{}: {} passwords; a list to draw from needs more than {}", file.string(), out.size(),
                                kSkippedHead));
    }
    return out;
}

std::string drawn_root_password(std::string_view secret, const std::vector<std::string>& list) {
    std::vector<const std::string*> candidates;
    for (std::size_t i = kSkippedHead; i < list.size(); ++i) {
        const std::string& p = list[i];
        bool printable = std::all_of(p.begin(), p.end(), [](char c) { return c > ' ' && c < 0x7f && c != ':'; });
        if (printable && p.size() >= kMinLength && p.size() <= kMaxLength && !is_public_default(p)) {
            candidates.push_back(&p);
        }
    }
    if (candidates.empty()) throw Error("the password list has no password to draw root's from");
    return *candidates[derived(secret, "root_password") % candidates.size()];
}

std::uint32_t drawn_root_after_failures(std::string_view secret) {
    return kFewestFailures +
           static_cast<std::uint32_t>(derived(secret, "root_after_failures") % (kMostFailures - kFewestFailures + 1));
}

LoginPolicy resolve_login_policy(const Config& cfg, std::string_view secret, const std::vector<std::string>& list) {
    LoginPolicy p;
    bool draws = cfg.guest.root_password == kDrawn ||
                 std::any_of(cfg.login.accounts.begin(), cfg.login.accounts.end(),
                             [](const LoginConfig::Account& a) { return a.password == kDrawn; });
    std::string drawn = draws ? drawn_root_password(secret, list) : std::string();
    p.root_password = cfg.guest.root_password == kDrawn ? drawn : cfg.guest.root_password;
    for (const auto& a : cfg.login.accounts) {
        p.accounts.push_back({a.user, a.password == kDrawn ? drawn : a.password});
    }
    p.root_after_failures = cfg.login.root_after_failures.value_or(drawn_root_after_failures(secret));
    return p;
}

LoginPolicy resolve_login_policy(const Config& cfg, std::string_view secret) {
    return resolve_login_policy(cfg, secret, load_password_list(data_dir() / "image" / "common-passwords.txt"));
}

}  // namespace oyster
