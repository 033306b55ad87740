#include "oyster/sensor/daemon_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <iostream>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/sensor/event_log.h"

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
    std::string out = utc_timestamp() + " " + text + "\n";
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
