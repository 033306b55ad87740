// Follows one guest's capture as its writer appends to it
// (capture/capture_writer.h), for three things at once:
//
// - the complete decode, made once, as records arrive, into the guest's
//   capture/ directory (every record; tty recordings; executed files), so
//   replay, export and the web read capture/ whether the intrusion is open
//   or closed, and nothing decodes the capture again per request. finish()
//   closes it when the guest has stopped;
// - live `capture` events for the sensor's event log while a source holds
//   the guest, so an operator sees commands, connections and credential
//   changes as they happen;
// - with detect(), Sigma rules over every record, whose alerts are live
//   events too (detection/live_detector.h).
//
// It reads only as far as the writer has stamped (capture.times), so each
// decoded event has its receive time, and at most kMaxReadPerPoll a poll,
// so a large capture never holds up the sensor's loop. What the file held
// when the guest's first follower started (a pool guest's boot) is decoded
// but not reported. How far followers have read is kept in a progress file
// beside the capture (rewritten after each poll, after the events it
// covers were written): a follower started again (the sensor restarted, a
// dormant guest woken) reports from there on, so the records a killed
// sensor had not yet read, and a woken guest's boot (where an intruder's
// persistence runs), are reported too. A kill between an event's write
// and the progress's can report a few records twice, never none. Records are hostile input:
// they go through the same CaptureParser as any decode, and a malformed
// stream ends the following with one `capture_error` event.
//
// Every event of the classes the store's sessions, commands and
// credentials are made of is written to the sensor's log, in order with
// the sensor's own events, so the store (fed from that log) has all of
// them: execs, process forks, logins, terminal opens and closes, accepts.
// What the operator's outputs are forwarded is limited per guest and per
// class, each class with a token bucket of its own (kEventsPerSecond
// sustained, bursts of up to kBurstEvents: an SSH login alone is some 90
// records, accept, forks, sshd's privilege drops). An event of those
// classes beyond its allowance is still written, marked `store_only`
// (outputs skip it); so a loop of one cheap record cannot hide the
// attacker's commands from a syslog collector either, since it uses up
// only its own class. The log itself is bounded too, by a second, ten
// times larger allowance per class (kStoreEventsPerSecond): far above what
// a UML guest's real logins and commands reach (a fork+exec takes
// milliseconds), it stops a root who forges records in a loop from
// rotating other guests' events out of the log. Everything else
// (connects, file events, ...) beyond the live allowance is not written
// at all. The guest's capture/ has every record. What
// the buckets left out of the outputs is counted per class in a
// `capture_suppressed` event each second, with how many of them are in
// the log for the store.
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
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "oyster/capture/capture_decoder.h"
#include "oyster/capture/capture_records.h"
#include "oyster/detection/live_detector.h"
#include "oyster/events/sensor_events.h"

namespace oyster::sensor {

class CaptureFollower {
public:
    static constexpr unsigned kEventsPerSecond = 200;
    static constexpr unsigned kBurstEvents = 2000;
    static constexpr unsigned kStoreEventsPerSecond = 10 * kEventsPerSecond;
    static constexpr unsigned kStoreBurstEvents = 10 * kBurstEvents;
    // What a follower reports; the sink names the guest's intrusion and
    // source, which the follower does not know.
    using Event = std::variant<events::CaptureEvent, events::Login, events::CaptureSuppressed, events::CaptureError,
                               events::Alert>;
    using Sink = std::function<void(Event event)>;
    using LoginObserver = std::function<void(const nlohmann::json& login)>;

    // Per poll: a burst larger than this is read on the next one.
    static constexpr std::size_t kMaxReadPerPoll = std::size_t{4} << 20;

    // Starts at the beginning of `capture_file` (which may not exist yet);
    // what it holds already is not reported, unless `progress_file` says
    // an earlier follower read less of it (see above). With `decode_dir`,
    // decodes into it (emptied first: a decode starts at the stream's
    // start).
    CaptureFollower(std::filesystem::path capture_file, Sink sink, LoginObserver on_login = {},
                    const std::filesystem::path& decode_dir = {}, std::filesystem::path progress_file = {});
    ~CaptureFollower();
    CaptureFollower(const CaptureFollower&) = delete;
    CaptureFollower& operator=(const CaptureFollower&) = delete;

