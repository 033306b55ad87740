// `oyster run`: the sensor daemon, in the foreground.
#include <iostream>

#include "oyster/cli/commands.h"
#include "oyster/sandbox/image_spec.h"
#include "oyster/sandbox/platform.h"
#include "oyster/sensor/daemon_log.h"
#include "oyster/sensor/sensor.h"

namespace oyster::cli {

void register_run(CLI::App& app, const ConfigLoader& load) {
    auto* run = app.add_subcommand(
        "run",
        "Run the sensor: a portal on the configured ports that gives each new source address a guest of its own "
        "(warm pool, sticky per address), with containment, pcap and a mail sink; stops every guest on "
        "SIGINT/SIGTERM");
    run->callback([=]() {
        Config cfg = load();
        Platform platform = load_platform(cfg.paths.state_dir);
        // Before any guest boots: a stale image is a setup problem, not a
        // stream of failed boots.
        check_image_spec(cfg, platform);
        auto log_file =
            cfg.sensor.log_file.empty() ? cfg.paths.state_dir / "sensor" / "oyster.log" : cfg.sensor.log_file;
        sensor::DaemonLog log(log_file);
        log.line("oyster run: config " + cfg.source + ", log " + log_file.string());
        int rc = sensor::run_sensor(cfg, platform, log);
        if (rc != 0) throw Error("the sensor stopped with an error");
    });
}

}  // namespace oyster::cli
