// The store's schema and its migrations (docs/store.md documents the
// tables), on either engine (sql_db.h). The database holds the version it
// is at (SQLite: PRAGMA user_version; PostgreSQL: table oyster_schema);
// each migration runs in its own transaction, so a database is always at
// one version or the next, never between.
#pragma once

#include "oyster/store/sql_db.h"

namespace oyster::store {

// The version this Oyster writes.
int store_schema_version();

// Brings `db` to store_schema_version(). Throws oyster::Error for a
// database at a newer version than this Oyster knows (an older binary
// must not write into a newer schema).
void migrate_store(SqlDb& db);

// Brings `db` up to version `target` only (tests of a migration start
// from the version before it).
void migrate_store(SqlDb& db, int target);

}  // namespace oyster::store
