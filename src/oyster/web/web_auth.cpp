#include "oyster/web/web_auth.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/paths.h"

namespace oyster::web {
namespace {

constexpr std::size_t kMinTokenLength = 32;
constexpr std::size_t kMaxFailuresPerMinute = 5;

std::string random_hex(std::size_t bytes) {
    std::string raw(bytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
        throw Error("no random bytes for a token (OpenSSL RAND_bytes)");
    }
    std::string hex;
    for (unsigned char c : raw) hex += fmt::format("{:02x}", c);
    return hex;
}

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

WebAuth::WebAuth(std::string token) : token_(std::move(token)) {}

bool WebAuth::token_matches(std::string_view candidate) const {
    // Constant time in the content; the length is not a secret.
    return candidate.size() == token_.size() && CRYPTO_memcmp(candidate.data(), token_.data(), token_.size()) == 0;
}

std::optional<std::string> WebAuth::login(std::string_view token, Clock::time_point now) {
    std::lock_guard lock(mu_);
    while (!failures_.empty() && now - failures_.front() > std::chrono::minutes(1)) failures_.pop_front();
    if (failures_.size() >= kMaxFailuresPerMinute || !token_matches(token)) {
        failures_.push_back(now);
        return std::nullopt;
    }
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

bool WebAuth::authorized(std::string_view authorization_header, std::string_view cookie_header, Clock::time_point now) {
    constexpr std::string_view kBearer = "Bearer ";
    if (authorization_header.substr(0, kBearer.size()) == kBearer) {
        // Guessing the token this way counts against the same limit.
        std::lock_guard lock(mu_);
        while (!failures_.empty() && now - failures_.front() > std::chrono::minutes(1)) failures_.pop_front();
        if (failures_.size() >= kMaxFailuresPerMinute) return false;
        if (token_matches(authorization_header.substr(kBearer.size()))) return true;
        failures_.push_back(now);
        return false;
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
