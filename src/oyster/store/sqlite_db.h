// The store in SQLite: one database connection (sql_db.h), with errors
// naming the file and what failed. Opened in WAL mode (readers never wait
// for the writer) with synchronous=NORMAL: a host crash may lose the last
// transactions, never corrupt the file; the store is rebuilt from the
// durable events.jsonl, and its position in that file commits with the
// events it covers (event_store.h), so nothing is lost or doubled.
#pragma once

#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "oyster/store/sql_db.h"

namespace oyster::store {

class SqliteDb final : public SqlDb {
public:
    explicit SqliteDb(const std::filesystem::path& file);
    ~SqliteDb() override;
    SqliteDb(const SqliteDb&) = delete;
    SqliteDb& operator=(const SqliteDb&) = delete;

    SqlEngine engine() const override { return SqlEngine::sqlite; }
    const std::string& name() const override { return name_; }
    void exec(std::string_view sql) override;
    std::unique_ptr<SqlCursor> prepare(std::string_view sql) override;
    void begin_write() override { exec("BEGIN IMMEDIATE"); }
    void commit() override { exec("COMMIT"); }
    void rollback() override { exec("ROLLBACK"); }
    void lock_writers(std::string_view /*key*/) override {}
    // PRAGMA user_version.
    int schema_version() override;
    void set_schema_version(int version) override;
    std::string json_values(std::string_view column) const override;
    [[noreturn]] void fail(std::string_view what) const override;

    sqlite3* handle() { return db_; }

private:
    std::string name_;
    sqlite3* db_ = nullptr;
};

}  // namespace oyster::store
