// A capture fed to the sensor's capture follower as the writer feeds it:
// in pieces of 64 KiB, each stamped, at RATE records per second of the
// follower's clock, the follower polled after each piece and its live
// events written to an event log. Shared by bench/follower and
// bench/detection, which measure what the follower costs with and
// without what they add.
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "capture_stream_builder.h"
#include "oyster/capture/receive_times.h"
#include "oyster/detection/sigma_ruleset.h"
#include "oyster/sensor/capture_follower.h"
#include "oyster/sensor/event_log.h"

namespace oyster::bench {

inline double cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return s(u.ru_utime) + s(u.ru_stime);
}

// A busy guest's capture: an interactive session, each command typed at
// a terminal (keystrokes, the exec, a file opened and written, output), a
// connection every tenth.
inline capture::testing::StreamBuilder interactive_session(unsigned commands) {
    capture::testing::StreamBuilder b;
    const std::uint8_t web[4] = {198, 51, 100, 10};
    b.tty(OYSTER_CAP_TTY_OPEN, "");
    for (unsigned i = 0; i < commands; ++i) {
        std::string file = fmt::format("/tmp/w{}", i % 97);
        b.tty(OYSTER_CAP_TTY_IN, fmt::format("cat /etc/passwd > {}\r", file));
        b.exec("/usr/bin/cat", {"cat", "/etc/passwd"}, 44016, 0, 1000 + i % 5000);
        b.file(OYSTER_CAP_FILE_OPEN_WRITE, 257, 3, file);
        if (i % 10 == 0) b.connect4(0, web, 80);
        b.tty(OYSTER_CAP_TTY_OUT, fmt::format("root@web-prod-02:~# cat /etc/passwd > {}\r\n", file));
    }
    b.tty(OYSTER_CAP_TTY_CLOSE, "");
    return b;
}

struct FollowerRun {
    double cpu_seconds = 0;     // the follower's polls and its finish
    std::uint64_t emitted = 0;  // events it wrote to the log
    std::uint64_t alerts = 0;   // of them, alerts
};

// Follows `stream` (`records` records) written into `dir` (which must not
// hold a capture yet), decoding into dir/live and logging to `log_file`;
// with `rules`, runs them too.
inline FollowerRun follow_capture(const std::vector<std::uint8_t>& stream, std::uint64_t records, double rate,
                                  const std::filesystem::path& dir, const std::filesystem::path& log_file,
                                  std::shared_ptr<const detection::SigmaRuleSet> rules = {}) {
    std::filesystem::create_directories(dir);
    auto capture = dir / "capture.bin";
    auto times = dir / "capture.times";
    std::ofstream(capture, std::ios::binary).close();
    std::ofstream(times, std::ios::binary).close();
    double per_byte = static_cast<double>(records) / static_cast<double>(stream.size());
    auto now = std::chrono::steady_clock::time_point{};
    sensor::EventLog log(log_file);
    FollowerRun run;
    auto sink = [&](sensor::CaptureFollower::Event event) {
        if (std::holds_alternative<events::Alert>(event)) ++run.alerts;
        std::visit(
            [&](auto& e) {
                e.guest_id = "0a1b2c";
                e.intrusion_id = "20261207T060000-0a1b2c";
                e.source_ip = "203.0.113.50";
                log.emit(std::move(e));
            },
            event);
        ++run.emitted;
    };
    sensor::CaptureFollower follower(capture, sink, {}, dir / "live");
    follower.set_clock([&] { return now; });
    follower.detect(std::move(rules));
    constexpr std::size_t kPiece = 64 << 10;
    std::uint64_t stamp_ns = 1764172900000000000ULL;
    for (std::size_t at = 0; at < stream.size();) {
        std::size_t to = std::min(at + kPiece, stream.size());
        std::ofstream(capture, std::ios::binary | std::ios::app)
            .write(reinterpret_cast<const char*>(stream.data() + at), static_cast<std::streamsize>(to - at));
        auto stamp = capture::encode_receive_stamp({to, stamp_ns += 1000000});
        std::ofstream(times, std::ios::binary | std::ios::app)
            .write(reinterpret_cast<const char*>(stamp.data()), static_cast<std::streamsize>(stamp.size()));
        now += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(static_cast<double>(to - at) * per_byte / rate));
        double c0 = cpu_seconds();
        while (follower.poll(true)) {
        }
        run.cpu_seconds += cpu_seconds() - c0;
        at = to;
    }
    double c0 = cpu_seconds();
    std::string error;
    follower.finish(&error);
    run.cpu_seconds += cpu_seconds() - c0;
    if (!error.empty()) std::fprintf(stderr, "follower: %s\n", error.c_str());
    return run;
}

}  // namespace oyster::bench
