// The store's tests run on both engines (store/sql_db.h): each test of a
// StoreEngineTest fixture runs once on SQLite, a file in the test's
// directory, and once on PostgreSQL, fresh databases of a real
// PostgreSQL 15 that the test process starts once (postgres_server.h).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <set>
#include <string>

#include <fmt/format.h>

#include "oyster/store/pg_db.h"
#include "oyster/store/sql_db.h"
#include "postgres_server.h"
#include "temp_dir.h"

namespace oyster::testing {

// One server for the whole test process, stopped and removed at its exit.
inline PostgresServer& shared_postgres() {
    static PostgresServer server;
    return server;
}

class StoreEngineTest : public TempDirTest, public ::testing::WithParamInterface<store::SqlEngine> {
protected:
    bool postgres() const { return GetParam() == store::SqlEngine::postgresql; }

    // Where the store called `name` is: a SQLite file, or a PostgreSQL
    // database of this test's own (made on first use).
    std::string where(const std::string& name = "store") {
        if (!postgres()) return (dir / (name + ".sqlite")).string();
        auto& pg = shared_postgres();
        if (!pg.started()) throw std::runtime_error("PostgreSQL did not start:\n" + pg.log());
        static int tests = 0;
        if (prefix_.empty()) prefix_ = fmt::format("t{}_{}", ::getpid(), ++tests);
        std::string db = prefix_ + "_" + name;
        for (auto& c : db) {
            if (c == '-') c = '_';
        }
        if (made_.insert(db).second) store::PgDb(pg.url()).exec("CREATE DATABASE " + db);
        return pg.url(db);
    }
    std::unique_ptr<store::SqlDb> open_db(const std::string& name = "store") { return store::open_sql_db(where(name)); }

private:
    std::string prefix_;
    std::set<std::string> made_;
};

inline std::string engine_name(const ::testing::TestParamInfo<store::SqlEngine>& info) {
    return info.param == store::SqlEngine::sqlite ? "SQLite" : "PostgreSQL";
}

}  // namespace oyster::testing

// INSTANTIATE_TEST_SUITE_P(Engines, Fixture, OYSTER_STORE_ENGINES);
#define OYSTER_STORE_ENGINES                                                                       \
    ::testing::Values(::oyster::store::SqlEngine::sqlite, ::oyster::store::SqlEngine::postgresql), \
        ::oyster::testing::engine_name
