#include "oyster/common/random_hex.h"

#include <sys/random.h>

#include <cerrno>

#include <fmt/format.h>

#include "oyster/common/error.h"

namespace oyster {

std::string random_hex(std::size_t bytes) {
    std::string raw(bytes, '\0');
    std::size_t got = 0;
    while (got < bytes) {
        auto n = ::getrandom(raw.data() + got, bytes - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("getrandom");
        got += static_cast<std::size_t>(n);
    }
    std::string hex;
    hex.reserve(bytes * 2);
    for (unsigned char c : raw) hex += fmt::format("{:02x}", c);
    return hex;
}

}  // namespace oyster
