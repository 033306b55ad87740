// `oyster store sync`: brings the analyst's store (store/event_store.h) up
// to date with the sensor's event log.
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oyster/cli/commands.h"
#include "oyster/common/error.h"
#include "oyster/store/analyst_queries.h"
#include "oyster/store/event_store.h"
#include "oyster/store/store_location.h"
#include "oyster/store/store_paths.h"

namespace oyster::cli {

std::unique_ptr<store::EventStore> open_synced_store(const Config& cfg) {
    auto at = store::analyst_store(cfg);
    auto db = std::make_unique<store::EventStore>(store::open_store_db(at));
    // What this machine's sensor logged since its last sync (none on a
    // central analyst's machine), under the name its sensor ships it as.
    db->ingest_jsonl(store::sensor_events_file(cfg.paths.state_dir),
                     at.central ? store::central_log_source(cfg) : store::EventStore::LogSource{});
    return db;
}

nlohmann::json intrusion_or_fail(store::EventStore& db, const std::string& id) {
    auto intrusion = store::find_intrusion(db.db(), id);
    if (!intrusion) throw Error(fmt::format("no intrusion {} in the store (see oyster intrusions)", id));
    return *intrusion;
}

void register_store(CLI::App& app, const ConfigLoader& load) {
    auto* store = app.add_subcommand(
        "store", "The analyst's event store (<state_dir>/store.sqlite, or the central store of [store] url)");
    store->require_subcommand(1);
    auto* sync = store->add_subcommand(
        "sync", "Add the sensor's events logged since the last sync to the store (safe to run while it runs)");
    auto json = std::make_shared<bool>(false);
    sync->add_flag("--json", *json, "Print what was added as a JSON object");
    sync->callback([=]() {
        Config cfg = load();
        auto at = store::analyst_store(cfg);
        store::EventStore db(store::open_store_db(at));
        auto r = db.ingest_jsonl(store::sensor_events_file(cfg.paths.state_dir),
                                 at.central ? store::central_log_source(cfg) : store::EventStore::LogSource{});
        nlohmann::json out = {{"store", db.db().name()},
                              {"added", r.events},
                              {"skipped", r.skipped},
                              {"bytes", r.bytes},
                              {"events", db.count("events")},
                              {"intrusions", db.count("intrusions")},
                              {"credentials", db.count("credentials")},
                              {"commands", db.count("commands")},
                              {"sessions", db.count("sessions")}};
        if (*json) {
            std::cout << out.dump(2) << "\n";
            return;
        }
        std::cout << fmt::format(
            "added {} events ({} lines skipped, {} bytes read); the store holds {} events, {} intrusions, {} "
            "credentials, {} commands, {} sessions\n",
            r.events, r.skipped, r.bytes, out["events"].get<std::uint64_t>(), out["intrusions"].get<std::uint64_t>(),
            out["credentials"].get<std::uint64_t>(), out["commands"].get<std::uint64_t>(),
            out["sessions"].get<std::uint64_t>());
    });
}

}  // namespace oyster::cli
