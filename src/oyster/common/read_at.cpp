#include "oyster/common/read_at.h"

#include <unistd.h>

#include <algorithm>
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

LineChunk read_line_chunk(int fd, const std::filesystem::path& path, std::uint64_t offset, std::uint64_t size,
                          std::size_t max_bytes, std::size_t max_line) {
    LineChunk c;
    c.end = offset;
    if (offset >= size) return c;
    auto want = static_cast<std::size_t>(std::min<std::uint64_t>(max_bytes, size - offset));
    std::string text = read_at(fd, offset, want, path);
    auto last_nl = text.rfind('\n');
    if (last_nl == std::string::npos) {
        // No whole line in the read: a partial last line, or one longer
        // than a read. Find its end, if it has one yet.
        std::uint64_t at = offset + text.size();
        bool found = false;
        while (at < size && !found) {
            std::string more =
                read_at(fd, at, static_cast<std::size_t>(std::min<std::uint64_t>(1U << 20, size - at)), path);
            auto nl = more.find('\n');
            found = nl != std::string::npos;
            at += found ? nl + 1 : more.size();
        }
        if (!found) return c;
        auto len = static_cast<std::size_t>(at - offset - 1);
        if (len > max_line) {
            ++c.skipped;
        } else {
            c.lines.push_back(read_at(fd, offset, len, path));
        }
        c.end = at;
        return c;
    }
    for (std::size_t start = 0; start <= last_nl;) {
        auto nl = text.find('\n', start);
        if (nl - start > max_line) {
            ++c.skipped;
        } else {
            c.lines.emplace_back(text, start, nl - start);
        }
        start = nl + 1;
    }
    c.end = offset + last_nl + 1;
    return c;
}

}  // namespace oyster
