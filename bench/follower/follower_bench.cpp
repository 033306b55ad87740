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
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "capture_stream_builder.h"
#include "live_capture_run.h"
#include "oyster/capture/capture_decoder.h"
#include "oyster/store/event_store.h"

namespace {

using oyster::bench::cpu_seconds;
using oyster::capture::testing::StreamBuilder;

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
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

    StreamBuilder b = oyster::bench::interactive_session(commands);

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

    auto run = oyster::bench::follow_capture(b.bytes, records, rate, dir / "guest", dir / "events.jsonl");
    double follow_cpu = run.cpu_seconds;
    std::uint64_t emitted = run.emitted;
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
