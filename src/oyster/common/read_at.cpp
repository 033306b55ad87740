#include "oyster/common/read_at.h"

#include <unistd.h>

#include <cerrno>

#include "oyster/common/error.h"

namespace oyster {

std::string read_at(int fd, std::uint64_t offset, std::size_t n, const std::filesystem::path& path) {
    std::string buf(n, '\0');
    std::size_t got = 0;
    while (got < n) {
        ssize_t r = ::pread(fd, buf.data() + got, n - got, static_cast<off_t>(offset + got));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) throw_errno("read " + path.string());
        if (r == 0) break;
        got += static_cast<std::size_t>(r);
    }
    buf.resize(got);
    return buf;
}

}  // namespace oyster
