#include "oyster/store/store_schema.h"

#include <array>

#include <fmt/format.h>

#include "oyster/common/error.h"

namespace oyster::store {
namespace {

// Migration N takes a database from version N to N + 1. Append only: a
// released step is never edited.
constexpr std::array<const char*, 1> kMigrations = {
    // 0 -> 1: events, the intrusions, credentials and commands they
    // describe, and how far each source file has been read.
    R"sql(
CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    ts           TEXT NOT NULL,
    type         TEXT NOT NULL,
    intrusion_id TEXT,
    guest_id     TEXT,
    source_ip    TEXT,
    body         TEXT NOT NULL
);
CREATE INDEX events_by_intrusion ON events (intrusion_id, id);
CREATE INDEX events_by_type ON events (type, ts);
CREATE INDEX events_by_source ON events (source_ip, ts);

CREATE TABLE intrusions (
    id           TEXT PRIMARY KEY,
    source_ip    TEXT NOT NULL,
    guest_id     TEXT,
    opened       TEXT,
    closed       TEXT,
    close_reason TEXT,
    connections  INTEGER,
    disk_bytes   INTEGER,
    dir          TEXT
);
CREATE INDEX intrusions_by_source ON intrusions (source_ip);

CREATE TABLE credentials (
    id           INTEGER PRIMARY KEY,
    event_id     INTEGER NOT NULL REFERENCES events (id),
    ts           TEXT NOT NULL,
    intrusion_id TEXT,
    source_ip    TEXT,
    service      TEXT,
    username     TEXT,
    password     TEXT,
    success      INTEGER NOT NULL,
    reason       TEXT
);
CREATE INDEX credentials_by_intrusion ON credentials (intrusion_id);
CREATE INDEX credentials_by_username ON credentials (username);

CREATE TABLE commands (
    id           INTEGER PRIMARY KEY,
    event_id     INTEGER NOT NULL REFERENCES events (id),
    ts           TEXT NOT NULL,
    intrusion_id TEXT,
    source_ip    TEXT,
    pid          INTEGER,
    path         TEXT,
    cwd          TEXT,
    argv         TEXT NOT NULL,
    command_line TEXT NOT NULL
);
CREATE INDEX commands_by_intrusion ON commands (intrusion_id, id);

CREATE TABLE ingest_positions (
    source       TEXT PRIMARY KEY,
    inode        INTEGER NOT NULL,
    offset       INTEGER NOT NULL
);
)sql",
};

}  // namespace

int store_schema_version() {
    return static_cast<int>(kMigrations.size());
}

void migrate_store(SqliteDb& db) {
    // The version is read under the write lock: two processes opening a new
    // store at once (the sensor and `oyster store sync`) must not both run
    // the same migration.
    for (;;) {
        Transaction t(db);
        auto at = db.query_int("PRAGMA user_version");
        if (at > store_schema_version()) {
            throw Error(
                fmt::format("{}: the store is at schema version {}, newer than this Oyster's {}: use a newer oyster",
                            db.file().string(), at, store_schema_version()));
        }
        if (at == store_schema_version()) return;  // nothing written: the rollback is free
        db.exec(kMigrations[static_cast<std::size_t>(at)]);
        db.exec(fmt::format("PRAGMA user_version = {}", at + 1));
        t.commit();
    }
}

}  // namespace oyster::store
