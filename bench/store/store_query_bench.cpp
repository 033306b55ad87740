// bench/store: how fast the analyst's pages answer from a big store: the
// sessions page (newest first, and filtered by address, by user, by
// download, deep in the list) and one session's timeline. Each query runs
// against the big store and against a baseline store a hundredth its
// size, built in the same run: the ratio says how the answer time grows
// with the store. The sessions page and the timeline are also asked of
// the web API over HTTP on loopback (web/web_server.h: a connection to
// the store per request, JSON, the token checked), as the UI asks them.
// Usage: oyster_store_query_bench [EVENTS] (default
// 1000000; 10000000 makes the 100,000 sessions of docs/performance.md).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "bench_clock.h"
#include "event_log_gen.h"
#include "oyster/store/analyst_queries.h"
#include "oyster/store/event_store.h"
#include "oyster/web/web_server.h"

#include <httplib.h>

namespace {

using oyster::bench::median_ms;
using oyster::bench::seconds_since;
using oyster::store::EventStore;

struct Built {
    std::unique_ptr<EventStore> store;
    std::size_t sessions = 0;
    double seconds = 0;
};

Built build(const std::filesystem::path& dir, const std::string& name, std::size_t events) {
    auto log = dir / (name + ".jsonl");
    Built b;
    {
        std::ofstream out(log, std::ios::binary);
        b.sessions = oyster::bench::write_event_log(out, events);
    }
    auto t0 = std::chrono::steady_clock::now();
    b.store = std::make_unique<EventStore>(dir / (name + ".sqlite"));
    b.store->ingest_jsonl(log);
    b.seconds = seconds_since(t0);
    std::filesystem::remove(log);
    return b;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t events = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
    char tmpl[] = "/var/tmp/oyster-query-bench-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return 1;
    std::filesystem::path dir = tmpl;
    auto small = build(dir, "baseline", std::max<std::size_t>(events / 100, 1000));
    auto big = build(dir, "big", events);
    std::printf("big store: %zu events, %zu sessions, built in %.1f s (%.0f events/s), %.1f MB\n", events, big.sessions,
                big.seconds, static_cast<double>(events) / big.seconds,
                static_cast<double>(std::filesystem::file_size(dir / "big.sqlite")) / 1e6);
    std::printf("baseline store: %zu sessions\n", small.sessions);

    struct Query {
        const char* name;
        std::function<void(EventStore&, std::size_t sessions)> run;
    };
    std::vector<Query> queries = {
        {"sessions page 1 (50 newest, total)",
         [](EventStore& s, std::size_t) { oyster::store::list_sessions(s.db(), {}); }},
        {"sessions page, by source address",
         [](EventStore& s, std::size_t) {
             oyster::store::SessionFilter f;
             f.source_ip = "198.51.7.100";
             oyster::store::list_sessions(s.db(), f);
         }},
        {"sessions page, by user, logged in",
         [](EventStore& s, std::size_t) {
             oyster::store::SessionFilter f;
             f.username = "root";
             f.logged_in = true;
             oyster::store::list_sessions(s.db(), f);
         }},
        {"sessions page, with a download",
         [](EventStore& s, std::size_t) {
             oyster::store::SessionFilter f;
             f.has_download = true;
             oyster::store::list_sessions(s.db(), f);
         }},
        {"sessions page 100 (offset 4950)",
         [](EventStore& s, std::size_t) {
             oyster::store::SessionFilter f;
             f.offset = 4950;
             oyster::store::list_sessions(s.db(), f);
         }},
        {"one session's timeline",
         [](EventStore& s, std::size_t sessions) {
             static std::size_t i = 0;
             auto id = static_cast<std::int64_t>(1 + (i++ * 7919) % sessions);
             if (oyster::store::session_timeline(s.db(), id).empty()) std::abort();
         }},
    };
    bool ok = true;
    std::printf("%-40s %10s %10s %7s\n", "query", "big ms", "base ms", "ratio");
    for (const auto& q : queries) {
        double base = median_ms([&] { q.run(*small.store, small.sessions); });
        double ms = median_ms([&] { q.run(*big.store, big.sessions); });
        std::printf("%-40s %10.2f %10.2f %7.1f%s\n", q.name, ms, base, ms / base, ms > 200 ? "  OVER 200 ms" : "");
        ok = ok && ms <= 200;
    }
    // The same pages through the web API.
    const std::string token(64, 't');
    auto serve = [&](const std::string& name) {
        oyster::web::WebOptions o;
        o.port = 0;
        o.store = (dir / (name + ".sqlite")).string();
        o.assets_dir = dir / "none";
        o.token = token;
        return std::make_unique<oyster::web::WebServer>(
            o, [](const std::string& m) { std::fprintf(stderr, "%s\n", m.c_str()); });
    };
    auto small_web = serve("baseline"), big_web = serve("big");
    httplib::Headers auth = {{"Authorization", "Bearer " + token}};
    auto get = [&](oyster::web::WebServer& w, const std::string& path) {
        httplib::Client c("127.0.0.1", w.port());
        auto r = c.Get(path, auth);
        if (!r || r->status != 200) std::abort();
    };
    struct ApiQuery {
        const char* name;
        std::function<std::string(std::size_t sessions)> path;
    };
    std::vector<ApiQuery> api = {
        {"API GET /api/sessions", [](std::size_t) { return std::string("/api/sessions"); }},
        {"API GET /api/sessions?user=root&...",
         [](std::size_t) { return std::string("/api/sessions?user=root&logged_in=1"); }},
        {"API GET /api/sessions/ID (timeline)",
         [](std::size_t sessions) {
             static std::size_t i = 0;
             return "/api/sessions/" + std::to_string(1 + (i++ * 7919) % sessions);
         }},
    };
    for (const auto& q : api) {
        double base = median_ms([&] { get(*small_web, q.path(small.sessions)); });
        double ms = median_ms([&] { get(*big_web, q.path(big.sessions)); });
        std::printf("%-40s %10.2f %10.2f %7.1f%s\n", q.name, ms, base, ms / base, ms > 200 ? "  OVER 200 ms" : "");
        ok = ok && ms <= 200;
    }
    small_web.reset();
    big_web.reset();
    small.store.reset();
    big.store.reset();
    std::filesystem::remove_all(dir);
    return ok ? 0 : 1;
}
