// The `oyster` command line: each subcommand registers itself on the CLI11
// app and runs with the loaded configuration.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "oyster/common/config.h"

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

// Unix seconds as "2026-11-26T21:30:00Z"; "-" for 0.
std::string format_time(std::int64_t t);

}  // namespace oyster::cli
