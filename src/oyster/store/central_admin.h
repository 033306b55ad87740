// Setting up a fleet's central store on PostgreSQL (docs/fleet.md), as a
// role that may create roles (the database's owner, or postgres):
// `oyster central init` and `oyster central add-login`.
//
// Two group roles divide the work: oyster_sensor ships events (reads and
// writes the store's tables, nothing else: no DDL, no other database) and
// oyster_analyst reads them (the web UI, the CLI). Each sensor and analyst
// logs in as a role of its own in one of them, so one can be shut out
// without the others.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "oyster/store/sql_db.h"

namespace oyster::store {

enum class CentralRole { sensor, analyst };

// Brings the schema up to date and (re)grants the group roles what they
// may do on every table, the new ones included. Safe to run again, after
// an upgrade too.
void init_central_store(SqlDb& db);

// A login role `name` (lower-case letters, digits, '_', at most 63) in
// `role`'s group with a new random password, which it returns; an
// existing login of that name gets the new password. Throws oyster::Error
// for a name that is not one.
std::string add_central_login(SqlDb& db, const std::string& name, CentralRole role);

// Per sensor: events, the first and last event's time, and how far its
// log has been shipped ({"sensors": [...]}).
nlohmann::json central_status(SqlDb& db);

}  // namespace oyster::store
