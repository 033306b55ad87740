#include "oyster/store/central_admin.h"

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/random_hex.h"
#include "oyster/store/store_schema.h"

namespace oyster::store {
namespace {

const char* group_of(CentralRole role) {
    return role == CentralRole::sensor ? "oyster_sensor" : "oyster_analyst";
}

}  // namespace

void init_central_store(SqlDb& db) {
    if (db.engine() != SqlEngine::postgresql) throw Error(fmt::format("{}: not a PostgreSQL store", db.name()));
    migrate_store(db);
    db.exec(R"sql(
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'oyster_sensor') THEN
        CREATE ROLE oyster_sensor NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'oyster_analyst') THEN
        CREATE ROLE oyster_analyst NOLOGIN;
    END IF;
END
$$;
GRANT USAGE ON SCHEMA public TO oyster_sensor, oyster_analyst;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO oyster_sensor;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO oyster_sensor;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO oyster_analyst;
)sql");
    // Each login's connections go to this database only.
    Statement name(db, "SELECT current_database()");
    if (!name.step()) db.fail("no current database");
    std::string dbname = name.text(0);
    for (char c : dbname) {
        if (c == '"') throw Error(fmt::format("{}: a database name with a quote", db.name()));
    }
    db.exec(
        fmt::format("REVOKE CONNECT ON DATABASE \"{0}\" FROM PUBLIC; GRANT CONNECT ON DATABASE \"{0}\" TO "
                    "oyster_sensor, oyster_analyst",
                    dbname));
}

std::string add_central_login(SqlDb& db, const std::string& name, CentralRole role) {
    if (name.empty() || name.size() > 63 ||
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos ||
        name.starts_with("pg_") || name.starts_with("oyster_")) {
        throw Error(
            fmt::format("\"{}\" is not a login name here (lower-case letters, digits and '_', at most 63; "
                        "not pg_* or oyster_*)",
                        name));
    }
    // Hex only: safe inside the quotes of the statement.
    std::string password = random_hex(24);
    Statement exists(db, "SELECT COUNT(*) FROM pg_roles WHERE rolname = ?");
    exists.bind(1, name);
    exists.step();
    bool known = exists.int64(0) > 0;
    exists.reset();
    db.exec(fmt::format("{} ROLE \"{}\" LOGIN PASSWORD '{}'", known ? "ALTER" : "CREATE", name, password));
    db.exec(fmt::format("GRANT {} TO \"{}\"", group_of(role), name));
    return password;
}

nlohmann::json central_status(SqlDb& db) {
    nlohmann::json sensors = nlohmann::json::array();
    Statement q(db,
                "SELECT s.sensor, s.events, s.first_event, s.last_event, (SELECT \"offset\" FROM ingest_positions p "
                "WHERE p.source = 'sensor ' || s.sensor) AS log_offset FROM (SELECT coalesce(sensor, '') AS sensor, "
                "COUNT(*) AS events, MIN(ts) AS first_event, MAX(ts) AS last_event FROM events GROUP BY "
                "coalesce(sensor, '')) s ORDER BY s.sensor");
    while (q.step()) sensors.push_back(q.row_object());
    return {{"store", db.name()}, {"sensors", sensors}};
}

}  // namespace oyster::store
