// The sensor's own events (connections, guests, intrusions, drops, mail) as
// one JSON object per line in an append-only file.
//
// emit() returns after the line is written with a single write(2) to an
// O_APPEND file: from then on it survives a crash or kill -9 of the sensor
// (the kernel has it); a background fdatasync within 200 ms covers a crash of
// the host. A line is never torn by a concurrent writer.
//
// Events are the structs of events/sensor_events.h (the schema in code):
// every line has "ts" (RFC 3339 UTC, milliseconds), "type" and, when the
// log is given one, "sensor" (the sensor's name in a fleet), then the
// struct's fields, documented in docs/sensor.md.
//
// A full disk (or any failed write) does not stop the sensor: the event is
// dropped, a partly written line is cut off again (readers only ever see
// whole lines), and the drops are counted by type. The first event that can
// be written again is preceded by an `events_dropped` event saying how many
// of each type were lost and since when. Events already written are never
// touched.
//
// The log is rotated (common/log_segments.h): once the live file reaches
// `rotate_bytes` it is renamed <file>.N (N one more than the newest) and a
// new one is started; of the rotated files the newest `keep_rotated` are
// kept. Readers go on from where they were across a rotation.
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

#include "oyster/events/sensor_events.h"

namespace oyster::sensor {

class EventLog {
public:
    // rotate_bytes 0: never rotate.
    explicit EventLog(const std::filesystem::path& file, std::uint64_t rotate_bytes = 0, std::uint64_t keep_rotated = 8,
                      std::string sensor = "");
    ~EventLog();
    EventLog(const EventLog&) = delete;
    EventLog& operator=(const EventLog&) = delete;

    // Takes the event by value: an rvalue's fields (a capture event's
    // object) are moved into the line, not copied.
    template <class Event>
    void emit(Event e) {
        auto type = events::event_type(e);
        write_event(type, events::to_fields(std::move(e)));
    }

    const std::filesystem::path& path() const { return path_; }
    // Events dropped and not yet reported in an `events_dropped` event.
    std::uint64_t dropped() const;

private:
    void write_event(std::string_view type, nlohmann::json fields);
    // Writes `line` whole or not at all; false (errno set) when it cannot.
    // Called with mu_ held.
    bool write_line(const std::string& line);
    // Renames the live file to the next rotated name and starts a new one;
    // removes rotated files beyond keep_rotated_. Called with mu_ held.
    void rotate();

    std::filesystem::path path_;
    std::string sensor_;
    std::uint64_t rotate_bytes_, keep_rotated_;
    mutable std::mutex mu_;
    // The syncer reads it without mu_: a rotation swaps it.
    std::atomic<int> fd_{-1};
    std::uint64_t size_ = 0;                        // of the live file, under mu_
    std::uint64_t next_rotated_ = 1;                // number of the next rotated file, under mu_
    std::map<std::string, std::uint64_t> dropped_;  // by type, under mu_
    std::string dropped_since_;
    std::atomic<bool> dirty_{false};
    std::jthread syncer_;
};

// The current time as RFC 3339 UTC with milliseconds.
std::string utc_timestamp();

}  // namespace oyster::sensor
