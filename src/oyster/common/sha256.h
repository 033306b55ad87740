// SHA-256 of files and bytes, as lowercase hex (OpenSSL).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace oyster {

std::string sha256_file(const std::filesystem::path& path);

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
