#include "oyster/capture/capture_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <vector>

#include "oyster/capture/receive_times.h"
#include "oyster/common/fd_guard.h"
#include "oyster/common/paths.h"
#include "oyster/common/write_all.h"

namespace oyster::capture {
namespace {

std::uint64_t realtime_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::string errno_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

// Opens `file` for appending; its size is where the new bytes start.
int open_for_append(const std::filesystem::path& file, std::uint64_t& size, std::string& error) {
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0) {
        error = errno_text(("open " + file.string()).c_str());
        if (fd >= 0) ::close(fd);
        return -1;
    }
    size = static_cast<std::uint64_t>(st.st_size);
    return fd;
}

}  // namespace

CaptureCopyResult copy_capture_stream(int in_fd, int capture_fd, int times_fd, std::uint64_t start_offset,
                                      std::uint64_t max_bytes, const std::function<std::uint64_t()>& now_ns) {
    auto now = now_ns ? now_ns : realtime_ns;
    CaptureCopyResult result;
    std::vector<std::uint8_t> buf(std::size_t{1} << 20);
    std::uint64_t offset = start_offset;
    auto stamp = [&](std::uint64_t at_ns) {
        auto bytes = encode_receive_stamp({offset, at_ns});
        if (!write_all(times_fd, bytes.data(), bytes.size())) {
            result.error = errno_text("write capture.times");
            return false;
        }
        ++result.stamps;
        return true;
    };
    for (;;) {
        ssize_t n = ::read(in_fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            result.error = errno_text("read the capture stream");
            return result;
        }
        if (n == 0) return result;
        std::uint64_t at = now();
        if (!write_all(capture_fd, buf.data(), static_cast<std::size_t>(n))) {
            result.error = errno_text("write capture.bin");
            return result;
        }
        offset += static_cast<std::uint64_t>(n);
        result.bytes += static_cast<std::uint64_t>(n);
        if (!stamp(at)) return result;
        if (offset >= max_bytes) {
            result.quota = true;
            result.error = std::string(kQuotaMessage) + ": the capture file holds " + std::to_string(offset) +
                           " bytes, its quota is " + std::to_string(max_bytes) + " (capture.max_mib)";
            return result;
        }
        // Let records gather before the next read. A reader waiting on the
        // pipe is woken by every record the guest writes, and each wake-up
        // of this process (on another CPU) is time the guest waits; with
        // the writer away for a while, the guest's writes wake nobody. It
        // also bounds the stamps to about one a millisecond.
        if (static_cast<std::size_t>(n) < buf.size()) {
            timespec pause{0, static_cast<long>(kStampIntervalNs)};
            while (::nanosleep(&pause, &pause) != 0 && errno == EINTR) {
            }
        }
    }
}

int run_capture_writer(int in_fd, const std::filesystem::path& capture_file, const std::filesystem::path& times_file,
                       std::uint64_t max_bytes, std::FILE* log) {
    std::string error;
    std::uint64_t capture_size = 0, times_size = 0;
    FdGuard capture(open_for_append(capture_file, capture_size, error));
    if (capture.get() < 0) {
        std::fprintf(log, "oyster-capture-writer: %s\n", error.c_str());
        return 1;
    }
    FdGuard times(open_for_append(times_file, times_size, error));
    if (times.get() < 0) {
        std::fprintf(log, "oyster-capture-writer: %s\n", error.c_str());
        return 1;
    }
    // A writer killed mid-stamp leaves a torn entry; the next one must start
    // at an entry boundary or every later stamp reads shifted.
    if (times_size % kReceiveStampSize != 0 &&
        ::ftruncate(times.get(), static_cast<off_t>(times_size - times_size % kReceiveStampSize)) != 0) {
        std::fprintf(log, "oyster-capture-writer: %s\n",
                     errno_text(("truncate " + times_file.string()).c_str()).c_str());
        return 1;
    }
    if (capture_size >= max_bytes) {
        std::fprintf(log, "oyster-capture-writer: %s: the capture file already holds %llu bytes (capture.max_mib)\n",
                     kQuotaMessage, static_cast<unsigned long long>(capture_size));
        return kQuotaExitStatus;
    }
    auto result = copy_capture_stream(in_fd, capture.get(), times.get(), capture_size, max_bytes);
    std::fprintf(log, "oyster-capture-writer: %llu bytes from offset %llu, %llu stamps: %s\n",
                 static_cast<unsigned long long>(result.bytes), static_cast<unsigned long long>(capture_size),
                 static_cast<unsigned long long>(result.stamps),
                 result.error.empty() ? "end of stream" : result.error.c_str());
    if (result.quota) return kQuotaExitStatus;
    return result.error.empty() ? 0 : 1;
}

std::filesystem::path capture_writer_program() {
    return program_beside_self("oyster-capture-writer");
}

}  // namespace oyster::capture
