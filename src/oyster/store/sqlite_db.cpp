#include "oyster/store/sqlite_db.h"

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "oyster/common/error.h"

namespace oyster::store {

SqliteDb::SqliteDb(const std::filesystem::path& file) : file_(file) {
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
    throw Error(fmt::format("{}: {}: {}", file_.string(), what, sqlite3_errmsg(db_)));
}

void SqliteDb::exec(std::string_view sql) {
    std::string s(sql);
    char* err = nullptr;
    if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string why = err != nullptr ? err : "unknown error";
        sqlite3_free(err);
        throw Error(fmt::format("{}: {}: {}", file_.string(), s.substr(0, 80), why));
    }
}

std::int64_t SqliteDb::query_int(std::string_view sql) {
    Statement st(*this, sql);
    if (!st.step()) fail(fmt::format("no row from {}", sql));
    return st.int64(0);
}

Statement::Statement(SqliteDb& db, std::string_view sql) : db_(db) {
    if (sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK) {
        db.fail(fmt::format("prepare {}", sql.substr(0, 80)));
    }
}

Statement::~Statement() {
    sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::int64_t value) {
    if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) db_.fail("bind");
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    if (sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8) != SQLITE_OK) {
        db_.fail("bind");
    }
    return *this;
}

Statement& Statement::bind_null(int index) {
    if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) db_.fail("bind");
    return *this;
}

Statement& Statement::bind_or_null(int index, std::string_view text) {
    return text.empty() ? bind_null(index) : bind(index, text);
}

bool Statement::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    db_.fail(fmt::format("{}", sqlite3_sql(stmt_) != nullptr ? std::string(sqlite3_sql(stmt_)).substr(0, 80) : ""));
}

void Statement::run() {
    step();
    reset();
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::int64(int column) const {
    return sqlite3_column_int64(stmt_, column);
}

std::string Statement::text(int column) const {
    const unsigned char* p = sqlite3_column_text(stmt_, column);
    if (p == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool Statement::is_null(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Transaction::Transaction(SqliteDb& db) : db_(db) {
    db_.exec("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
    if (done_) return;
    try {
        db_.exec("ROLLBACK");
    } catch (const Error&) {
        // The connection is closing or the transaction already ended.
    }
}

void Transaction::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

nlohmann::json Statement::row_object() const {
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

}  // namespace oyster::store
