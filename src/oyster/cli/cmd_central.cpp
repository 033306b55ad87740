// `oyster central`: a fleet's central store on PostgreSQL (docs/fleet.md):
// init (schema and roles), add-login (a sensor's or an analyst's login,
// its password into a 0600 file) and status (what each sensor shipped).
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oyster/cli/commands.h"
#include "oyster/common/error.h"
#include "oyster/common/paths.h"
#include "oyster/store/central_admin.h"
#include "oyster/store/pg_db.h"
#include "oyster/store/store_location.h"
#include "oyster/store/store_schema.h"

namespace oyster::cli {
namespace {

// --admin-url, else [store] url with its password.
std::unique_ptr<store::SqlDb> open_central(const Config& cfg, const std::string& admin_url) {
    if (!admin_url.empty()) {
        if (!store::is_postgres_url(admin_url)) throw Error("--admin-url: expected a postgresql:// URL");
        return store::open_sql_db(admin_url);
    }
    auto at = store::central_store(cfg);
    if (!at) throw Error(fmt::format("{}: no [store] url: name the central store with --admin-url", cfg.source));
    return store::open_store_db(*at);
}

}  // namespace

void register_central(CLI::App& app, const ConfigLoader& load) {
    auto* central = app.add_subcommand("central", "A fleet's central store on PostgreSQL (docs/fleet.md)");
    central->require_subcommand(1);

    auto admin_url = std::make_shared<std::string>();
    auto* init = central->add_subcommand(
        "init", "Create or upgrade the central store's schema and its roles (oyster_sensor, oyster_analyst)");
    init->add_option("--admin-url", *admin_url,
                     "postgresql:// URL of a role that may create roles (default: [store] url); its password from "
                     "PGPASSWORD or ~/.pgpass");
    init->callback([=]() {
        Config cfg = load();
        auto db = open_central(cfg, *admin_url);
        store::init_central_store(*db);
        std::cout << fmt::format("{}: schema version {}, roles oyster_sensor and oyster_analyst ready\n", db->name(),
                                 store::store_schema_version());
    });

    auto name = std::make_shared<std::string>();
    auto role = std::make_shared<std::string>("sensor");
    auto password_file = std::make_shared<std::string>();
    auto* add = central->add_subcommand(
        "add-login", "Make a login for one sensor or analyst, with a new random password written to a 0600 file");
    add->add_option("name", *name, "The login's name (lower-case letters, digits, '_')")->required();
    add->add_option("--role", *role, "sensor (ships events) or analyst (reads them)")
        ->check(CLI::IsMember({"sensor", "analyst"}));
    add->add_option("--password-file", *password_file,
                    "Where the password goes (mode 0600): the sensor's [store] password_file")
        ->required();
    add->add_option("--admin-url", *admin_url, "postgresql:// URL of a role that may create roles");
    add->callback([=]() {
        Config cfg = load();
        auto db = open_central(cfg, *admin_url);
        auto password = store::add_central_login(
            *db, *name, *role == "sensor" ? store::CentralRole::sensor : store::CentralRole::analyst);
        write_file_atomic(*password_file, password + "\n", 0600);
        std::cout << fmt::format("{}: login {} in oyster_{}; its password is in {}\n", db->name(), *name, *role,
                                 *password_file);
    });

    auto json = std::make_shared<bool>(false);
    auto* status = central->add_subcommand(
        "status", "Per sensor: events shipped, the first and last, and where in its log shipping is");
    status->add_flag("--json", *json, "Print a JSON object");
    status->callback([=]() {
        Config cfg = load();
        auto at = store::central_store(cfg);
        if (!at) throw Error(fmt::format("{}: no [store] url: no central store", cfg.source));
        auto db = store::open_store_db(*at);
        auto out = store::central_status(*db);
        if (*json) {
            std::cout << out.dump(2) << "\n";
            return;
        }
        std::cout << fmt::format("{:<24} {:>10} {:<25} {:<25} {:>14}\n", "SENSOR", "EVENTS", "FIRST", "LAST",
                                 "LOG OFFSET");
        for (const auto& s : out["sensors"]) {
            auto text = [&](const char* k) { return s[k].is_string() ? s[k].get<std::string>() : std::string("-"); };
            std::cout << fmt::format(
                "{:<24} {:>10} {:<25} {:<25} {:>14}\n", text("sensor"), s["events"].get<std::int64_t>(),
                text("first_event"), text("last_event"),
                s["log_offset"].is_number() ? std::to_string(s["log_offset"].get<std::int64_t>()) : std::string("-"));
        }
    });
}

}  // namespace oyster::cli
