// Writing a whole buffer to a descriptor: write(2) may take part of it, or
// be interrupted by a signal; the rest is written again.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstddef>

namespace oyster {

// True when all `size` bytes were written; false with errno set otherwise
// (EIO for a write that took nothing).
inline bool write_all(int fd, const void* data, std::size_t size) {
    const auto* p = static_cast<const char*>(data);
    while (size > 0) {
        ssize_t n = ::write(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = EIO;
            return false;
        }
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace oyster
