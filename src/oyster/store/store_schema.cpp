#include "oyster/store/store_schema.h"

#include <array>
#include <regex>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/store/session_tracker.h"

namespace oyster::store {
namespace {

// Migration N takes a database from version N to N + 1. Append only: a
// released step is never edited.
struct Migration {
    const char* sql;
    // Derives the new tables' rows from the events already stored, in the
    // migration's transaction (the store is derived data: a new table is
    // filled as if it had always been there).
    void (*backfill)(SqlDb&);
};

constexpr std::array<Migration, 5> kMigrations = {{
    // 0 -> 1: events, the intrusions, credentials and commands they
    // describe, and how far each source file has been read.
    {R"sql(
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
    "offset"     INTEGER NOT NULL
);
)sql",
     nullptr},
    // 1 -> 2: sessions (one per TCP connection) and which session each
    // event, credential and command belongs to.
    {R"sql(
CREATE TABLE sessions (
    id                INTEGER PRIMARY KEY,
    intrusion_id      TEXT,
    guest_id          TEXT,
    source_ip         TEXT NOT NULL,
    source_port       INTEGER NOT NULL,
    port              INTEGER,
    started           TEXT NOT NULL,
    ended             TEXT,
    duration_ms       INTEGER,
    bytes_from_client INTEGER,
    bytes_to_client   INTEGER,
    end_reason        TEXT,
    login_attempts    INTEGER NOT NULL DEFAULT 0,
    logged_in         INTEGER NOT NULL DEFAULT 0,
    username          TEXT,
    password          TEXT,
    tty               TEXT,
    tty_open_seq      INTEGER,
    commands          INTEGER NOT NULL DEFAULT 0,
    downloads         INTEGER NOT NULL DEFAULT 0,
    connections_out   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_by_started ON sessions (started);
-- An index ends with the rowid: (username, logged_in) counts a user's
-- logins from the index alone and pages them newest first without a sort.
CREATE INDEX sessions_by_source ON sessions (source_ip, source_port);
CREATE INDEX sessions_by_username ON sessions (username, logged_in);
CREATE INDEX sessions_by_intrusion ON sessions (intrusion_id);
CREATE INDEX sessions_with_downloads ON sessions (started) WHERE downloads > 0;

CREATE TABLE session_processes (
    guest_id     TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    session_id   INTEGER NOT NULL,
    PRIMARY KEY (guest_id, pid)
) WITHOUT ROWID;

CREATE TABLE session_accepts (
    guest_id     TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    session_id   INTEGER NOT NULL,
    PRIMARY KEY (guest_id, pid)
) WITHOUT ROWID;

ALTER TABLE events ADD COLUMN session_id INTEGER;
CREATE INDEX events_by_session ON events (session_id, id) WHERE session_id IS NOT NULL;
ALTER TABLE credentials ADD COLUMN session_id INTEGER;
ALTER TABLE commands ADD COLUMN session_id INTEGER;
CREATE INDEX commands_by_session ON commands (session_id, id) WHERE session_id IS NOT NULL;
)sql",
     backfill_sessions},
    // 2 -> 3: the forensic analysis of each intrusion (forensic_file, alert,
    // artefact and forensics_done events). Unique keys make a repeated
    // report (a sensor that died while reporting) replace, not duplicate.
    // No backfill: no earlier version logged these events.
    {R"sql(
CREATE TABLE files (
    id            INTEGER PRIMARY KEY,
    event_id      INTEGER NOT NULL REFERENCES events (id),
    intrusion_id  TEXT NOT NULL,
    change        TEXT NOT NULL,
    path          TEXT NOT NULL,
    size          INTEGER,
    mode          TEXT,
    uid           INTEGER,
    gid           INTEGER,
    mtime         INTEGER,
    sha256        TEXT,
    sha256_before TEXT,
    file_type     TEXT,
    mime          TEXT,
    evidence      TEXT,
    executions    INTEGER,
    in_base_image INTEGER
);
CREATE UNIQUE INDEX files_key ON files (intrusion_id, change, path, ifnull(sha256, ''));
CREATE INDEX files_by_sha256 ON files (sha256);

CREATE TABLE alerts (
    id           INTEGER PRIMARY KEY,
    event_id     INTEGER NOT NULL REFERENCES events (id),
    ts           TEXT NOT NULL,
    intrusion_id TEXT NOT NULL,
    rule         TEXT NOT NULL,
    rule_file    TEXT,
    severity     TEXT,
    description  TEXT,
    tags         TEXT,
    path         TEXT,
    sha256       TEXT,
    change       TEXT,
    evidence     TEXT
);
CREATE UNIQUE INDEX alerts_key ON alerts (intrusion_id, ifnull(rule_file, ''), rule, ifnull(path, ''), ifnull(sha256, ''));
CREATE INDEX alerts_by_ts ON alerts (ts);

CREATE TABLE artefacts (
    id           INTEGER PRIMARY KEY,
    event_id     INTEGER NOT NULL REFERENCES events (id),
    intrusion_id TEXT NOT NULL,
    kind         TEXT NOT NULL,
    path         TEXT NOT NULL,
    size         INTEGER,
    sha256       TEXT,
    tty_seq      INTEGER
);
CREATE UNIQUE INDEX artefacts_key ON artefacts (intrusion_id, path);

ALTER TABLE intrusions ADD COLUMN analysed TEXT;
ALTER TABLE intrusions ADD COLUMN files_changed INTEGER;
ALTER TABLE intrusions ADD COLUMN alerts INTEGER;
ALTER TABLE intrusions ADD COLUMN forensics_error TEXT;
)sql",
     nullptr},
    // 3 -> 4: live Sigma alerts beside YARA's: which engine, the rule's id,
    // the log source category, what the rule saw, when the guest did it
    // and the capture record that raised it (its session timeline's mark).
    {R"sql(
ALTER TABLE alerts ADD COLUMN engine TEXT;
ALTER TABLE alerts ADD COLUMN rule_id TEXT;
ALTER TABLE alerts ADD COLUMN category TEXT;
ALTER TABLE alerts ADD COLUMN detail TEXT;
ALTER TABLE alerts ADD COLUMN event_time TEXT;
ALTER TABLE alerts ADD COLUMN seq INTEGER;
ALTER TABLE alerts ADD COLUMN pid INTEGER;
UPDATE alerts SET engine = 'yara';
)sql",
     nullptr},
    // 4 -> 5: which sensor logged each row (a fleet's central store holds
    // many; a sensor's own store, its own name). Events of earlier versions
    // carried no name: NULL.
    {R"sql(
ALTER TABLE events ADD COLUMN sensor TEXT;
ALTER TABLE intrusions ADD COLUMN sensor TEXT;
ALTER TABLE sessions ADD COLUMN sensor TEXT;
ALTER TABLE credentials ADD COLUMN sensor TEXT;
ALTER TABLE commands ADD COLUMN sensor TEXT;
ALTER TABLE alerts ADD COLUMN sensor TEXT;
CREATE INDEX sessions_by_sensor ON sessions (sensor, id);
CREATE INDEX intrusions_by_sensor ON intrusions (sensor, opened);
CREATE INDEX alerts_by_sensor ON alerts (sensor, ts);
)sql",
     nullptr},
}};

