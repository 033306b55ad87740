// `oyster outputs status|flush`: the event outputs of [outputs]
// (outputs/event_outputs.h): how far each is, and delivering what is
// pending now (the sensor does it every second while it runs).
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oyster/cli/commands.h"
#include "oyster/common/error.h"
#include "oyster/outputs/event_outputs.h"
#include "oyster/store/store_paths.h"

namespace oyster::cli {

void register_outputs(CLI::App& app, const ConfigLoader& load) {
    auto* outputs = app.add_subcommand("outputs", "The event outputs of [outputs] (JSON-lines file, syslog)");
    outputs->require_subcommand(1);

    auto* status = outputs->add_subcommand("status", "Show how far each output has delivered the sensor's events");
    auto status_json = std::make_shared<bool>(false);
    status->add_flag("--json", *status_json, "Print a JSON array, one object per output");
    status->callback([=]() {
        Config cfg = load();
        auto all = outputs::configured_outputs(cfg, store::sensor_events_file(cfg.paths.state_dir));
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& o : all) arr.push_back(outputs::output_status(o));
        if (*status_json) {
            std::cout << arr.dump(2) << "\n";
            return;
        }
        if (all.empty()) std::cout << "no outputs configured ([outputs] in " << cfg.source << ")\n";
        for (const auto& j : arr) {
            std::cout << fmt::format("{:<7} {}: {} events delivered, {} bytes behind, {} events skipped (backlog)\n",
                                     j["name"].get<std::string>(), j["target"].get<std::string>(),
                                     j["delivered"].get<std::uint64_t>(), j["backlog_bytes"].get<std::uint64_t>(),
                                     j["skipped_lines"].get<std::uint64_t>());
        }
    });

    auto* flush = outputs->add_subcommand(
        "flush", "Deliver the sensor's events each output has not yet delivered (safe while the sensor runs)");
    auto flush_json = std::make_shared<bool>(false);
    flush->add_flag("--json", *flush_json, "Print a JSON array, one object per output");
    flush->callback([=]() {
        Config cfg = load();
        auto all = outputs::configured_outputs(cfg, store::sensor_events_file(cfg.paths.state_dir));
        nlohmann::json arr = nlohmann::json::array();
        std::size_t failed = 0;
        for (auto& o : all) {
            auto r = outputs::forward(o);
            auto j = outputs::output_status(o);
            j["delivered_now"] = r.delivered;
            j["skipped_now"] = r.skipped.lines;
            j["error"] = r.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.error);
            if (!r.error.empty()) ++failed;
            arr.push_back(j);
            if (!*flush_json) {
                std::cout << fmt::format(
                    "{:<7} {}: delivered {} events{}{}\n", o.name, o.target, r.delivered,
                    r.skipped.lines ? fmt::format(", skipped {} (over the backlog limit)", r.skipped.lines) : "",
                    r.error.empty() ? "" : "; failed: " + r.error);
            }
        }
        if (*flush_json) std::cout << arr.dump(2) << "\n";
        if (failed > 0)
            throw Error(
                fmt::format("{} of {} outputs failed (they retry from where they stopped)", failed, all.size()));
    });
}

}  // namespace oyster::cli
