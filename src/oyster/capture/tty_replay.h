// Playing back a terminal session the decoder recorded (asciicast v2,
// docs/capture-format.md) and finding the recording of a session.
//
// The live `tty_open` event a session carries (its `seq`) names the
// capture record that opened the terminal; the decoder's index
// tty/sessions.jsonl maps that record to its replay file. Both files sit
// in an evidence directory a guest's kernel fed, so they are read as
// untrusted: bounded lines, names that cannot leave tty/.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace oyster::capture {

struct TtyRecording {
    std::uint64_t seq = 0;       // the capture record that opened the terminal
    std::string name;            // tty/<name>.cast, tty/<name>.ttylog
    std::filesystem::path cast;  // the asciicast (present)
};

// Every recording the index names whose asciicast exists, in index order.
std::vector<TtyRecording> list_tty_recordings(const std::filesystem::path& decoded_dir);

// The asciicast of the terminal session whose tty_open record had `seq`,
// in a decoded capture directory, or nullopt when it has none.
std::optional<std::filesystem::path> find_tty_recording(const std::filesystem::path& decoded_dir, std::uint64_t seq);

// The asciicast of the terminal session opened by capture record
// `tty_open_seq` in an intrusion's directory: the one in its capture/,
// which the sensor decodes as records arrive (so also while the intrusion
// is open); only when there is no decode at all (a guest from before the
// live decode), the guest's capture.bin decoded as it stands into
// `scratch`. Throws oyster::Error saying what is missing.
std::filesystem::path session_recording(const std::filesystem::path& intrusion_dir, std::uint64_t tty_open_seq,
                                        const std::filesystem::path& scratch);

struct ReplayOptions {
    double speed = 1.0;       // > 0; 2 plays twice as fast
    double idle_limit = 0.0;  // > 0: no pause longer than this many seconds
    bool instant = false;     // no pauses at all (scripts, tests)
    // Write the attacker's bytes as they are, queries and clipboard writes
    // included (replay_filter.h); only for a terminal that is not yours.
    bool raw = false;
};

struct ReplayStats {
    std::uint64_t output_events = 0;
    std::uint64_t output_bytes = 0;
    double duration = 0.0;                // seconds of the recording
    std::uint64_t dropped_sequences = 0;  // kept from the analyst's terminal (not raw)
};

// Writes the recording's output ("o" events) to `out` with its timing,
// through a ReplayFilter unless `options.raw`.
// Throws oyster::Error naming `name` when the header is not asciicast v2;
// malformed event lines are skipped.
ReplayStats play_asciicast(std::istream& in, std::ostream& out, const ReplayOptions& options, const std::string& name);

}  // namespace oyster::capture
