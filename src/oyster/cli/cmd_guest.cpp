// `oyster guest start|stop|list`: run single guests by hand.
#include <ctime>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oyster/cli/commands.h"
#include "oyster/common/process.h"
#include "oyster/sandbox/guest_manager.h"

namespace oyster::cli {

std::string format_time(std::int64_t t) {
    if (t == 0) return "-";
    std::time_t tt = t;
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

void register_guest(CLI::App& app, const ConfigLoader& load) {
    auto* guest = app.add_subcommand("guest", "Start, stop and list guests by hand");
    guest->require_subcommand(1);

    auto* start = guest->add_subcommand("start", "Boot a guest from the base image and a new COW file");
    struct StartArgs {
        std::string cow;
        bool no_wait = false;
        bool json = false;
    };
    auto sa = std::make_shared<StartArgs>();
    start->add_option("--cow", sa->cow, "Boot from this existing COW file (a stopped guest's disk) instead")
        ->check(CLI::ExistingFile);
    start->add_flag("--no-wait", sa->no_wait, "Return once the UML process runs, without waiting for sshd");
    start->add_flag("--json", sa->json, "Print the guest record as JSON");
    start->callback([=]() {
        Config cfg = load();
        Platform platform = load_platform(cfg.paths.state_dir);
        StartOptions opts;
        if (!sa->cow.empty()) opts.reuse_cow = sa->cow;
        opts.wait_for_ssh = !sa->no_wait;
        GuestRecord g = start_guest(cfg, platform, opts, std::cerr);
        if (sa->json) {
            std::cout << to_json(g).dump(2) << "\n";
            return;
        }
        std::cout << fmt::format("guest {} is up: ssh root@{}   (password: {})\n", g.id, g.guest_ip,
                                 platform.login.root_password);
        std::cout << fmt::format("stop it with: oyster guest stop {}\n", g.id);
    });

    auto* stop = guest->add_subcommand("stop", "Shut a guest down cleanly (then halt, then kill); keeps its disk");
    auto stop_id = std::make_shared<std::string>();
    stop->add_option("id", *stop_id, "Guest id (see `oyster guest list`)")->required();
    stop->callback([=]() {
        Config cfg = load();
        stop_guest(cfg, *stop_id, std::cerr);
    });

    auto* list = guest->add_subcommand("list", "List guests and their state");
    auto list_json = std::make_shared<bool>(false);
    list->add_flag("--json", *list_json, "Print a JSON array of guest records");
    list->callback([=]() {
        Config cfg = load();
        auto guests = list_guests(cfg);
        if (*list_json) {
            nlohmann::json arr = nlohmann::json::array();
            for (const auto& g : guests) arr.push_back(to_json(g));
            std::cout << arr.dump(2) << "\n";
            return;
        }
        std::cout << fmt::format("{:<8} {:<8} {:>7} {:<15} {:<10} {:<20} {}\n", "ID", "STATE", "PID", "ADDRESS", "TAP",
                                 "STARTED", "DISK");
        for (const auto& g : guests) {
            std::cout << fmt::format("{:<8} {:<8} {:>7} {:<15} {:<10} {:<20} {}\n", g.id, g.state, g.pid, g.guest_ip,
                                     g.tap, format_time(g.started_at), g.cow.string());
        }
    });
}

}  // namespace oyster::cli
