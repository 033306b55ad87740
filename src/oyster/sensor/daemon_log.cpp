#include "oyster/sensor/daemon_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <iostream>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "oyster/common/error.h"

namespace oyster::sensor {

DaemonLog::DaemonLog(const std::filesystem::path& file) {
    std::filesystem::create_directories(file.parent_path());
    fd_ = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd_ < 0) throw_errno("open log file " + file.string());
}

DaemonLog::~DaemonLog() {
    if (fd_ >= 0) ::close(fd_);
}

void DaemonLog::line(const std::string& text) {
    auto now = std::chrono::system_clock::now();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::string out = fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z {}\n",
                                  fmt::gmtime(std::chrono::system_clock::to_time_t(now)), ms, text);
    std::lock_guard lock(mu_);
    std::cerr << out << std::flush;
    // The file is a convenience copy of stderr; a full disk must not stop
    // the sensor, so a failed write is not an error here.
    [[maybe_unused]] auto n = ::write(fd_, out.data(), out.size());
}

LogStream::LogStream(DaemonLog& log, std::string prefix) : std::ostream(&buf_), buf_(log, std::move(prefix)) {}

LogStream::~LogStream() {
    buf_.pubsync();
}

int LogStream::Buf::overflow(int c) {
    if (c == traits_type::eof()) return 0;
    if (c == '\n') {
        log_.line(prefix_ + pending_);
        pending_.clear();
    } else {
        pending_ += static_cast<char>(c);
    }
    return c;
}

int LogStream::Buf::sync() {
    if (!pending_.empty()) {
        log_.line(prefix_ + pending_);
        pending_.clear();
    }
    return 0;
}

}  // namespace oyster::sensor