    // Reads what was appended since the last call and reports it (or, with
    // `report` false, skips it: a pooled guest's own cron and daemons).
    // With a `budget`, stops reading once it is spent, as it does after
    // kMaxReadPerPoll: a guest flooding its capture costs the loop the
    // poll runs on (the portal's) that long, and no more, at a time.
    // True when it stopped short of what the writer has stamped: the
    // caller should poll again as soon as its other work is served.
    bool poll(bool report = true, std::chrono::milliseconds budget = std::chrono::milliseconds::zero());

    // Events written within their allowance, and beyond it (store_only).
    std::uint64_t reported() const { return reported_; }
    std::uint64_t stored_only() const { return stored_only_; }
    // True when it decodes into a directory (see the constructor).
    bool decodes() const { return decoder_ != nullptr; }

    // Runs `rules` over every record from here on (detection/live_detector.h):
    // alerts go to the sink, outside the classes' allowances (a guest raises
    // each rule once). Records not reported still teach it the guest's
    // processes. `alerting` says whether the guest's intrusion is open
    // yet (live_detector.h): an alert needs one. Call before the first poll.
    void detect(std::shared_ptr<const detection::SigmaRuleSet> rules, std::function<bool()> alerting = {});

    // The stream has ended (the guest and its writer are gone): decodes the
    // rest and closes the decode. Reports nothing and calls no sink, so it
    // may run on another thread once polling has stopped. `error` gets what
    // was wrong with the stream, if anything.
    capture::DecodeStats finish(std::string* error = nullptr);

    // The clock the allowances and the suppression reports are measured by:
    // steady_clock unless a caller (a test, to control time) sets another.
    // Setting one starts every allowance's refill and the report window at
    // its present time.
    using Clock = std::function<std::chrono::steady_clock::time_point()>;
    void set_clock(Clock clock);

    // The event types reported live (the decoder's names).
    static bool is_live_type(const std::string& type);

    // The classes, each with its own allowance; `live_class` says which a
    // live event type is in. All but `other` are written whole (store_only
    // beyond the allowance).
    enum class LiveClass { exec, fork, login, terminal, accept, other };
    static constexpr std::size_t kLiveClasses = 6;
    static LiveClass live_class(const std::string& type);
    static const char* live_class_name(LiveClass c);

private:
    struct Bucket {
        double tokens = kBurstEvents;  // live: forwarded to the outputs
        double store_tokens = kStoreBurstEvents;
        std::chrono::steady_clock::time_point refilled = std::chrono::steady_clock::now();
        std::uint64_t suppressed = 0;  // not forwarded, since the last roll
        std::uint64_t stored = 0;      // of them, written store_only
    };

    // Reads new stamps; returns how far capture.bin may be read (all of it
    // when there is no times file: a capture from before the writer).
    std::uint64_t read_stamps();
    // Where the progress file says earlier followers stopped; nullopt when
    // there is none (or it is not a progress file).
    std::optional<std::uint64_t> read_progress() const;
    void write_progress();
    // True when it stopped short of what the writer has stamped.
    bool read_new(bool report, bool to_end, std::chrono::milliseconds budget = std::chrono::milliseconds::zero());
    // The live event of a record the follower reports, if it is one.
    void report_record(const capture::Record& r);
    void report(nlohmann::json event);
    // Once a second: reports what was suppressed since the last report.
    void roll_window(std::chrono::steady_clock::time_point now);
    // Refills the class's bucket for the time since its last refill.
    static void refill(Bucket& b, std::chrono::steady_clock::time_point now);

    std::filesystem::path file_;
    Sink sink_;
    LoginObserver on_login_;
    int fd_ = -1;
    std::uint64_t offset_ = 0;
    std::uint64_t catch_up_end_ = 0;  // records ending here or before are not reported
    std::filesystem::path progress_file_;
    std::uint64_t considered_ = 0;  // the end of the last record read
    std::uint64_t progress_written_ = 0;
    int progress_fd_ = -1;
    capture::CaptureParser parser_;
    std::unique_ptr<capture::CaptureDecoder> decoder_;
    bool header_seen_ = false;
    int times_fd_ = -1;
    std::uint64_t times_offset_ = 0;
    std::uint64_t stamped_ = 0;  // capture.bin is stamped up to here
    bool failed_ = false;
    std::uint64_t reported_ = 0;
    std::uint64_t stored_only_ = 0;
    Clock clock_ = [] { return std::chrono::steady_clock::now(); };
    std::chrono::steady_clock::time_point window_start_{};
    std::array<Bucket, kLiveClasses> buckets_{};
    std::unique_ptr<detection::LiveDetector> detector_;
    std::vector<events::Alert> alerts_;  // reused per record
};

}  // namespace oyster::sensor
