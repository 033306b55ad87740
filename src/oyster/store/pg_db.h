// One PostgreSQL connection (libpq): the engine of a fleet's central store
// (issue 22), where sensors' events meet. Errors are oyster::Error naming
// the server as `redacted_url()` shows it (never the password) and what
// failed, with the server's own message. The API is SqliteDb's
// (sqlite_db.h), so that one set of store statements can run on either
// engine: parameters are numbered from 1 ($1, $2, ... in the SQL), columns
// from 0.
//
// Values travel as text (libpq's text format). PostgreSQL stores text in
// the database's encoding and refuses bytes that are not valid UTF-8,
// where SQLite keeps whatever it is given: what an intruder typed must be
// made valid before it is bound.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace oyster::store {

// A connection string (postgresql://user:secret@host:port/db?sslmode=...
// or "host=... password=..." key=value pairs) as it may be shown or logged:
// user@host:port/dbname, never the password. Throws oyster::Error when it
// does not parse (libpq's message, which does not echo the string).
std::string redacted_url(std::string_view url);

class PgDb;

// A statement with its parameters; executed by the first step().
class PgStatement {
public:
    PgStatement(PgDb& db, std::string_view sql);
    ~PgStatement();
    PgStatement(const PgStatement&) = delete;
    PgStatement& operator=(const PgStatement&) = delete;

    PgStatement& bind(int index, std::int64_t value);
    PgStatement& bind(int index, std::string_view text);
    PgStatement& bind_null(int index);
    // Text, or NULL when `text` is empty.
    PgStatement& bind_or_null(int index, std::string_view text);

    // True while there is a row to read; false when done.
    bool step();
    // step() then reset(), for statements that return nothing.
    void run();
    // Forgets the result; the parameters stay bound, as in SQLite.
    void reset();

    std::int64_t int64(int column) const;
    std::string text(int column) const;
    bool is_null(int column) const;
    // The current row as {column name: value}: integer columns as
    // numbers, everything else as strings, NULL as null.
    nlohmann::json row_object() const;

private:
    void check_column(int column) const;
    // The slot of parameter $index, made if need be.
    std::optional<std::string>& param(int index);

    PgDb& db_;
    std::string sql_;
    std::vector<std::optional<std::string>> params_;
    PGresult* result_ = nullptr;
    int row_ = -1;
};

class PgDb {
public:
    // Connects (libpq's URL or key=value forms; sslmode and the rest as
    // libpq reads them). Throws oyster::Error naming the server.
    explicit PgDb(std::string_view url);
    ~PgDb();
    PgDb(const PgDb&) = delete;
    PgDb& operator=(const PgDb&) = delete;

    // Runs one or more statements without parameters.
    void exec(std::string_view sql);
    // The single integer a query returns (COUNT, a version number).
    std::int64_t query_int(std::string_view sql);

    PGconn* handle() { return conn_; }
    // The server as redacted_url() shows it.
    const std::string& name() const { return name_; }
    [[noreturn]] void fail(std::string_view what) const;

private:
    std::string name_;
    PGconn* conn_ = nullptr;
};

// BEGIN now; ROLLBACK when destroyed without commit().
class PgTransaction {
public:
    explicit PgTransaction(PgDb& db);
    ~PgTransaction();
    PgTransaction(const PgTransaction&) = delete;
    PgTransaction& operator=(const PgTransaction&) = delete;
    void commit();

private:
    PgDb& db_;
    bool done_ = false;
};

}  // namespace oyster::store
