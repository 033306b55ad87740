// bench/follower: the live path of a busy guest's capture, as the sensor
// runs it: the capture follower reads the records as the writer stamps
// them, decodes them once into the guest's capture/ directory and writes
// the live events to the sensor's event log (sensor/capture_follower.h,
// sensor/event_log.h); then the store ingests that log
// (store/event_store.h). Prints records per second and the CPU time per
// 1,000 records of each stage, against a baseline in the same run: the
// offline decode of the same capture (capture/capture_decoder.h), which
// any reading of a capture pays.
//
// The capture is an interactive session: each command typed at a terminal
// (keystrokes, the exec, files opened and written, output), a connection
// every tenth. It arrives at RATE records per second of the follower's
// clock (the default, 1,500, is a guest forking and executing as fast as
// UML lets it), in pieces of 64 KiB, each stamped as the writer stamps.
// Usage: oyster_follower_bench [COMMANDS] [RATE] (default 20000 1500).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "capture_stream_builder.h"
#include "oyster/capture/capture_decoder.h"
#include "oyster/capture/receive_times.h"
#include "oyster/sensor/capture_follower.h"
#include "oyster/sensor/event_log.h"
#include "oyster/store/event_store.h"

namespace {

using oyster::capture::testing::StreamBuilder;

double cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return s(u.ru_utime) + s(u.ru_stime);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

StreamBuilder interactive_session(unsigned commands) {
    StreamBuilder b;
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

void append_bytes(const std::filesystem::path& p, const std::vector<std::uint8_t>& bytes, std::size_t from,
                  std::size_t to) {
    std::ofstream(p, std::ios::binary | std::ios::app)
        .write(reinterpret_cast<const char*>(bytes.data() + from), static_cast<std::streamsize>(to - from));
}

}  // namespace

int main(int argc, char** argv) {
    unsigned commands = argc > 1 ? static_cast<unsigned>(std::strtoul(argv[1], nullptr, 10)) : 20000;
    double rate = argc > 2 ? std::strtod(argv[2], nullptr) : 1500;
    if (commands == 0 || rate <= 0) {
        std::fprintf(stderr, "usage: oyster_follower_bench [COMMANDS] [RATE]\n");
        return 2;
    }
    auto dir = std::filesystem::temp_directory_path() / fmt::format("oyster-follower-bench-{}", ::getpid());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);

    StreamBuilder b = interactive_session(commands);
    auto capture = dir / "capture.bin";
    auto times = dir / "capture.times";
    std::ofstream(capture, std::ios::binary).close();
    std::ofstream(times, std::ios::binary).close();

    // The baseline: the offline decode, once to warm the page cache and
    // the allocator, then the run the ratios are against.
    std::ofstream(dir / "whole.bin", std::ios::binary)
        .write(reinterpret_cast<const char*>(b.bytes.data()), static_cast<std::streamsize>(b.bytes.size()));
    oyster::capture::decode_capture_file(dir / "whole.bin", dir / "warm");
    auto t0 = std::chrono::steady_clock::now();
    double c0 = cpu_seconds();
    std::uint64_t records = oyster::capture::decode_capture_file(dir / "whole.bin", dir / "whole").records;
    double decode_cpu_per_k = (cpu_seconds() - c0) * 1e6 / static_cast<double>(records);
    std::printf("baseline, offline decode: %llu records, %.0f records/s, %.3f ms CPU per 1,000 records\n",
                static_cast<unsigned long long>(records), static_cast<double>(records) / seconds_since(t0),
                decode_cpu_per_k);
    std::fflush(stdout);

    double per_byte = static_cast<double>(records) / static_cast<double>(b.bytes.size());
    auto now = std::chrono::steady_clock::time_point{};
    oyster::sensor::EventLog log(dir / "events.jsonl");
    std::uint64_t emitted = 0;
    auto sink = [&](oyster::sensor::CaptureFollower::Event event) {
        std::visit(
            [&](auto& e) {
                e.guest_id = "0a1b2c";
                e.intrusion_id = "20261207T060000-0a1b2c";
                e.source_ip = "203.0.113.50";
                log.emit(std::move(e));
            },
            event);
        ++emitted;
    };
    oyster::sensor::CaptureFollower follower(capture, sink, {}, dir / "live");
    follower.set_clock([&] { return now; });
    double follow_cpu = 0;
    constexpr std::size_t kPiece = 64 << 10;
    std::uint64_t stamp_ns = 1764172900000000000ULL;
    for (std::size_t at = 0; at < b.bytes.size();) {
        std::size_t to = std::min(at + kPiece, b.bytes.size());
        append_bytes(capture, b.bytes, at, to);
        auto stamp = oyster::capture::encode_receive_stamp({to, stamp_ns += 1000000});
        std::ofstream(times, std::ios::binary | std::ios::app)
            .write(reinterpret_cast<const char*>(stamp.data()), static_cast<std::streamsize>(stamp.size()));
        now += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(static_cast<double>(to - at) * per_byte / rate));
        c0 = cpu_seconds();
        while (follower.poll(true)) {
        }
        follow_cpu += cpu_seconds() - c0;
        at = to;
    }
    c0 = cpu_seconds();
    std::string error;
    follower.finish(&error);
    follow_cpu += cpu_seconds() - c0;
    if (!error.empty()) std::fprintf(stderr, "follower: %s\n", error.c_str());
    double follow_per_k = follow_cpu * 1e6 / static_cast<double>(records);
    std::printf(
        "follower (decode + live events into the log): %llu records, %llu events written, "
        "%.3f ms CPU per 1,000 records (%.2fx the offline decode); %.1f s of the guest's time\n",
        static_cast<unsigned long long>(records), static_cast<unsigned long long>(emitted), follow_per_k,
        follow_per_k / decode_cpu_per_k, static_cast<double>(records) / rate);

    auto t1 = std::chrono::steady_clock::now();
    c0 = cpu_seconds();
    oyster::store::EventStore store(dir / "store.sqlite");
    auto r = store.ingest_jsonl(dir / "events.jsonl");
    double store_cpu = cpu_seconds() - c0, store_wall = seconds_since(t1);
    double store_per_k = store_cpu * 1e6 / static_cast<double>(records);
    std::printf("store (ingest of that log): %llu events, %.0f events/s, %.3f ms CPU per 1,000 records\n",
                static_cast<unsigned long long>(r.events), static_cast<double>(r.events) / store_wall, store_per_k);
    std::printf(
        "sensor, follower + store: %.3f ms CPU per 1,000 records (%.2fx the offline decode); "
        "a guest at %.0f records/s costs %.1f %% of a CPU\n",
        follow_per_k + store_per_k, (follow_per_k + store_per_k) / decode_cpu_per_k, rate,
        (follow_per_k + store_per_k) * rate / 1e4);
    std::filesystem::remove_all(dir);
    return 0;
}
