#include "oyster/capture/tty_replay.h"

#include <chrono>
#include <fstream>
#include <istream>
#include <ostream>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oyster/capture/capture_decoder.h"
#include "oyster/capture/replay_filter.h"
#include "oyster/common/error.h"
#include "oyster/common/text_lines.h"

namespace oyster::capture {
namespace {

// No line of the index comes near this; a longer one is not ours.
constexpr std::size_t kMaxIndexLine = 4096;
// An output event of a recording holds one tty read (a few KiB).
constexpr std::size_t kMaxCastLine = 1U << 20;

bool safe_name(const std::string& name) {
    if (name.empty() || name.size() > 64 || name[0] == '.') return false;
    for (char c : name) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
    }
    return true;
}

}  // namespace

std::vector<TtyRecording> list_tty_recordings(const std::filesystem::path& decoded_dir) {
    std::vector<TtyRecording> out;
    std::ifstream index(decoded_dir / "tty" / "sessions.jsonl");
    if (!index) return out;
    std::string line;
    while (getline_bounded(index, line, kMaxIndexLine)) {
        if (line.size() > kMaxIndexLine) continue;
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_object()) continue;
        auto s = j.find("seq");
        auto n = j.find("name");
        if (s == j.end() || !s->is_number_unsigned()) continue;
        if (n == j.end() || !n->is_string() || !safe_name(n->get<std::string>())) continue;
        auto cast = decoded_dir / "tty" / (n->get<std::string>() + ".cast");
        if (!std::filesystem::is_regular_file(cast)) continue;
        out.push_back({s->get<std::uint64_t>(), n->get<std::string>(), cast});
    }
    return out;
}

std::filesystem::path session_recording(const std::filesystem::path& intrusion_dir, std::uint64_t tty_open_seq,
                                        const std::filesystem::path& scratch) {
    if (auto cast = find_tty_recording(intrusion_dir / "capture", tty_open_seq)) return *cast;
    // The sensor decodes as records arrive: a decode that lacks the terminal
    // has not reached it yet, or it never had one. Only a guest without any
    // decode (from before the sensor decoded live, or a failed one) is
    // decoded here.
    if (std::filesystem::exists(intrusion_dir / "capture" / "events.jsonl")) {
        throw Error(
            fmt::format("{}: no terminal recording for the session's terminal (capture record {}) in the "
                        "decoded capture yet",
                        (intrusion_dir / "capture").string(), tty_open_seq));
    }
    auto capture = intrusion_dir / "capture.bin";
    if (!std::filesystem::exists(capture)) {
        throw Error(fmt::format("{}: the guest's capture is gone (the intrusion was pruned?)", intrusion_dir.string()));
    }
    std::string error;
    decode_capture_file(capture, scratch, &error);
    if (auto cast = find_tty_recording(scratch, tty_open_seq)) return *cast;
    throw Error(fmt::format("{}: no terminal recording for the session's terminal (capture record {}){}",
                            capture.string(), tty_open_seq, error.empty() ? "" : ": " + error));
}

std::optional<std::filesystem::path> find_tty_recording(const std::filesystem::path& decoded_dir, std::uint64_t seq) {
    for (auto& r : list_tty_recordings(decoded_dir)) {
        if (r.seq == seq) return r.cast;
    }
    return std::nullopt;
}

ReplayStats play_asciicast(std::istream& in, std::ostream& out, const ReplayOptions& options, const std::string& name) {
    std::string line;
    if (!getline_bounded(in, line, kMaxIndexLine) || line.size() > kMaxIndexLine) {
        throw Error(name + ": empty, or not an asciicast recording");
    }
    auto header = nlohmann::json::parse(line, nullptr, false);
    // value() would throw on a version of another type: the file is hostile.
    auto version = header.is_object() ? header.find("version") : header.end();
    if (!header.is_object() || version == header.end() || !version->is_number_integer() ||
        version->get<std::int64_t>() != 2) {
        throw Error(name + ": not an asciicast v2 recording (its first line is not a version 2 header)");
    }
    double speed = options.speed > 0 ? options.speed : 1.0;
    ReplayStats stats;
    double last = 0.0;
    auto start = std::chrono::steady_clock::now();
    double played = 0.0;  // seconds of (scaled, capped) time played so far
    ReplayFilter filter;
    while (getline_bounded(in, line, kMaxCastLine)) {
        if (line.size() > kMaxCastLine) continue;
        auto ev = nlohmann::json::parse(line, nullptr, false);
        if (!ev.is_array() || ev.size() != 3 || !ev[0].is_number() || !ev[1].is_string() || !ev[2].is_string()) {
            continue;
        }
        double t = ev[0].get<double>();
        if (t < last) t = last;
        double pause = (t - last) / speed;
        if (options.idle_limit > 0 && pause > options.idle_limit) pause = options.idle_limit;
        last = t;
        stats.duration = t;
        if (ev[1].get<std::string>() != "o") continue;
        played += pause;
        if (!options.instant) {
            // Against the clock, not pause by pause: many small events
            // would otherwise drift behind real time.
            std::this_thread::sleep_until(start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                      std::chrono::duration<double>(played)));
        }
        const auto& data = ev[2].get_ref<const std::string&>();
        if (options.raw) {
            out.write(data.data(), static_cast<std::streamsize>(data.size()));
        } else {
            std::string shown = filter.feed(data);
            out.write(shown.data(), static_cast<std::streamsize>(shown.size()));
        }
        out.flush();
        ++stats.output_events;
        stats.output_bytes += data.size();
    }
    stats.dropped_sequences = filter.dropped();
    return stats;
}

}  // namespace oyster::capture
