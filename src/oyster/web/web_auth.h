// Who may use the web UI and its API: whoever holds the access token
// `oyster setup` writes to <state_dir>/web/token (0600, 32 random bytes in
// hex; there is no default and no built-in account). A browser trades the
// token for a session cookie (POST /api/login: HttpOnly, SameSite=Strict,
// 12 hours); scripts send it as "Authorization: Bearer TOKEN". Tokens are
// compared in constant time, and after 5 failed logins (or bearer tokens)
// from one client address within a minute, that address's logins and
// bearer tokens are refused until its last minute holds fewer than 5
// failures: a stranger guessing cannot lock the analyst out (live sessions
// are never refused). At most kMaxClients addresses are tracked; while that
// many have failed in the last minute, a new address is refused too.
#pragma once

#include <chrono>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oyster::web {

// The token in `file`, creating the file (and its directory, 0700) with a
// new random token when it does not exist. Throws oyster::Error when it
// cannot, or when the file is not a token (shorter than 32 characters).
std::string load_or_create_token(const std::filesystem::path& file);

// True when a request's Host header names this UI: an IP address (v4, or
// v6 in brackets), "localhost", or one of `names` (case-insensitive), with
// or without a port. Any other name is how a page on an attacker's domain,
// resolved to this address (DNS rebinding), would reach the API.
bool host_allowed(std::string_view host_header, const std::vector<std::string>& names);

class WebAuth {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::hours kSessionLifetime{12};
    static constexpr const char* kCookie = "oyster_session";

    explicit WebAuth(std::string token);

    // A new session id when `token` is the token; nullopt otherwise or
    // while logins are refused after failures.
    std::optional<std::string> login(std::string_view token, std::string_view client = {},
                                     Clock::time_point now = Clock::now());
    void logout(std::string_view session_id);

    // True when the request carries the token (Authorization: Bearer) or a
    // live session cookie.
    bool authorized(std::string_view authorization_header, std::string_view cookie_header, std::string_view client = {},
                    Clock::time_point now = Clock::now());

    static constexpr std::size_t kMaxFailuresPerMinute = 5;
    static constexpr std::size_t kMaxClients = 4096;

    // The session id in a Cookie header, or empty.
    static std::string session_cookie(std::string_view cookie_header);

private:
    bool token_matches(std::string_view candidate) const;
    // Checks `candidate` for `client` under its failure limit, counting a
    // failure. Called with mu_ held.
    bool try_token(std::string_view candidate, std::string_view client, Clock::time_point now);

    std::string token_;
    std::mutex mu_;
    std::map<std::string, Clock::time_point, std::less<>> sessions_;              // id -> expiry
    std::map<std::string, std::deque<Clock::time_point>, std::less<>> failures_;  // by client address
};

}  // namespace oyster::web
