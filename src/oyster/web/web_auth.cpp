#include "oyster/web/web_auth.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/paths.h"
#include "oyster/common/random_hex.h"

namespace oyster::web {
namespace {

constexpr std::size_t kMinTokenLength = 32;

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

}  // namespace

std::string load_or_create_token(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
        std::filesystem::create_directories(file.parent_path(), ec);
        if (ec) throw Error(fmt::format("{}: {}", file.parent_path().string(), ec.message()));
        ::chmod(file.parent_path().c_str(), 0700);
        write_file_atomic(file, random_hex(32) + "\n", 0600);
    }
    std::string token = trim(read_file(file));
    if (token.size() < kMinTokenLength || token.find_first_of(" \t\n") != std::string::npos) {
        throw Error(
            fmt::format("{}: not a web access token (at least {} characters, no spaces); delete it and a "
                        "new one is made",
                        file.string(), kMinTokenLength));
    }
    return token;
}

bool host_allowed(std::string_view host_header, const std::vector<std::string>& names) {
    std::string_view host = host_header;
    if (host.starts_with('[')) {
        auto close = host.find(']');
        if (close == std::string_view::npos) return false;
        std::string_view rest = host.substr(close + 1);
        if (!rest.empty() && (rest[0] != ':' || rest.size() == 1 ||
                              rest.substr(1).find_first_not_of("0123456789") != std::string_view::npos)) {
            return false;
        }
        in6_addr a{};
        return ::inet_pton(AF_INET6, std::string(host.substr(1, close - 1)).c_str(), &a) == 1;
    }
    if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
        std::string_view port = host.substr(colon + 1);
        if (port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) return false;
        host = host.substr(0, colon);
    }
    if (host.ends_with('.')) host.remove_suffix(1);
    if (host.empty()) return false;
    in_addr a{};
    if (::inet_pton(AF_INET, std::string(host).c_str(), &a) == 1) return true;
    auto same = [host](std::string_view name) {
        return name.size() == host.size() && std::equal(name.begin(), name.end(), host.begin(), [](char x, char y) {
                   return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
               });
    };
    if (same("localhost")) return true;
    return std::any_of(names.begin(), names.end(), same);
}

WebAuth::WebAuth(std::string token) : token_(std::move(token)) {}

bool WebAuth::token_matches(std::string_view candidate) const {
    // Constant time in the content; the length is not a secret.
    return candidate.size() == token_.size() && CRYPTO_memcmp(candidate.data(), token_.data(), token_.size()) == 0;
}

bool WebAuth::try_token(std::string_view candidate, std::string_view client, Clock::time_point now) {
    auto expire = [now](std::deque<Clock::time_point>& d) {
        while (!d.empty() && now - d.front() > std::chrono::minutes(1)) d.pop_front();
    };
    auto it = failures_.find(client);
    if (it == failures_.end()) {
        if (failures_.size() >= kMaxClients) {
            for (auto i = failures_.begin(); i != failures_.end();) {
                expire(i->second);
                i = i->second.empty() ? failures_.erase(i) : std::next(i);
            }
            // Still full: thousands of addresses guessing at once.
            if (failures_.size() >= kMaxClients) return false;
        }
        if (token_matches(candidate)) return true;
        failures_[std::string(client)].push_back(now);
        return false;
    }
    expire(it->second);
    if (it->second.size() >= kMaxFailuresPerMinute) return false;
    if (token_matches(candidate)) return true;
    it->second.push_back(now);
    return false;
}

std::optional<std::string> WebAuth::login(std::string_view token, std::string_view client, Clock::time_point now) {
    std::lock_guard lock(mu_);
    if (!try_token(token, client, now)) return std::nullopt;
    for (auto it = sessions_.begin(); it != sessions_.end();) {
        it = it->second < now ? sessions_.erase(it) : std::next(it);
    }
    std::string id = random_hex(32);
    sessions_[id] = now + kSessionLifetime;
    return id;
}

void WebAuth::logout(std::string_view session_id) {
    std::lock_guard lock(mu_);
    if (auto it = sessions_.find(session_id); it != sessions_.end()) sessions_.erase(it);
}

std::string WebAuth::session_cookie(std::string_view cookie_header) {
    std::string_view name = kCookie;
    std::size_t pos = 0;
    while (pos < cookie_header.size()) {
        std::size_t end = cookie_header.find(';', pos);
        if (end == std::string_view::npos) end = cookie_header.size();
        std::string_view part = cookie_header.substr(pos, end - pos);
        while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
        if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=') {
            return std::string(part.substr(name.size() + 1));
        }
        pos = end + 1;
    }
    return {};
}

bool WebAuth::authorized(std::string_view authorization_header, std::string_view cookie_header, std::string_view client,
                         Clock::time_point now) {
    constexpr std::string_view kBearer = "Bearer ";
    if (authorization_header.substr(0, kBearer.size()) == kBearer) {
        // Guessing the token this way counts against the same limit.
        std::lock_guard lock(mu_);
        return try_token(authorization_header.substr(kBearer.size()), client, now);
    }
    std::string sid = session_cookie(cookie_header);
    if (sid.empty()) return false;
    std::lock_guard lock(mu_);
    auto it = sessions_.find(sid);
    if (it == sessions_.end()) return false;
    if (it->second < now) {
        sessions_.erase(it);
        return false;
    }
    return true;
}

}  // namespace oyster::web
