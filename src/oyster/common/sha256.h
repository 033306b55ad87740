// SHA-256 of files and bytes, as lowercase hex (OpenSSL).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace oyster {

std::string sha256_file(const std::filesystem::path& path);

// True for 64 lowercase hex digits: what names a blob or a stored file,
// checked before such a name from a guest becomes part of a path.
inline bool is_sha256_hex(std::string_view s) {
    if (s.size() != 64) return false;
    for (char c : s) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

// SHA-256 of bytes in memory, lowercase hex.
std::string sha256_text(std::string_view bytes);

// SHA-256 of bytes that arrive in pieces (a file being copied).
class Sha256Stream {
public:
    Sha256Stream();
    ~Sha256Stream();
    Sha256Stream(const Sha256Stream&) = delete;
    Sha256Stream& operator=(const Sha256Stream&) = delete;

    void update(const void* data, std::size_t n);
    // The digest of everything so far, lowercase hex; call once.
    std::string hex_digest();

private:
    evp_md_ctx_st* ctx_;
};

}  // namespace oyster
