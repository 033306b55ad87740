// oyster: the honeypot's command-line entry point.
#include <iostream>

#include <CLI/CLI.hpp>

#include "oyster/cli/commands.h"
#include "oyster/common/config.h"
#include "oyster/common/error.h"

int main(int argc, char** argv) {
    CLI::App app{"Oyster: a high-interaction honeypot that gives each attacker a real Linux guest (UML)", "oyster"};
    app.set_version_flag("--version", "oyster 0.1.0");
    app.require_subcommand(1);
    std::string config_path;
    app.add_option("-c,--config", config_path,
                   "Configuration file (default: $OYSTER_CONFIG, else /etc/oyster/oyster.toml, else built-in "
                   "defaults)");

    auto load = [&config_path]() -> oyster::Config {
        std::filesystem::path path =
            config_path.empty() ? oyster::default_config_path() : std::filesystem::path(config_path);
        if (path.empty()) return oyster::Config{};
        return oyster::load_config_file(path);
    };
    oyster::cli::register_setup(app, load);
    oyster::cli::register_guest(app, load);
    oyster::cli::register_capture(app, load);
    oyster::cli::register_run(app, load);
    oyster::cli::register_intrusion(app, load);
    oyster::cli::register_selftest(app, load);
    oyster::cli::register_store(app, load);
    oyster::cli::register_analyst_listings(app, load);
    oyster::cli::register_session_views(app, load);
    oyster::cli::register_outputs(app, load);
    oyster::cli::register_export(app, load);
    oyster::cli::register_files(app, load);
    oyster::cli::register_web(app, load);
    oyster::cli::register_lived_in(app, load);
    oyster::cli::register_rules(app, load);
    oyster::cli::register_central(app, load);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const oyster::Error& e) {
        std::cerr << "oyster: " << e.what() << "\n";
        return 1;
    } catch (const std::filesystem::filesystem_error& e) {
        std::cerr << "oyster: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
