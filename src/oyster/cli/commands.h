// The `oyster` command line: each subcommand registers itself on the CLI11
// app and runs with the loaded configuration.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "oyster/common/config.h"

namespace oyster::store {
class EventStore;
}

namespace oyster::cli {

// Loads the configuration named by --config (or the default path, or the
// built-in defaults). Subcommands call it when they run, so that `--help`
// works without a valid config.
using ConfigLoader = std::function<Config()>;

void register_setup(CLI::App& app, const ConfigLoader& load);
void register_guest(CLI::App& app, const ConfigLoader& load);
void register_capture(CLI::App& app, const ConfigLoader& load);
void register_run(CLI::App& app, const ConfigLoader& load);
void register_intrusion(CLI::App& app, const ConfigLoader& load);
void register_selftest(CLI::App& app, const ConfigLoader& load);
void register_store(CLI::App& app, const ConfigLoader& load);
void register_analyst_listings(CLI::App& app, const ConfigLoader& load);
void register_session_views(CLI::App& app, const ConfigLoader& load);
void register_outputs(CLI::App& app, const ConfigLoader& load);
void register_export(CLI::App& app, const ConfigLoader& load);
void register_files(CLI::App& app, const ConfigLoader& load);
void register_web(CLI::App& app, const ConfigLoader& load);
void register_lived_in(CLI::App& app, const ConfigLoader& load);
void register_rules(CLI::App& app, const ConfigLoader& load);
void register_central(CLI::App& app, const ConfigLoader& load);

// The analyst's store, brought up to date with the sensor's event log
// first (so a listing is current also when no sensor is running).
std::unique_ptr<store::EventStore> open_synced_store(const Config& cfg);

// The store's record of intrusion `id` (store::find_intrusion's object);
// throws oyster::Error pointing at `oyster intrusions` when there is none.
nlohmann::json intrusion_or_fail(store::EventStore& db, const std::string& id);

// Unix seconds as "2026-11-26T21:30:00Z"; "-" for 0.
std::string format_time(std::int64_t t);

}  // namespace oyster::cli
