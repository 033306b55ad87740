// Which store the analyst's commands and the web UI read, and where a
// sensor ships its events: the sensor's own SQLite file, or a fleet's
// central PostgreSQL store when [store] url is set (docs/fleet.md).
#pragma once

#include <memory>
#include <string>

#include "oyster/common/config.h"
#include "oyster/store/event_store.h"
#include "oyster/store/sql_db.h"

namespace oyster::store {

struct StoreLocation {
    std::string where;     // a SQLite file's path or a PostgreSQL URL
    std::string password;  // from [store] password_file; never shown
    bool central = false;
};

// The central store of [store], or nullopt without a url. A url libpq
// cannot parse is a ConfigError naming store.url; the password file must
// be a regular file only its owner can read or write (0600 or stricter):
// else ConfigError naming store.password_file and the file.
std::optional<StoreLocation> central_store(const Config& cfg);

// The central store when there is one, else the sensor's own file.
StoreLocation analyst_store(const Config& cfg);

std::unique_ptr<SqlDb> open_store_db(const StoreLocation& at);

// How this sensor's log is known in a central store: its position's key
// ("sensor NAME") and its name for the lines.
EventStore::LogSource central_log_source(const Config& cfg);

}  // namespace oyster::store
