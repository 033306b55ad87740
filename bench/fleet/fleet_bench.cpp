// bench/fleet: a fleet's central store (docs/fleet.md) on a real
// PostgreSQL 15 started for the run, beside SQLite measured in the same run.
//   1. Ingest: 4 simulated sensors, each its own log of EVENTS events, each
//      shipped by a thread of its own on a connection of its own (as the
//      sensors' feeders do), into PostgreSQL; the same 4 logs into one
//      SQLite store (its one writer takes them in turn). Events per second
//      over all four, and the ratio.
//   2. The analyst's pages on that store (4 x EVENTS events): the sessions
//      page, filtered, deep in the list, and one session's timeline, each
//      the median of 15 runs, on PostgreSQL and on SQLite.
// Usage: oyster_fleet_bench [EVENTS_PER_SENSOR] (default 50000).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bench_clock.h"
#include "event_log_gen.h"
#include "oyster/store/analyst_queries.h"
#include "oyster/store/event_store.h"
#include "oyster/store/pg_db.h"
#include "oyster/store/sql_db.h"
#include "postgres_server.h"

namespace {

using oyster::bench::median_ms;
using oyster::bench::seconds_since;
using oyster::store::EventStore;

constexpr int kSensors = 4;

// Ships the four logs, each on a thread and a connection of its own;
// returns the seconds it took.
double ship(const std::string& where, const std::vector<std::filesystem::path>& logs) {
    { EventStore create(oyster::store::open_sql_db(where)); }  // the schema, once
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int i = 0; i < kSensors; ++i) {
        threads.emplace_back([&, i] {
            EventStore store(oyster::store::open_sql_db(where));
            auto name = fmt::format("sensor-{}", i + 1);
            store.ingest_jsonl(logs[static_cast<std::size_t>(i)], {"sensor " + name, name});
        });
    }
    for (auto& t : threads) t.join();
    return seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t events = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 50000;
    char tmpl[] = "/var/tmp/oyster-fleet-bench-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return 1;
    std::filesystem::path dir = tmpl;
    oyster::testing::PostgresServer pg;
    if (!pg.started()) {
        std::fprintf(stderr, "PostgreSQL did not start:\n%s", pg.log().c_str());
        return 1;
    }
    oyster::store::PgDb(pg.url()).exec("CREATE DATABASE fleet");
    const std::string pg_where = pg.url("fleet"), sqlite_where = (dir / "fleet.sqlite").string();

    std::vector<std::filesystem::path> logs;
    std::size_t sessions = 0;
    for (int i = 0; i < kSensors; ++i) {
        logs.push_back(dir / fmt::format("sensor-{}.jsonl", i + 1));
        std::ofstream out(logs.back(), std::ios::binary);
        sessions += oyster::bench::write_event_log(out, events);
    }
    auto total = static_cast<double>(events * kSensors);
    double pg_s = ship(pg_where, logs);
    double sqlite_s = ship(sqlite_where, logs);
    std::printf("ingest, %d sensors x %zu events (%zu sessions in all):\n", kSensors, events, sessions);
    std::printf("  %-12s %10.0f events/s (%.1f s)\n", "PostgreSQL", total / pg_s, pg_s);
    std::printf("  %-12s %10.0f events/s (%.1f s)\n", "SQLite", total / sqlite_s, sqlite_s);
    std::printf("  PostgreSQL / SQLite: %.2f; goal 50000 events/s in all: %s\n", sqlite_s / pg_s,
                total / pg_s >= 50000 ? "met" : "NOT MET");

    auto pg_db = oyster::store::open_sql_db(pg_where);
    auto sqlite_db = oyster::store::open_sql_db(sqlite_where);
    auto stored = pg_db->query_int("SELECT COUNT(*) FROM events");
    if (stored != sqlite_db->query_int("SELECT COUNT(*) FROM events")) {
        std::fprintf(stderr, "the two stores differ\n");
        return 1;
    }
    pg_db->exec("ANALYZE");
    auto store_sessions = static_cast<std::size_t>(pg_db->query_int("SELECT COUNT(*) FROM sessions"));
    struct Query {
        const char* name;
        std::function<void(oyster::store::SqlDb&)> run;
    };
    std::vector<Query> queries = {
        {"sessions page 1 (50 newest, total)", [](auto& db) { oyster::store::list_sessions(db, {}); }},
        {"sessions page, by source address",
         [](auto& db) {
             oyster::store::SessionFilter f;
             f.source_ip = "198.51.7.100";
             oyster::store::list_sessions(db, f);
         }},
        {"sessions page, by user, logged in",
         [](auto& db) {
             oyster::store::SessionFilter f;
             f.username = "root";
             f.logged_in = true;
             oyster::store::list_sessions(db, f);
         }},
        {"sessions page 100 (offset 4950)",
         [](auto& db) {
             oyster::store::SessionFilter f;
             f.offset = 4950;
             oyster::store::list_sessions(db, f);
         }},
        {"one session's timeline",
         [store_sessions](auto& db) {
             static std::size_t i = 0;
             auto id = static_cast<std::int64_t>(1 + (i++ * 7919) % store_sessions);
             oyster::store::session_timeline(db, id);
         }},
        {"overview", [](auto& db) { oyster::store::overview(db); }},
    };
    std::printf("queries on %lld events, %zu sessions:\n", static_cast<long long>(stored), store_sessions);
    std::printf("  %-40s %10s %10s %7s\n", "query", "PG ms", "SQLite ms", "ratio");
    for (const auto& q : queries) {
        double p = median_ms([&] { q.run(*pg_db); });
        double s = median_ms([&] { q.run(*sqlite_db); });
        std::printf("  %-40s %10.2f %10.2f %7.1f%s\n", q.name, p, s, p / s, p > 200 ? "  OVER 200 ms" : "");
    }
    pg_db.reset();
    sqlite_db.reset();
    std::filesystem::remove_all(dir);
    return 0;
}
