// The sensor's own events (connections, guests, intrusions, drops, mail) as
// one JSON object per line in an append-only file.
//
// emit() returns after the line is written with a single write(2) to an
// O_APPEND file: from then on it survives a crash or kill -9 of the sensor
// (the kernel has it); a background fdatasync within 200 ms covers a crash of
// the host. A line is never torn by a concurrent writer.
//
// Every event has "ts" (RFC 3339 UTC, milliseconds) and "type"; the other
// fields are documented in docs/sensor.md.
#pragma once

#include <atomic>
#include <filesystem>
#include <mutex>
#include <string_view>
#include <thread>

#include <nlohmann/json.hpp>

namespace oyster::sensor {

class EventLog {
public:
    explicit EventLog(const std::filesystem::path& file);
    ~EventLog();
    EventLog(const EventLog&) = delete;
    EventLog& operator=(const EventLog&) = delete;

    void emit(std::string_view type, nlohmann::json fields = nlohmann::json::object());

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    std::mutex mu_;
    int fd_ = -1;
    std::atomic<bool> dirty_{false};
    std::jthread syncer_;
};

// The current time as RFC 3339 UTC with milliseconds.
std::string utc_timestamp();

}  // namespace oyster::sensor
