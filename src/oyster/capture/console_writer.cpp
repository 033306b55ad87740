#include "oyster/capture/console_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "oyster/common/fd_guard.h"
#include "oyster/common/write_all.h"

namespace oyster::capture {

ConsoleCopyResult copy_console_stream(int in_fd, int out_fd, std::uint64_t start_size, std::uint64_t max_bytes) {
    ConsoleCopyResult result;
    std::vector<char> buf(std::size_t{64} << 10);
    std::uint64_t size = start_size;
    // Once at the quota (or after a failed write) everything is discarded.
    bool writing = size < max_bytes;
    result.quota = !writing;
    for (;;) {
        ssize_t n = ::read(in_fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n < 0) result.error = std::string("read the console: ") + std::strerror(errno);
            return result;
        }
        auto got = static_cast<std::uint64_t>(n);
        if (!writing) {
            result.discarded += got;
            continue;
        }
        std::uint64_t room = max_bytes - size;
        std::uint64_t take = std::min(got, room);
        if (!write_all(out_fd, buf.data(), static_cast<std::size_t>(take))) {
            result.error = std::string("write the console log: ") + std::strerror(errno);
            result.discarded += got;
            writing = false;
            continue;
        }
        size += take;
        result.written += take;
        if (size >= max_bytes) {
            writing = false;
            result.quota = true;
            result.discarded += got - take;
            (void)write_all(out_fd, kConsoleQuotaNote, std::strlen(kConsoleQuotaNote));
        }
    }
}

int run_console_writer(int in_fd, const std::filesystem::path& console_file, std::uint64_t max_bytes, std::FILE* log) {
    FdGuard out(::open(console_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640));
    struct stat st {};
    if (out.get() < 0 || ::fstat(out.get(), &st) != 0) {
        std::fprintf(log, "oyster-capture-writer --console: open %s: %s\n", console_file.c_str(), std::strerror(errno));
        return 1;
    }
    auto start = static_cast<std::uint64_t>(st.st_size);
    auto r = copy_console_stream(in_fd, out.get(), start, max_bytes);
    std::fprintf(log, "oyster-capture-writer --console: %llu bytes from offset %llu, %llu discarded%s%s%s\n",
                 static_cast<unsigned long long>(r.written), static_cast<unsigned long long>(start),
                 static_cast<unsigned long long>(r.discarded), r.quota ? " (console quota reached)" : "",
                 r.error.empty() ? "" : ": ", r.error.c_str());
    return 0;
}

}  // namespace oyster::capture
