#include "oyster/common/sha256.h"

#include <fcntl.h>
#include <unistd.h>

#include <vector>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "oyster/common/error.h"
#include "oyster/common/fd_guard.h"

namespace oyster {
namespace {

std::string to_hex(const unsigned char* md, unsigned len) {
    std::string out;
    for (unsigned i = 0; i < len; ++i) out += fmt::format("{:02x}", md[i]);
    return out;
}

}  // namespace

Sha256Stream::Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) {
        EVP_MD_CTX_free(ctx_);
        throw Error("sha256: OpenSSL digest init failed");
    }
}

Sha256Stream::~Sha256Stream() {
    EVP_MD_CTX_free(ctx_);
}

void Sha256Stream::update(const void* data, std::size_t n) {
    EVP_DigestUpdate(ctx_, data, n);
}

std::string Sha256Stream::hex_digest() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx_, md, &len);
    return to_hex(md, len);
}

std::string sha256_file(const std::filesystem::path& path) {
    FdGuard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) throw_errno("open " + path.string());
    Sha256Stream sha;
    ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
    std::vector<unsigned char> buf(1 << 20);
    for (;;) {
        ssize_t n = ::read(fd.get(), buf.data(), buf.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("read " + path.string());
        }
        if (n == 0) break;
        sha.update(buf.data(), static_cast<std::size_t>(n));
    }
    return sha.hex_digest();
}

std::string sha256_text(std::string_view bytes) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) != 1) {
        throw Error("sha256: OpenSSL digest failed");
    }
    return to_hex(md, len);
}

}  // namespace oyster
