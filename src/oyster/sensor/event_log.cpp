#include "oyster/sensor/event_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/log_segments.h"

namespace oyster::sensor {

std::string utc_timestamp() {
    auto now = std::chrono::system_clock::now();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(now)), ms);
}

EventLog::EventLog(const std::filesystem::path& file, std::uint64_t rotate_bytes, std::uint64_t keep_rotated,
                   std::string sensor)
    : path_(file), sensor_(std::move(sensor)), rotate_bytes_(rotate_bytes), keep_rotated_(keep_rotated) {
    std::filesystem::create_directories(file.parent_path());
    fd_ = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd_ < 0) throw_errno("open event log " + file.string());
    struct stat st {};
    if (::fstat(fd_, &st) == 0) size_ = static_cast<std::uint64_t>(st.st_size);
    for (const auto& s : log_segments(path_)) next_rotated_ = std::max(next_rotated_, s.number + 1);
    syncer_ = std::jthread([this](const std::stop_token& stop) {
        while (!stop.stop_requested()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            if (dirty_.exchange(false)) ::fdatasync(fd_);
        }
    });
}

EventLog::~EventLog() {
    syncer_.request_stop();
    syncer_.join();
    ::fdatasync(fd_);
    ::close(fd_);
}

void EventLog::write_event(std::string_view type, nlohmann::json fields) {
    nlohmann::json e = nlohmann::json::object();
    e["ts"] = utc_timestamp();
    e["type"] = type;
    if (!sensor_.empty()) e["sensor"] = sensor_;
    // "ts", "type" and "sensor" are the log's own: a field of that name
    // (from what a guest or an analysis produced) cannot relabel the event.
    for (auto& [k, v] : fields.items()) {
        if (k != "ts" && k != "type" && k != "sensor") e[k] = std::move(v);
    }
    // Guest-supplied strings may hold any bytes: replace invalid UTF-8
    // rather than throw.
    std::string line = e.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::lock_guard lock(mu_);
    if (!dropped_.empty()) {
        std::uint64_t total = 0;
        for (const auto& [t, n] : dropped_) total += n;
        events::EventsDropped report{total, dropped_, dropped_since_};
        nlohmann::json line_of_report = {{"ts", e["ts"]}, {"type", events::EventsDropped::kType}};
        if (!sensor_.empty()) line_of_report["sensor"] = sensor_;
        line_of_report.update(events::to_fields(report));
        if (write_line(line_of_report.dump() + "\n")) {
            std::fprintf(stderr, "event log: writing again; %llu events were dropped since %s\n",
                         static_cast<unsigned long long>(total), dropped_since_.c_str());
            dropped_.clear();
        }
    }
    if (dropped_.empty() && write_line(line)) {
        dirty_ = true;
        if (rotate_bytes_ > 0 && size_ >= rotate_bytes_) rotate();
        return;
    }
    if (dropped_.empty()) {
        dropped_since_ = e["ts"].get<std::string>();
        std::fprintf(stderr, "event log: cannot write %s (%s): dropping events, and counting them\n", path_.c_str(),
                     std::strerror(errno));
    }
    ++dropped_[std::string(type)];
}

void EventLog::rotate() {
    auto to = rotated_segment(path_, next_rotated_);
    // The rotated file is complete on disk before readers may take it as done.
    ::fdatasync(fd_);
    if (::rename(path_.c_str(), to.c_str()) != 0) {
        std::fprintf(stderr, "event log: cannot rotate %s: %s\n", path_.c_str(), std::strerror(errno));
        return;
    }
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
        // Go on in the file as it was: put its name back.
        std::fprintf(stderr, "event log: cannot start a new %s: %s\n", path_.c_str(), std::strerror(errno));
        (void)::rename(to.c_str(), path_.c_str());
        return;
    }
    ::close(fd_.exchange(fd));
    size_ = 0;
    ++next_rotated_;
    if (int dir = ::open(path_.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    auto segments = log_segments(path_);
    std::size_t rotated = segments.empty() ? 0 : segments.size() - 1;  // the last is the live file
    for (std::size_t i = 0; i + keep_rotated_ < rotated; ++i) {
        std::error_code ec;
        std::filesystem::remove(segments[i].path, ec);
    }
}

bool EventLog::write_line(const std::string& line) {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return false;
    std::size_t off = 0;
    while (off < line.size()) {
        ssize_t n = ::write(fd_, line.data() + off, line.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int err = n == 0 ? ENOSPC : errno;
            // Cut a partial line off again: readers wait for whole lines, and
            // the next line must not be glued to a torn one.
            if (off > 0) (void)::ftruncate(fd_, st.st_size);
            errno = err;
            return false;
        }
        off += static_cast<std::size_t>(n);
    }
    size_ = static_cast<std::uint64_t>(st.st_size) + line.size();
    return true;
}

std::uint64_t EventLog::dropped() const {
    std::lock_guard lock(mu_);
    std::uint64_t total = 0;
    for (const auto& [t, n] : dropped_) total += n;
    return total;
}

}  // namespace oyster::sensor
