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
//
// A full disk (or any failed write) does not stop the sensor: the event is
// dropped, a partly written line is cut off again (readers only ever see
// whole lines), and the drops are counted by type. The first event that can
// be written again is preceded by an `events_dropped` event saying how many
// of each type were lost and since when. Events already written are never
// touched.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
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
    // Events dropped and not yet reported in an `events_dropped` event.
    std::uint64_t dropped() const;

private:
    // Writes `line` whole or not at all; false (errno set) when it cannot.
    // Called with mu_ held.
    bool write_line(const std::string& line);

    std::filesystem::path path_;
    mutable std::mutex mu_;
    int fd_ = -1;
    std::map<std::string, std::uint64_t> dropped_;  // by type, under mu_
    std::string dropped_since_;
    std::atomic<bool> dirty_{false};
    std::jthread syncer_;
};

// The current time as RFC 3339 UTC with milliseconds.
std::string utc_timestamp();

}  // namespace oyster::sensor
