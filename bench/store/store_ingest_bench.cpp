// bench/store: events per second from events.jsonl into the SQLite store
// (sessions derived as they come), alone and with every output on (a
// JSON-lines file and syslog over TCP to a collector on loopback, each
// forwarding the same log on its own thread meanwhile), against a
// baseline in the same run: parsing the same lines as JSON and nothing
// else (what any reader of the log pays). Usage: oyster_store_bench
// [EVENTS] (default 200000).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "event_log_gen.h"
#include "oyster/outputs/event_outputs.h"
#include "oyster/store/event_store.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// A collector that reads and discards: what a fast rsyslog costs the
// sender, without the collector's own work on these two cores.
struct DiscardCollector {
    int listener = -1;
    std::uint16_t port = 0;
    std::atomic<std::uint64_t> bytes = 0;
    std::jthread thread;

    DiscardCollector() {
        listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (::bind(listener, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(listener, 4) != 0) std::abort();
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
        thread = std::jthread([this](const std::stop_token&) {
            int c = ::accept(listener, nullptr, nullptr);
            if (c < 0) return;
            char buf[1 << 16];
            for (;;) {
                ssize_t n = ::read(c, buf, sizeof buf);
                if (n <= 0) break;
                bytes += static_cast<std::uint64_t>(n);
            }
            ::close(c);
        });
    }
    ~DiscardCollector() {
        ::shutdown(listener, SHUT_RDWR);
        ::close(listener);
    }
};

}  // namespace

int main(int argc, char** argv) {
    std::size_t events = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200000;
    char tmpl[] = "/tmp/oyster-store-bench-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return 1;
    std::filesystem::path dir = tmpl;
    auto log_file = dir / "events.jsonl";
    std::size_t sessions = 0;
    {
        std::ofstream out(log_file, std::ios::binary);
        sessions = oyster::bench::write_event_log(out, events);
    }
    auto log_bytes = std::filesystem::file_size(log_file);

    auto t0 = std::chrono::steady_clock::now();
    std::size_t parsed = 0;
    {
        std::ifstream in(log_file, std::ios::binary);
        std::string line;
        while (std::getline(in, line)) parsed += nlohmann::json::parse(line, nullptr, false).is_object() ? 1 : 0;
    }
    double baseline = seconds_since(t0);

    t0 = std::chrono::steady_clock::now();
    oyster::store::EventStore store(dir / "store.sqlite");
    auto r = store.ingest_jsonl(log_file);
    double ingest = seconds_since(t0);

    // Again into a new store, with both outputs forwarding the same log.
    DiscardCollector collector;
    oyster::Config cfg;
    cfg.paths.state_dir = dir / "outputs-state";
    cfg.outputs.jsonl_file = dir / "copy.jsonl";
    oyster::parse_syslog_target(fmt::format("tcp://127.0.0.1:{}", collector.port), cfg.outputs.syslog);
    cfg.outputs.backlog_mib = 1U << 20;
    double with_outputs = 0, outputs_done = 0;
    std::uint64_t stored_with_outputs = 0;
    {
        t0 = std::chrono::steady_clock::now();
        oyster::outputs::OutputRunner runner(cfg, log_file,
                                             [](const std::string& m) { std::fprintf(stderr, "%s\n", m.c_str()); });
        oyster::store::EventStore second(dir / "store2.sqlite");
        stored_with_outputs = second.ingest_jsonl(log_file).events;
        with_outputs = seconds_since(t0);
    }  // the runner's last pass delivers the rest
    outputs_done = seconds_since(t0);
    std::uint64_t copied = std::filesystem::file_size(dir / "copy.jsonl");

    std::printf("events: %zu in %zu sessions (%.1f MB of events.jsonl)\n", events, sessions,
                static_cast<double>(log_bytes) / 1e6);
    std::printf("baseline, JSON parse only: %.0f events/s (%.3f s)\n", static_cast<double>(parsed) / baseline,
                baseline);
    std::printf("store ingest (SQLite, WAL, derived tables, sessions): %.0f events/s (%.3f s)\n",
                static_cast<double>(r.events) / ingest, ingest);
    std::printf("store ingest with the JSON-lines and syslog/TCP outputs on: %.0f events/s (%.3f s)\n",
                static_cast<double>(stored_with_outputs) / with_outputs, with_outputs);
    std::printf("outputs: all %zu events delivered %.3f s after the start (%.0f events/s each); %.1f MB to syslog\n",
                events, outputs_done, static_cast<double>(events) / outputs_done,
                static_cast<double>(collector.bytes.load()) / 1e6);
    std::printf("ratio ingest/baseline time: %.2f alone, %.2f with outputs\n", ingest / baseline,
                with_outputs / baseline);
    std::printf("stored: %llu events, %llu sessions, %llu intrusions, %llu credentials, %llu commands; store %.1f MB\n",
                static_cast<unsigned long long>(store.count("events")),
                static_cast<unsigned long long>(store.count("sessions")),
                static_cast<unsigned long long>(store.count("intrusions")),
                static_cast<unsigned long long>(store.count("credentials")),
                static_cast<unsigned long long>(store.count("commands")),
                static_cast<double>(std::filesystem::file_size(dir / "store.sqlite")) / 1e6);
    std::filesystem::remove_all(dir);
    bool ok = r.events == events && stored_with_outputs == events && copied == log_bytes;
    if (!ok)
        std::fprintf(stderr, "MISMATCH: stored %llu/%llu, copied %llu of %llu bytes\n",
                     static_cast<unsigned long long>(r.events), static_cast<unsigned long long>(stored_with_outputs),
                     static_cast<unsigned long long>(copied), static_cast<unsigned long long>(log_bytes));
    return ok ? 0 : 1;
}
