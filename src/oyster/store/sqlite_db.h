// One SQLite database connection, with errors as oyster::Error naming the
// file and what failed. Opened in WAL mode (readers never wait for the
// writer) with synchronous=NORMAL: a host crash may lose the last
// transactions, never corrupt the file; the store is rebuilt from the
// durable events.jsonl, and its position in that file commits with the
// events it covers (event_store.h), so nothing is lost or doubled.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace oyster::store {

class SqliteDb;

// A prepared statement; parameters are numbered from 1, columns from 0.
class Statement {
public:
    Statement(SqliteDb& db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::string_view text);
    Statement& bind_null(int index);
    // Text, or NULL when `text` is empty.
    Statement& bind_or_null(int index, std::string_view text);

    // True while there is a row to read; false when done.
    bool step();
    // step() then reset(), for statements that return nothing.
    void run();
    void reset();

    std::int64_t int64(int column) const;
    std::string text(int column) const;
    bool is_null(int column) const;
    // The current row as {column name: value}: integers as numbers, text
    // as strings (invalid UTF-8 kept as the bytes; dump() must replace),
    // NULL as null.
    nlohmann::json row_object() const;

private:
    SqliteDb& db_;
    sqlite3_stmt* stmt_ = nullptr;
};

class SqliteDb {
public:
    explicit SqliteDb(const std::filesystem::path& file);
    ~SqliteDb();
    SqliteDb(const SqliteDb&) = delete;
    SqliteDb& operator=(const SqliteDb&) = delete;

    void exec(std::string_view sql);
    // The single integer a query returns (COUNT, PRAGMA user_version).
    std::int64_t query_int(std::string_view sql);

    sqlite3* handle() { return db_; }
    const std::filesystem::path& file() const { return file_; }
    [[noreturn]] void fail(std::string_view what) const;

private:
    std::filesystem::path file_;
    sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE now; ROLLBACK when destroyed without commit().
class Transaction {
public:
    explicit Transaction(SqliteDb& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    SqliteDb& db_;
    bool done_ = false;
};

}  // namespace oyster::store
