// Live capture events for the sensor's event log: follows one guest's
// capture file (written by its kernel) while an intrusion is open, and turns
// what the attacker does into `capture` events as it happens, so an operator
// watching events.jsonl sees commands, connections and credential changes
// without waiting for the guest to stop. The complete decode (every record,
// tty sessions, executed files) is still made at stop, into the guest's
// capture/ directory; this is the live subset.
//
// What came before the intrusion (the pool guest's boot) is read but not
// reported. Records are hostile input: they go through the same
// CaptureParser as the full decode, and a malformed stream ends the
// following with one `capture_error` event.
//
// Reporting is rate-limited per guest and per class of event, each class
// with a token bucket of its own (kEventsPerSecond sustained, bursts of up
// to kBurstEvents: an SSH login alone is some 90 records, accept, forks,
// sshd's privilege drops, and two logins in one second must not lose the
// forks that tie commands to their session). The classes are what the
// store's sessions and an analyst cannot do without: execs, process forks,
// logins, terminal opens and closes, accepts, and then everything else. So
// a loop of cheap records (a connect() on a UDP socket, file events) only
// uses up its own class: the attacker's commands, logins and the forks and
// accepts that place them in their sessions are still reported. What a
// class's bucket leaves out is counted per class in a `capture_suppressed`
// event each second (the full decode at stop has every record).
// Login attempts reported by the guest's PAM hook become `login` events of
// their own (within their class's cap: a guest root can forge them). Each is
// also handed to the login observer, outside the cap: whether someone logged
// in decides whether the guest may ever be given to another source, and that
// must not depend on how busy the guest was.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "oyster/capture/capture_records.h"

namespace oyster::sensor {

class CaptureFollower {
public:
    static constexpr unsigned kEventsPerSecond = 200;
    static constexpr unsigned kBurstEvents = 2000;
    using Sink = std::function<void(const std::string& type, nlohmann::json fields)>;
    using LoginObserver = std::function<void(const nlohmann::json& login)>;

    // Starts at the beginning of `capture_file` (which may not exist yet) and
    // skips everything already in it.
    CaptureFollower(std::filesystem::path capture_file, Sink sink, LoginObserver on_login = {});
    ~CaptureFollower();
    CaptureFollower(const CaptureFollower&) = delete;
    CaptureFollower& operator=(const CaptureFollower&) = delete;

    // Reads what was appended since the last call and reports it (or, with
    // `report` false, skips it: a pooled guest's own cron and daemons).
    void poll(bool report = true);

    std::uint64_t reported() const { return reported_; }

    // The event types reported live (the decoder's names).
    static bool is_live_type(const std::string& type);

    // The classes, each with its own allowance; `live_class` says which a
    // live event type is in.
    enum class LiveClass { exec, fork, login, terminal, accept, other };
    static constexpr std::size_t kLiveClasses = 6;
    static LiveClass live_class(const std::string& type);
    static const char* live_class_name(LiveClass c);

private:
    struct Bucket {
        double tokens = kBurstEvents;
        std::chrono::steady_clock::time_point refilled = std::chrono::steady_clock::now();
        std::uint64_t suppressed = 0;
    };

    void read_new(bool report);
    void report(nlohmann::json event);
    // Once a second: reports what was suppressed since the last report.
    void roll_window();
    // Takes a token from the class's bucket (refilled at kEventsPerSecond);
    // false when it is empty.
    static bool take_token(Bucket& b);

    std::filesystem::path file_;
    Sink sink_;
    LoginObserver on_login_;
    int fd_ = -1;
    std::uint64_t offset_ = 0;
    capture::CaptureParser parser_;
    bool failed_ = false;
    std::uint64_t reported_ = 0;
    std::chrono::steady_clock::time_point window_start_{};
    std::array<Bucket, kLiveClasses> buckets_{};
};

}  // namespace oyster::sensor
