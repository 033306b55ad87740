// `oyster intrusion list`: what each source address did, and where its
// evidence is.
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oyster/cli/commands.h"
#include "oyster/evidence/intrusion_record.h"

namespace oyster::cli {

void register_intrusion(CLI::App& app, const ConfigLoader& load) {
    auto* intrusion = app.add_subcommand("intrusion", "List the intrusions the sensor recorded");
    intrusion->require_subcommand(1);
    auto* list = intrusion->add_subcommand("list", "List intrusions, oldest first");
    auto json = std::make_shared<bool>(false);
    list->add_flag("--json", *json, "Print a JSON array of intrusion records");
    list->callback([=]() {
        Config cfg = load();
        auto all = load_all_intrusions(cfg.paths.state_dir);
        if (*json) {
            nlohmann::json arr = nlohmann::json::array();
            for (const auto& i : all) arr.push_back(to_json(i));
            std::cout << arr.dump(2) << "\n";
            return;
        }
        std::cout << fmt::format("{:<22} {:<7} {:<15} {:<20} {:<20} {:>5} {}\n", "ID", "STATE", "SOURCE", "STARTED",
                                 "ENDED", "CONNS", "EVIDENCE");
        for (const auto& i : all) {
            std::cout << fmt::format("{:<22} {:<7} {:<15} {:<20} {:<20} {:>5} {}\n", i.id, i.state, i.source_ip,
                                     format_time(i.started_at), format_time(i.ended_at), i.connections, i.dir.string());
        }
    });
}

}  // namespace oyster::cli
