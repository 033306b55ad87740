#include "oyster/store/sqlite_db.h"

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "oyster/common/error.h"

namespace oyster::store {

SqliteDb::SqliteDb(const std::filesystem::path& file) : name_(file.string()) {
    int rc =
        sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        std::string why = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        throw Error(fmt::format("{}: cannot open the store: {}", file.string(), why));
    }
    // A second process (the CLI while the sensor writes) waits, not fails.
    sqlite3_busy_timeout(db_, 5000);
    // Switching a new database to WAL needs it to itself, and SQLite answers
    // SQLITE_BUSY at once rather than wait (another process may be
    // creating the same store): retry for as long as the busy timeout.
    for (int tries = 0;; ++tries) {
        int wal = sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
        if (wal == SQLITE_OK) break;
        if ((wal != SQLITE_BUSY && wal != SQLITE_LOCKED) || tries >= 500) {
            std::string why = sqlite3_errmsg(db_);
            sqlite3_close(db_);
            db_ = nullptr;
            throw Error(fmt::format("{}: cannot switch the store to WAL mode: {}", file.string(), why));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    try {
        exec("PRAGMA synchronous=NORMAL");
        exec("PRAGMA foreign_keys=ON");
    } catch (...) {
        // No destructor runs for a constructor that throws.
        sqlite3_close(db_);
        db_ = nullptr;
        throw;
    }
}

SqliteDb::~SqliteDb() {
    sqlite3_close_v2(db_);
}

void SqliteDb::fail(std::string_view what) const {
    throw Error(fmt::format("{}: {}: {}", name_, what, sqlite3_errmsg(db_)));
}

void SqliteDb::exec(std::string_view sql) {
    std::string s(sql);
    char* err = nullptr;
    if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string why = err != nullptr ? err : "unknown error";
        sqlite3_free(err);
        throw Error(fmt::format("{}: {}: {}", name_, s.substr(0, 80), why));
    }
}

int SqliteDb::schema_version() {
    return static_cast<int>(query_int("PRAGMA user_version"));
}

void SqliteDb::set_schema_version(int version) {
    exec(fmt::format("PRAGMA user_version = {}", version));
}

std::string SqliteDb::json_values(std::string_view column) const {
    return fmt::format("json_each({})", column);
}

namespace {

class SqliteCursor final : public SqlCursor {
public:
    SqliteCursor(SqliteDb& db, std::string_view sql) : db_(db) {
        if (sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK) {
            db.fail(fmt::format("prepare {}", sql.substr(0, 80)));
        }
    }
    ~SqliteCursor() override { sqlite3_finalize(stmt_); }
    SqliteCursor(const SqliteCursor&) = delete;
    SqliteCursor& operator=(const SqliteCursor&) = delete;

    void bind(int index, std::int64_t value) override {
        if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) db_.fail("bind");
    }
    void bind(int index, std::string_view text) override {
        if (sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8) != SQLITE_OK) {
            db_.fail("bind");
        }
    }
    void bind_null(int index) override {
        if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) db_.fail("bind");
    }
    bool step() override {
        int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        const char* sql = sqlite3_sql(stmt_);
        db_.fail(sql != nullptr ? std::string(sql).substr(0, 80) : std::string());
    }
    void reset() override {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    std::int64_t int64(int column) const override { return sqlite3_column_int64(stmt_, column); }
    std::string text(int column) const override {
        const unsigned char* p = sqlite3_column_text(stmt_, column);
        if (p == nullptr) return {};
        return {reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
    }
    bool is_null(int column) const override { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
    // Invalid UTF-8 in a text column is kept as the bytes: dump() must
    // replace.
    nlohmann::json row_object() const override {
        nlohmann::json row = nlohmann::json::object();
        int n = sqlite3_column_count(stmt_);
        for (int i = 0; i < n; ++i) {
            const char* name = sqlite3_column_name(stmt_, i);
            switch (sqlite3_column_type(stmt_, i)) {
                case SQLITE_INTEGER:
                    row[name] = sqlite3_column_int64(stmt_, i);
                    break;
                case SQLITE_FLOAT:
                    row[name] = sqlite3_column_double(stmt_, i);
                    break;
                case SQLITE_NULL:
                    row[name] = nullptr;
                    break;
                default:
                    row[name] = text(i);
            }
        }
        return row;
    }

private:
    SqliteDb& db_;
    sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace

std::unique_ptr<SqlCursor> SqliteDb::prepare(std::string_view sql) {
    return std::make_unique<SqliteCursor>(*this, sql);
}

}  // namespace oyster::store