// The schema is written in SQLite's DDL; PostgreSQL takes it with its own
// types: 64-bit integers (SQLite's are), identity keys for the rowid
// aliases, no WITHOUT ROWID. The unique keys use SQLite's ifnull(), which
// PostgreSQL gets as a function of the same meaning, so that one upsert
// names one key on both engines.
std::string schema_sql(const SqlDb& db, std::string_view sql, int version) {
    if (db.engine() == SqlEngine::sqlite) return std::string(sql);
    std::string out(sql);
    out = std::regex_replace(out, std::regex(R"(\bINTEGER PRIMARY KEY\b)"),
                             "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
    out = std::regex_replace(out, std::regex(R"(\bINTEGER\b)"), "BIGINT");
    out = std::regex_replace(out, std::regex(R"(\) WITHOUT ROWID)"), ")");
    if (version == 0) {
        out =
            "CREATE OR REPLACE FUNCTION ifnull(anyelement, anyelement) RETURNS anyelement "
            "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT coalesce($1, $2)';\n" +
            out;
    }
    return out;
}

}  // namespace

int store_schema_version() {
    return static_cast<int>(kMigrations.size());
}

void migrate_store(SqlDb& db) {
    migrate_store(db, store_schema_version());
}

void migrate_store(SqlDb& db, int target) {
    // The version is read under the writers' lock: two processes opening a
    // new store at once (the sensor and `oyster store sync`, two sensors
    // and a central store) must not both run the same migration.
    for (;;) {
        Transaction t(db);
        db.lock_writers("oyster store schema");
        int at = db.schema_version();
        if (at > store_schema_version()) {
            throw Error(
                fmt::format("{}: the store is at schema version {}, newer than this Oyster's {}: use a newer oyster",
                            db.name(), at, store_schema_version()));
        }
        if (at >= target) return;  // nothing written: the rollback is free
        const Migration& m = kMigrations[static_cast<std::size_t>(at)];
        db.exec(schema_sql(db, m.sql, at));
        if (m.backfill != nullptr) m.backfill(db);
        db.set_schema_version(at + 1);
        t.commit();
    }
}

}  // namespace oyster::store
