// The store in PostgreSQL (libpq): the engine of a fleet's central store,
// where sensors' events meet (docs/fleet.md). One connection (sql_db.h);
// errors name the server as redacted_url() shows it, never the password,
// with the server's own message.
//
// Statements are written as for SQLite: each `?` outside quotes becomes
// $1, $2, ... in order. Values travel as text (libpq's text format).
// PostgreSQL refuses text that is not valid UTF-8 and cannot hold a NUL,
// where SQLite keeps whatever it is given: text is made valid as it is
// bound (utf8_valid: such bytes become U+FFFD), so that what an intruder
// typed can never stop the store. Booleans read as 1 and 0, as SQLite's
// comparisons do.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>

#include "oyster/store/sql_db.h"

namespace oyster::store {

// A connection string (postgresql://user:secret@host:port/db?sslmode=...
// or "host=... password=..." key=value pairs) as it may be shown or logged:
// user@host:port/dbname, never the password. Throws oyster::Error when it
// does not parse (libpq's message, which does not echo the string).
std::string redacted_url(std::string_view url);

// `sql` with each `?` outside quoted text and identifiers numbered: $1, $2...
std::string numbered_parameters(std::string_view sql);

class PgDb final : public SqlDb {
public:
    // Connects (libpq's URL or key=value forms; sslmode and the rest as
    // libpq reads them), with `password` when not empty (else libpq's own
    // ways: the URL, PGPASSWORD, ~/.pgpass). A server that stops answering
    // fails a statement within about 30 s (TCP keepalives and user
    // timeout; a connect within 10 s), unless the URL says otherwise.
    // Throws oyster::Error naming the server.
    explicit PgDb(std::string_view url, const std::string& password = "");
    ~PgDb() override;
    PgDb(const PgDb&) = delete;
    PgDb& operator=(const PgDb&) = delete;

    SqlEngine engine() const override { return SqlEngine::postgresql; }
    const std::string& name() const override { return name_; }
    void exec(std::string_view sql) override;
    std::unique_ptr<SqlCursor> prepare(std::string_view sql) override;
    void begin_write() override { exec("BEGIN"); }
    void commit() override { exec("COMMIT"); }
    void rollback() override { exec("ROLLBACK"); }
    // pg_advisory_xact_lock on the key's hash.
    void lock_writers(std::string_view key) override;
    // The one row of table oyster_schema (made when missing).
    int schema_version() override;
    void set_schema_version(int version) override;
    std::string json_values(std::string_view column) const override;
    [[noreturn]] void fail(std::string_view what) const override;

    PGconn* handle() { return conn_; }
    // A name for a statement prepared on this connection.
    std::string next_statement_name() { return "oyster_" + std::to_string(++statements_); }

private:
    std::string name_;
    PGconn* conn_ = nullptr;
    unsigned long statements_ = 0;
};

}  // namespace oyster::store
