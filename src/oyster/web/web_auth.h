// Who may use the web UI and its API: whoever holds the access token
// `oyster setup` writes to <state_dir>/web/token (0600, 32 random bytes in
// hex; there is no default and no built-in account). A browser trades the
// token for a session cookie (POST /api/login: HttpOnly, SameSite=Strict,
// 12 hours); scripts send it as "Authorization: Bearer TOKEN". Tokens are
// compared in constant time, and after 5 failed logins (or bearer tokens)
// within a minute every login and bearer token is refused until the last
// minute holds fewer than 5 failures.
#pragma once

#include <chrono>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace oyster::web {

// The token in `file`, creating the file (and its directory, 0700) with a
// new random token when it does not exist. Throws oyster::Error when it
// cannot, or when the file is not a token (shorter than 32 characters).
std::string load_or_create_token(const std::filesystem::path& file);

class WebAuth {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::hours kSessionLifetime{12};
    static constexpr const char* kCookie = "oyster_session";

    explicit WebAuth(std::string token);

    // A new session id when `token` is the token; nullopt otherwise or
    // while logins are refused after failures.
    std::optional<std::string> login(std::string_view token, Clock::time_point now = Clock::now());
    void logout(std::string_view session_id);

    // True when the request carries the token (Authorization: Bearer) or a
    // live session cookie.
    bool authorized(std::string_view authorization_header, std::string_view cookie_header,
                    Clock::time_point now = Clock::now());

    // The session id in a Cookie header, or empty.
    static std::string session_cookie(std::string_view cookie_header);

private:
    bool token_matches(std::string_view candidate) const;

    std::string token_;
    std::mutex mu_;
    std::map<std::string, Clock::time_point, std::less<>> sessions_;  // id -> expiry
    std::deque<Clock::time_point> failures_;
};

}  // namespace oyster::web
