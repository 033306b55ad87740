// The store's schema and its migrations (docs/store.md documents the
// tables). PRAGMA user_version holds the version a database is at; each
// migration runs in its own transaction, so a database is always at one
// version or the next, never between.
#pragma once

#include "oyster/store/sqlite_db.h"

namespace oyster::store {

// The version this Oyster writes.
int store_schema_version();

// Brings `db` to store_schema_version(). Throws oyster::Error for a
// database at a newer version than this Oyster knows (an older binary
// must not write into a newer schema).
void migrate_store(SqliteDb& db);

// Brings `db` up to version `target` only (tests of a migration start
// from the version before it).
void migrate_store(SqliteDb& db, int target);

}  // namespace oyster::store
