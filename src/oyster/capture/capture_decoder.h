// Turns capture records into what an analyst reads, in one output directory:
//
//   events.jsonl          one JSON object per event (docs/capture-format.md)
//   tty/<tty>-<n>.cast    each terminal session as asciicast v2 (asciinema)
//   tty/<tty>-<n>.ttylog  the same session in the UML tty_log format that
//                         Cowrie's playlog reads (24-byte little-endian
//                         records "<iLiiLL": op, tty, len, dir, sec, usec)
//   files/<sha256>        content of every executed file and of every file
//                         kept before its content was destroyed, by hash
//
// A terminal session runs from a pty's open to its close (or, without an
// open, from its first byte); pty numbers are reused, so <n> counts sessions
// per tty. Checks the stream's sequence numbers and reports gaps.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "oyster/capture/capture_records.h"
#include "oyster/capture/receive_times.h"

namespace oyster::capture {

// A capture time (ns since the epoch, the guest's clock) as the decoder
// writes it: "2026-12-07T09:40:01.123456789Z".
std::string iso_time(std::uint64_t ns);

struct DecodeStats {
    std::uint64_t records = 0, events = 0, gaps = 0, tty_sessions = 0, files_stored = 0;
    std::uint64_t tty_sessions_unrecorded = 0;  // beyond kMaxTtySessions at once
    std::uint64_t tty_in_bytes = 0, tty_out_bytes = 0;
};

// Its bounds, for a stream a guest's root may have forged (it runs in the
// sensor): at most kMaxTtySessions terminals recorded at once (more are in
// events.jsonl only, said once by a `capture_limit` event), at most
// kMaxOpenTtyFiles of them with their files open (the least recently used
// is closed and reopened to append), at most kMaxPendingContents executed
// files arriving at once (more are refused, each with an `exec_content`
// event), at most kMaxKnownFiles file versions remembered for their hash.
class CaptureDecoder {
public:
    static constexpr std::size_t kMaxTtySessions = 4096;
    static constexpr std::size_t kMaxOpenTtyFiles = 32;
    static constexpr std::size_t kMaxPendingContents = 16;
    static constexpr std::size_t kMaxKnownFiles = 65536;

    explicit CaptureDecoder(std::filesystem::path out_dir);
    ~CaptureDecoder();
    CaptureDecoder(const CaptureDecoder&) = delete;
    CaptureDecoder& operator=(const CaptureDecoder&) = delete;

    void on_header(const StreamHeader& h);
    void on_record(const Record& r);
    // The stream ended (or broke with `error`): close sessions and files.
    void finish(const std::string& error = "");

    const DecodeStats& stats() const { return stats_; }
    // Terminals recorded now, and how many have their files open.
    std::size_t tty_sessions_open() const { return sessions_.size(); }
    std::size_t tty_files_open() const;
    std::size_t contents_pending() const { return contents_.size(); }
    // The host's receive times of the stream: each event then carries
    // `received` and `received_ns` beside the guest's own `time`.
    void set_receive_times(ReceiveTimes times) { receive_times_ = std::move(times); }
    // One more stamp, for a decoder fed as the stream arrives.
    void add_receive_stamp(const ReceiveStamp& stamp) { receive_times_.add(stamp); }
    // When the host received the record ending at `end_offset`, the last
    // one decoded or a later one; nullopt when not known.
    std::optional<std::uint64_t> received_ns(std::uint64_t end_offset) const {
        return receive_times_.received_ns(end_offset);
    }
    // Adds `received` (ISO 8601) and `received_ns` to an event.
    static void stamp_received(nlohmann::json& e, std::uint64_t received_ns);
    // Writes out what is buffered, so readers of the output directory see
    // every record decoded so far (a live decode).
    void flush();

    // The JSON event for a record, without side effects (also used by tests
    // and the fuzzer). Returns nullopt for records that are not events by
    // themselves (exec content chunks).
    static std::optional<nlohmann::json> event_for(const Record& r);

private:
    struct TtySession;
    struct PendingContent;

    void write_event(const nlohmann::json& e);
    // The terminal's session, its files open; nullptr beyond kMaxTtySessions.
    TtySession* session_for(std::uint32_t tty, std::uint64_t seq, std::uint64_t time_ns);
    void open_session_files(TtySession& s);
    void close_session(std::uint32_t tty, std::uint64_t time_ns);
    // Closes the tty sessions and drops the partial exec contents still open
    // (the stream, or a boot of the guest, ended), saying `why`.
    void end_open_records(const char* why);
    void on_content(const Record& r, const ExecContentRecord& c);
    // An exec or kept record: its content to come, or its hash if known.
    void note_content_owner(nlohmann::json& e, std::uint64_t seq, const std::string& key, bool content_follows,
                            bool kept);

    std::filesystem::path out_;
    std::ofstream events_;
    std::ofstream tty_index_;  // tty/sessions.jsonl: which record opened which replay
    DecodeStats stats_;
    std::optional<std::uint64_t> next_seq_;
    std::uint32_t boot_ = 0;
    std::map<std::uint32_t, std::unique_ptr<TtySession>> sessions_;
    std::map<std::uint32_t, unsigned> session_counts_;
    std::uint64_t use_clock_ = 0;
    bool tty_limit_reported_ = false;
    std::map<std::uint64_t, std::unique_ptr<PendingContent>> contents_;  // by exec seq
    std::map<std::string, std::string> known_files_;                     // "dev:ino:mtime:size" -> sha256
    // The record (exec or kept) whose content is still to come, by its seq.
    struct ContentOwner {
        std::string key;  // file_key() of the file version
        bool kept = false;
    };
    std::map<std::uint64_t, ContentOwner> content_owner_;
    ReceiveTimes receive_times_;
    std::optional<std::uint64_t> received_ns_;  // of the record being decoded
};

// What is wrong with a stream that ended where `parser` stands: its own
// error, a record cut short, no header; empty when nothing is.
std::string stream_end_error(const CaptureParser& parser);

// capture.bin -> capture.times: where the writer stamps a capture file.
std::filesystem::path receive_times_file_for(const std::filesystem::path& capture);

// Decodes a whole capture file into out_dir, with the receive times beside
// it when there are any; returns the stats. Throws
// oyster::Error when the file cannot be read; a corrupt stream is reported
// as a "capture_error" event and in the returned error string.
DecodeStats decode_capture_file(const std::filesystem::path& capture, const std::filesystem::path& out_dir,
                                std::string* error = nullptr);

}  // namespace oyster::capture
