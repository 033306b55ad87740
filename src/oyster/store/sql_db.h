// The store's database, whichever engine holds it: SQLite, a file of the
// sensor's own (sqlite_db.h), or PostgreSQL, a fleet's central store
// (pg_db.h). The store's statements are written once, in the SQL both
// engines read: `?` parameters numbered from 1, columns from 0, upserts as
// INSERT ... ON CONFLICT, new ids by RETURNING. Where the engines differ
// (the schema's integer and key types, JSON arrays, a version number) the
// engine says which it is, or does it its own way behind a method here.
// Errors are oyster::Error naming the database (name()) and what failed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace oyster::store {

enum class SqlEngine { sqlite, postgresql };

// One prepared statement of an engine (Statement, below, is what the store
// uses).
class SqlCursor {
public:
    virtual ~SqlCursor() = default;
    virtual void bind(int index, std::int64_t value) = 0;
    virtual void bind(int index, std::string_view text) = 0;
    virtual void bind_null(int index) = 0;
    // True while there is a row to read; false when done.
    virtual bool step() = 0;
    // Ready to run again; the parameters are cleared.
    virtual void reset() = 0;
    virtual std::int64_t int64(int column) const = 0;
    virtual std::string text(int column) const = 0;
    virtual bool is_null(int column) const = 0;
    // The current row as {column name: value}: integers as numbers, text
    // as strings, NULL as null.
    virtual nlohmann::json row_object() const = 0;
};

class SqlDb {
public:
    virtual ~SqlDb() = default;

    virtual SqlEngine engine() const = 0;
    // What errors and logs call the database: its file, or the server as
    // user@host:port/db (never a password).
    virtual const std::string& name() const = 0;

    // Runs one or more statements without parameters.
    virtual void exec(std::string_view sql) = 0;
    virtual std::unique_ptr<SqlCursor> prepare(std::string_view sql) = 0;
    // The single integer a query returns (a COUNT).
    std::int64_t query_int(std::string_view sql);

    // A transaction that will write: SQLite takes its one writer's lock
    // now (BEGIN IMMEDIATE); PostgreSQL begins, and writers of one thing
    // meet at lock_writers().
    virtual void begin_write() = 0;
    virtual void commit() = 0;
    virtual void rollback() = 0;
    // Until the transaction ends, other writers that name the same key
    // wait here: what this transaction read before writing stays true.
    // (SQLite's write lock is already the whole database's.)
    virtual void lock_writers(std::string_view key) = 0;

    // The schema version the database is at (0 when new), read and set
    // inside a write transaction.
    virtual int schema_version() = 0;
    virtual void set_schema_version(int version) = 0;

    // A JSON array column's elements, as a table source with one text
    // column `value`: for `FROM alerts, <json_values("alerts.tags")> AS t`.
    virtual std::string json_values(std::string_view column) const = 0;

    [[noreturn]] virtual void fail(std::string_view what) const = 0;
};

// The store's statement handle: one prepared statement of `db`'s engine.
class Statement {
public:
    Statement(SqlDb& db, std::string_view sql) : cursor_(db.prepare(sql)) {}

    Statement& bind(int index, std::int64_t value) {
        cursor_->bind(index, value);
        return *this;
    }
    Statement& bind(int index, std::string_view text) {
        cursor_->bind(index, text);
        return *this;
    }
    Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, bool value) { return bind(index, std::int64_t{value ? 1 : 0}); }
    Statement& bind(int index, int value) { return bind(index, std::int64_t{value}); }
    Statement& bind_null(int index) {
        cursor_->bind_null(index);
        return *this;
    }
    // Text, or NULL when `text` is empty.
    Statement& bind_or_null(int index, std::string_view text) {
        return text.empty() ? bind_null(index) : bind(index, text);
    }

    bool step() { return cursor_->step(); }
    // step() then reset(), for statements that return nothing.
    void run() {
        step();
        reset();
    }
    void reset() { cursor_->reset(); }

    std::int64_t int64(int column) const { return cursor_->int64(column); }
    std::string text(int column) const { return cursor_->text(column); }
    bool is_null(int column) const { return cursor_->is_null(column); }
    nlohmann::json row_object() const { return cursor_->row_object(); }

private:
    std::unique_ptr<SqlCursor> cursor_;
};

// begin_write() now; rollback() when destroyed without commit().
class Transaction {
public:
    explicit Transaction(SqlDb& db) : db_(db) { db_.begin_write(); }
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit() {
        db_.commit();
        done_ = true;
    }

private:
    SqlDb& db_;
    bool done_ = false;
};

// True for a PostgreSQL connection string (postgresql:// or postgres://,
// or libpq's key=value form), false for a SQLite file's path.
bool is_postgres_url(std::string_view where);

// Opens the store's database: PostgreSQL for a connection string (with
// `password` when not empty), else the SQLite file at that path (created
// if need be).
std::unique_ptr<SqlDb> open_sql_db(std::string_view where, const std::string& password = "");

}  // namespace oyster::store
